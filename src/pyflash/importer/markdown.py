"""Markdown to card fields: the blocks of a section, written back as clean Markdown.

A parsed Markdown node (markdown-it's syntax tree) becomes a list of
:class:`Block`: prose (Markdown text that renders as the notes meant it, with
HTML turned into Markdown or dropped) and code (a fenced or indented code
block, its content as written). Headings are not handled here; see
:mod:`pyflash.importer.notes`.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from enum import StrEnum

from markdown_it.tree import SyntaxTreeNode

from pyflash.importer.images import FORMULA_MARK, IMAGE_MARK, code_span, html_attrs, image_markdown, markdown_url

__all__ = ["Block", "BlockKind", "inline_plain", "node_blocks", "node_line"]


class BlockKind(StrEnum):
    PROSE = "prose"
    CODE = "code"


@dataclass(frozen=True, slots=True)
class Block:
    """A piece of a section: ``prose`` (Markdown text) or ``code``."""

    kind: BlockKind
    text: str
    line: int
    info: str = ""  # fence info string, for code
    end: int = 0  # the line after the block (1-based, exclusive); 0 if unknown
    images: int = 0  # images carried into ``text`` (prose)
    formulas: int = 0  # formula images carried as ``$TeX$`` (prose)
    nested_code: tuple[int, ...] = ()  # lines of code blocks kept inside the prose (in a list or quote)
    from_html: bool = False  # code written as an HTML `<pre>` block (tags removed, entities decoded)

    @property
    def leads_in(self) -> bool:
        """Prose whose last line ends with a colon: it introduces the next block."""
        return self.kind == BlockKind.PROSE and self.text.rstrip().endswith((":", "\uff1a"))

    @property
    def caption(self) -> str | None:
        """A short label that is no sentence ("Sort by row", "- 按行排序"), as it reads.

        Just before a code block it names that block (see drafts._segments).
        """
        if self.kind != BlockKind.PROSE:
            return None
        first = self.text.split("\n", 1)[0]
        is_list = bool(_LIST_MARKER.match(first))
        if "\n" in self.text and not is_list:
            return None
        label = _LIST_MARKER.sub("", first).replace("**", "").strip().rstrip(":\uff1a").strip()
        if not label or len(label) > 40 or label.endswith(_SENTENCE_END) or label.count("`") % 2:
            return None
        return label


def node_line(node: SyntaxTreeNode) -> int:
    """The 1-based line where ``node`` starts (0 if unknown)."""
    return (node.map[0] + 1) if node.map else 0


_LIST_MARKER = re.compile(r"^(?:\s*(?:[-*+]|\d+[.)]|>)\s+)+")
_SENTENCE_END = (".", "\u3002", "!", "\uff01", "?", "\uff1f", ")", "\uff09", ";", "\uff1b")

# Sentinels for emphasis while an inline run is built; see _finish_inline.
_B_OPEN, _B_CLOSE, _I_OPEN, _I_CLOSE, _S_OPEN, _S_CLOSE = "\x01", "\x02", "\x03", "\x04", "\x05", "\x06"
_MARK = {(_B_OPEN, _B_CLOSE): "**", (_I_OPEN, _I_CLOSE): "*", (_S_OPEN, _S_CLOSE): "~~"}
# Counted, then removed, when a block is finished: an image, a formula.
_IMAGE, _FORMULA = IMAGE_MARK, FORMULA_MARK
# An HTML link while an inline run is built: OPEN href MID text CLOSE.
_A_OPEN, _A_MID, _A_CLOSE = "\x10", "\x11", "\x12"
_HTML_LINK = re.compile("\x10([^\x10-\x12]*)\x11([^\x10-\x12]*)\x12")
_SENTINELS = re.compile("[\x01-\x06\x0e-\x12]")

_HTML_TAGS = frozenset(
    """a abbr address article aside b bdi bdo big blockquote body br caption center cite code col colgroup dd del
    details dfn div dl dt em figcaption figure font footer h1 h2 h3 h4 h5 h6 header hr html i img ins kbd li main mark
    nav ol p pre q s samp section small span strike strong sub summary sup table tbody td tfoot th thead tr tt u ul
    var video audio source iframe""".split()
)
_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9]*)\b[^<>]*?(/?)>")
_COMMENT = re.compile(r"<!--.*?-->", re.S)
# Code written as HTML: `<pre><code class="language-x">...</code></pre>`.
_HTML_PRE = re.compile(r"\s*<pre\b[^>]*>\s*(?:<code\b([^>]*)>)?(.*?)(?:</code>)?\s*</pre>\s*", re.S | re.I)
_LINE_BREAK_TAGS = frozenset(("br", "p", "div", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6"))


# --------------------------------------------------------------------------
# HTML


def _html_inline(raw: str) -> str:
    """Inline HTML: formatting tags become Markdown; other known tags vanish."""
    if raw.startswith("<!--"):
        return ""
    m = _TAG.fullmatch(raw.strip())
    if not m:
        return raw
    closing, name = m.group(1), m.group(2).lower()
    if name not in _HTML_TAGS:
        return raw  # `List<int>` and friends are text, not HTML
    if name == "img" and not closing:
        attrs = html_attrs(raw)
        return image_markdown(attrs.get("src", ""), attrs.get("alt", "")) if attrs.get("src") else ""
    if name == "a":
        href = html_attrs(raw).get("href", "") if not closing else ""
        return _A_CLOSE if closing else (_A_OPEN + href.replace(_A_MID, "") + _A_MID if href else "")
    if name in ("strong", "b"):
        return _B_CLOSE if closing else _B_OPEN
    if name in ("em", "i"):
        return _I_CLOSE if closing else _I_OPEN
    if name in ("del", "s", "strike"):
        return _S_CLOSE if closing else _S_OPEN
    if name == "code":
        return "`"
    if name == "br":
        return _HARD_BREAK
    return ""


def _html_block_tag(m: re.Match[str]) -> str:
    name = m.group(2).lower()
    if name not in _HTML_TAGS:
        return m.group(0)
    if name in _LINE_BREAK_TAGS:
        return "\n"
    return _html_inline(m.group(0))


_HTML_TABLE = re.compile(r"\s*<table\b[^>]*>(.*)</table>\s*", re.S | re.I)
_HTML_ROW = re.compile(r"<tr\b[^>]*>(.*?)</tr>", re.S | re.I)
_HTML_CELL = re.compile(r"<(t[hd])\b[^>]*>(.*?)</\1>", re.S | re.I)


def _html_table(raw: str) -> str | None:
    """A simple HTML table (a header row of ``<th>``, no table inside) as a Markdown table."""
    m = _HTML_TABLE.fullmatch(_COMMENT.sub("", raw))
    if m is None or "<table" in m.group(1).lower():
        return None
    rows = [_HTML_CELL.findall(row) for row in _HTML_ROW.findall(m.group(1))]
    if not rows or not rows[0] or any(kind.lower() != "th" for kind, _ in rows[0]):
        return None
    width = len(rows[0])
    if any(len(r) != width or any(kind.lower() != "td" for kind, _ in r) for r in rows[1:]):
        return None

    def cell(text: str) -> str:
        md = _html_block(text).replace(_HARD_BREAK, " ").replace("\n", " ").strip()
        return re.sub(r"(?<!\\)\|", "\\|", md)

    lines = ["| " + " | ".join(cell(c) for _, c in rows[0]) + " |", "|" + "---|" * width]
    lines += ["| " + " | ".join(cell(c) for _, c in r) + " |" for r in rows[1:]]
    return "\n".join(lines)


def _html_block(raw: str) -> str:
    """An HTML block as plain text: comments dropped, known tags removed."""
    text = _TAG.sub(_html_block_tag, _COMMENT.sub("", raw)).replace(_HARD_BREAK, "\n")
    return _finish_inline(html.unescape(text))


# --------------------------------------------------------------------------
# Inline runs

_HARD_BREAK = "\\\n"  # a backslash at the end of a line: survives trailing-space removal


def _link(child: SyntaxTreeNode, plain: bool) -> str:
    href = str(child.attrs.get("href", ""))
    label = _inline_pieces(child, plain)
    bare = _strip_sentinels(label).strip()
    if plain or not href:
        return label
    if not bare or bare == href or bare.rstrip("/") == href.rstrip("/"):
        return href
    return f"[{label}]({markdown_url(href)})"


def _inline_piece(child: SyntaxTreeNode, plain: bool) -> str:
    t = child.type
    if t == "text":
        return child.content
    if t == "text_special":  # an escape or an entity: as the notes wrote it
        return child.content if plain else child.markup or child.content
    if t == "code_inline":
        return child.content if plain else code_span(child.content)
    if t == "softbreak":
        return " " if plain else "\n"
    if t == "hardbreak":
        return " " if plain else _HARD_BREAK
    if t == "strong":
        return _B_OPEN + _inline_pieces(child, plain) + _B_CLOSE
    if t == "em":
        return _I_OPEN + _inline_pieces(child, plain) + _I_CLOSE
    if t == "s":
        return _S_OPEN + _inline_pieces(child, plain) + _S_CLOSE
    if t == "link":
        return _link(child, plain)
    if t == "image":
        alt = _strip_sentinels(_inline_pieces(child, True))
        return alt if plain else image_markdown(str(child.attrs.get("src", "")), alt)
    if t == "html_inline":
        piece = _html_inline(child.content)
        return _strip_sentinels(piece).replace(_HARD_BREAK, " ") if plain else piece
    return child.content or _inline_pieces(child, plain)  # unknown inline: keep its text


def _inline_pieces(node: SyntaxTreeNode, plain: bool) -> str:
    return "".join(_inline_piece(child, plain) for child in node.children)


def _strip_sentinels(text: str) -> str:
    return _SENTINELS.sub("", text)


def _finish_inline(text: str, plain: bool = False) -> str:
    """Turn emphasis sentinels into Markdown that renders.

    Adjacent runs (``<strong>a</strong><strong>b</strong>``) merge, empty ones
    vanish, and whitespace just inside a marker moves outside it (``** x**``
    would not render as bold).
    """
    if _A_OPEN in text:
        text = _HTML_LINK.sub(lambda m: _html_link(m.group(1), m.group(2), plain), text)
        text = re.sub("\x10[^\x10-\x12]*\x11|\x12", "", text)  # unbalanced: the text stays
    for (op, cl), mark in _MARK.items():
        previous = None
        while previous != text:
            previous = text
            text = text.replace(cl + op, "").replace(op + cl, "")
        if plain:
            text = text.replace(op, "").replace(cl, "")
            continue

        def fix(m: re.Match[str], mark: str = mark) -> str:
            lead, body, trail = m.group(1), m.group(2), m.group(3)
            return f"{lead}{mark}{body}{mark}{trail}" if body else lead + trail

        text = re.sub(f"{re.escape(op)}(\\s*)(.*?)(\\s*){re.escape(cl)}", fix, text, flags=re.S)
        text = text.replace(op, "").replace(cl, "")  # unbalanced HTML: drop
    return text


def _html_link(href: str, label: str, plain: bool) -> str:
    """``<a href>label</a>`` as Markdown: ``[label](href)``, or the URL alone when that is the label."""
    bare = _strip_sentinels(label).strip()
    if plain or not href:
        return label
    if not bare or bare.rstrip("/") == href.rstrip("/"):
        return href
    return f"[{label}]({markdown_url(href)})"


def inline_plain(node: SyntaxTreeNode) -> str:
    """An inline run as it reads: links, HTML and emphasis removed."""
    return _strip_sentinels(_finish_inline(_inline_pieces(node, True), plain=True)).strip()


def _inline_md(node: SyntaxTreeNode) -> str:
    text = _finish_inline(_inline_pieces(node, False)).replace(_HARD_BREAK + "\n", _HARD_BREAK)
    # A line break at the very end (or start) of a paragraph breaks nothing.
    return re.sub(r"^(?:\\\n)+|(?:\\\n)+$", "", text)


# --------------------------------------------------------------------------
# Blocks


class _Emitter:
    """Collects prose lines and code blocks, in document order."""

    def __init__(self, end: int = 0) -> None:
        self.blocks: list[Block] = []
        self.lines: list[str] = []
        self.first_line = 0
        self.end = end
        self.nested: list[int] = []
        self.keep_code = False  # code stays in the prose even at the top (a definition's answer)

    def text(self, text: str, first: str, rest: str, line: int) -> None:
        if not self.lines:
            self.first_line = line
        for i, part in enumerate(text.split("\n")):
            self.lines.append(((first if i == 0 else rest) + part).rstrip())

    def verbatim(self, lines: list[str], first: str, rest: str, line: int) -> None:
        """Lines added as they are (code kept inside the prose): only empty ones lose the prefix's spaces."""
        if not self.lines:
            self.first_line = line
        for i, part in enumerate(lines):
            prefix = first if i == 0 else rest
            self.lines.append(prefix + part if part else prefix.rstrip())
        self.nested.append(line)

    def blank(self, rest: str) -> None:
        self.lines.append(rest.rstrip())

    def code(self, content: str, info: str, line: int, from_html: bool = False) -> None:
        self.flush()
        self.blocks.append(Block(BlockKind.CODE, content, line, info, self.end, from_html=from_html))

    def flush(self) -> None:
        text = "\n".join(self.lines).strip("\n")
        if _strip_sentinels(text).strip():
            images, formulas = text.count(_IMAGE), text.count(_FORMULA)
            clean = _strip_sentinels(text)
            self.blocks.append(
                Block(BlockKind.PROSE, clean, self.first_line, "", self.end, images, formulas, tuple(self.nested))
            )
        self.lines = []
        self.nested = []


def node_blocks(node: SyntaxTreeNode) -> list[Block]:
    """The blocks of one top-level node (a paragraph, a list, a fence...)."""
    em = _Emitter(node.map[1] + 1 if node.map else 0)
    _render(node, em, "", "")
    em.flush()
    return em.blocks


def _fence_lines(node: SyntaxTreeNode) -> list[str]:
    """A code block inside a list or quote, as a fence: its content line for line."""
    content = node.content
    info = node.info.strip() if node.type == "fence" else ""
    longest = max((len(run) for run in re.findall(r"^ {0,3}(`{3,}|~{3,})", content, re.M)), default=0)
    char = "~" if "`" in info else "`"
    fence = char * max(3, longest + 1)
    body = content[:-1] if content.endswith("\n") else content
    return [f"{fence}{info}", *(body.split("\n") if content else []), fence]


def _render(node: SyntaxTreeNode, em: _Emitter, first: str, rest: str) -> None:
    """Render ``node``; ``first`` prefixes its first line, ``rest`` the others."""
    t = node.type
    line = node_line(node)
    if t == "paragraph":
        em.text(_inline_md(node.children[0]) if node.children else "", first, rest, line)
    elif t in ("fence", "code_block"):
        if rest or em.keep_code:  # inside a list item or a quote: the code stays where it is
            em.verbatim(_fence_lines(node), first, rest, line)
        else:
            em.code(node.content, node.info.strip() if t == "fence" else "", line)
    elif t in ("bullet_list", "ordered_list"):
        _render_list(node, em, first, rest)
    elif t == "blockquote":
        for i, child in enumerate(node.children):
            if i:
                em.text("", rest + ">", rest + ">", line)
            _render(child, em, (first if i == 0 else rest) + "> ", rest + "> ")
    elif t == "heading":  # only nested ones (in a list or quote) get here
        text = _inline_md(node.children[0]).strip() if node.children else ""
        if text:
            em.text(f"**{text}**", first, rest, line)
    elif t == "html_block" and not rest and (pre := _HTML_PRE.fullmatch(node.content)):
        code = html.unescape(re.sub(r"<[^<>]*>", "", pre.group(2)))
        lang = re.search(r"(?:language|lang)-([\w+#.-]+)", pre.group(1) or "")
        em.code(code if code.endswith("\n") else code + "\n", lang.group(1) if lang else "", line, from_html=True)
    elif t == "html_block" and (table := _html_table(node.content)) is not None:
        em.text(table, first, rest, line)
    elif t == "html_block":
        text = re.sub(r"\n{3,}", "\n\n", _html_block(node.content).strip("\n"))
        if _strip_sentinels(text).strip():
            em.text(text, first, rest, line)
    elif t == "table":
        _render_table(node, em, first, rest, line)
    elif t == "hr":
        pass  # a rule carries no content
    else:
        for child in node.children:
            _render(child, em, first, rest)
            first = rest


def _is_loose(node: SyntaxTreeNode) -> bool:
    """A loose list (blank lines between its items): its paragraphs are not hidden."""
    return any(child.type == "paragraph" and not child.hidden for item in node.children for child in item.children)


def _render_list(node: SyntaxTreeNode, em: _Emitter, first: str, rest: str) -> None:
    start = int(node.attrs.get("start", 1) or 1)
    loose = _is_loose(node)
    bullet = node.markup or "-" if node.type == "bullet_list" else ""
    delim = node.markup or "." if node.type == "ordered_list" else ""
    for i, item in enumerate(node.children):
        if i and loose:
            em.blank(rest)
        marker = f"{bullet} " if node.type == "bullet_list" else f"{start + i}{delim} "
        _render_item(item, em, (first if i == 0 else rest) + marker, rest + " " * len(marker), loose)


def _render_item(item: SyntaxTreeNode, em: _Emitter, first: str, rest: str, loose: bool) -> None:
    if not item.children:
        em.text("", first, rest, node_line(item))
        return
    for i, child in enumerate(item.children):
        if i and loose:
            em.blank(rest)
        _render(child, em, first if i == 0 else rest, rest)
    if em.lines and em.lines[-1] == "":
        em.lines.pop()


def _table_cell(td: SyntaxTreeNode) -> str:
    if not td.children:
        return ""
    text = _inline_md(td.children[0]).replace(_HARD_BREAK, " ").replace("\n", " ")
    return re.sub(r"(?<!\\)\|", "\\|", text)


def _render_table(node: SyntaxTreeNode, em: _Emitter, first: str, rest: str, line: int) -> None:
    rows = [[_table_cell(td) for td in tr.children] for part in node.children for tr in part.children]
    if not rows:
        return
    aligns = []
    for th in node.children[0].children[0].children if node.children and node.children[0].children else []:
        style = str(th.attrs.get("style", ""))
        left, right = "left" in style, "right" in style
        center = "center" in style
        aligns.append(":---:" if center else ":---" if left else "---:" if right else "---")
    out = ["| " + " | ".join(rows[0]) + " |", "|" + "|".join(aligns or ["---"] * len(rows[0])) + "|"]
    out += ["| " + " | ".join(r) + " |" for r in rows[1:]]
    em.text("\n".join(out), first, rest, line)
