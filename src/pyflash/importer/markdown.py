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


def node_line(node: SyntaxTreeNode) -> int:
    """The 1-based line where ``node`` starts (0 if unknown)."""
    return (node.map[0] + 1) if node.map else 0


# Sentinels for emphasis while an inline run is built; see _finish_inline.
_B_OPEN, _B_CLOSE, _I_OPEN, _I_CLOSE, _S_OPEN, _S_CLOSE = "\x01", "\x02", "\x03", "\x04", "\x05", "\x06"
_MARK = {(_B_OPEN, _B_CLOSE): "**", (_I_OPEN, _I_CLOSE): "*", (_S_OPEN, _S_CLOSE): "~~"}

_HTML_TAGS = frozenset(
    """a abbr address article aside b bdi bdo big blockquote body br caption center cite code col colgroup dd del
    details dfn div dl dt em figcaption figure font footer h1 h2 h3 h4 h5 h6 header hr html i img ins kbd li main mark
    nav ol p pre q s samp section small span strike strong sub summary sup table tbody td tfoot th thead tr tt u ul
    var video audio source iframe""".split()
)
_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9]*)\b[^<>]*?(/?)>")
_COMMENT = re.compile(r"<!--.*?-->", re.S)
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
    if name in ("strong", "b"):
        return _B_CLOSE if closing else _B_OPEN
    if name in ("em", "i"):
        return _I_CLOSE if closing else _I_OPEN
    if name in ("del", "s", "strike"):
        return _S_CLOSE if closing else _S_OPEN
    if name == "code":
        return "`"
    if name == "br":
        return "\n"
    return ""


def _html_block_tag(m: re.Match[str]) -> str:
    name = m.group(2).lower()
    if name not in _HTML_TAGS:
        return m.group(0)
    if name in _LINE_BREAK_TAGS:
        return "\n"
    return _html_inline(m.group(0))


def _html_block(raw: str) -> str:
    """An HTML block as plain text: comments dropped, known tags removed."""
    text = _TAG.sub(_html_block_tag, _COMMENT.sub("", raw))
    return _finish_inline(html.unescape(text))


# --------------------------------------------------------------------------
# Inline runs


def _code_span(content: str) -> str:
    longest = max((len(run) for run in re.findall(r"`+", content)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if content.startswith("`") or content.endswith("`") else ""
    return f"{fence}{pad}{content}{pad}{fence}"


def _link(child: SyntaxTreeNode, plain: bool) -> str:
    href = str(child.attrs.get("href", ""))
    label = _inline_pieces(child, plain)
    bare = _strip_sentinels(label).strip()
    if plain or not href:
        return label
    if not bare or bare == href or bare.rstrip("/") == href.rstrip("/"):
        return href
    return f"[{label}]({href})"


def _inline_piece(child: SyntaxTreeNode, plain: bool) -> str:
    t = child.type
    if t == "text":
        return child.content
    if t == "code_inline":
        return child.content if plain else _code_span(child.content)
    if t in ("softbreak", "hardbreak"):
        return " " if plain else "\n"
    if t == "strong":
        return _B_OPEN + _inline_pieces(child, plain) + _B_CLOSE
    if t == "em":
        return _I_OPEN + _inline_pieces(child, plain) + _I_CLOSE
    if t == "s":
        return _S_OPEN + _inline_pieces(child, plain) + _S_CLOSE
    if t == "link":
        return _link(child, plain)
    if t == "image":
        alt = _inline_pieces(child, True)
        return alt if plain else f"![{alt}]({child.attrs.get('src', '')})"
    if t == "html_inline":
        return _html_inline(child.content)
    return child.content or _inline_pieces(child, plain)  # unknown inline: keep its text


def _inline_pieces(node: SyntaxTreeNode, plain: bool) -> str:
    return "".join(_inline_piece(child, plain) for child in node.children)


def _strip_sentinels(text: str) -> str:
    return re.sub("[\x01-\x06]", "", text)


def _finish_inline(text: str, plain: bool = False) -> str:
    """Turn emphasis sentinels into Markdown that renders.

    Adjacent runs (``<strong>a</strong><strong>b</strong>``) merge, empty ones
    vanish, and whitespace just inside a marker moves outside it (``** x**``
    would not render as bold).
    """
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


def inline_plain(node: SyntaxTreeNode) -> str:
    """An inline run as it reads: links, HTML and emphasis removed."""
    return _finish_inline(_inline_pieces(node, True), plain=True).strip()


def _inline_md(node: SyntaxTreeNode) -> str:
    return _finish_inline(_inline_pieces(node, False))


# --------------------------------------------------------------------------
# Blocks


class _Emitter:
    """Collects prose lines and code blocks, in document order."""

    def __init__(self) -> None:
        self.blocks: list[Block] = []
        self.lines: list[str] = []
        self.first_line = 0

    def text(self, text: str, first: str, rest: str, line: int) -> None:
        if not self.lines:
            self.first_line = line
        for i, part in enumerate(text.split("\n")):
            self.lines.append(((first if i == 0 else rest) + part).rstrip())

    def code(self, content: str, info: str, line: int) -> None:
        self.flush()
        self.blocks.append(Block(BlockKind.CODE, content, line, info))

    def flush(self) -> None:
        text = "\n".join(self.lines).strip("\n")
        if text.strip():
            self.blocks.append(Block(BlockKind.PROSE, text.expandtabs(4), self.first_line))
        self.lines = []


def node_blocks(node: SyntaxTreeNode) -> list[Block]:
    """The blocks of one top-level node (a paragraph, a list, a fence...)."""
    em = _Emitter()
    _render(node, em, "", "")
    em.flush()
    return em.blocks


def _render(node: SyntaxTreeNode, em: _Emitter, first: str, rest: str) -> None:
    """Render ``node``; ``first`` prefixes its first line, ``rest`` the others."""
    t = node.type
    line = node_line(node)
    if t == "paragraph":
        em.text(_inline_md(node.children[0]) if node.children else "", first, rest, line)
    elif t in ("fence", "code_block"):
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
    elif t == "html_block":
        text = re.sub(r"\n{3,}", "\n\n", _html_block(node.content).strip("\n"))
        if text.strip():
            em.text(text, first, rest, line)
    elif t == "table":
        _render_table(node, em, first, rest, line)
    elif t == "hr":
        pass  # a rule carries no content
    else:
        for child in node.children:
            _render(child, em, first, rest)
            first = rest


def _render_list(node: SyntaxTreeNode, em: _Emitter, first: str, rest: str) -> None:
    start = int(node.attrs.get("start", 1) or 1)
    for i, item in enumerate(node.children):
        marker = "- " if node.type == "bullet_list" else f"{start + i}. "
        _render_item(item, em, (first if i == 0 else rest) + marker, rest + " " * len(marker))


def _render_item(item: SyntaxTreeNode, em: _Emitter, first: str, rest: str) -> None:
    if not item.children:
        em.text("", first, rest, node_line(item))
        return
    for i, child in enumerate(item.children):
        _render(child, em, first if i == 0 else rest, rest)
    if em.lines and em.lines[-1] == "":
        em.lines.pop()


def _table_cell(td: SyntaxTreeNode) -> str:
    return _inline_md(td.children[0]).replace("\n", " ").replace("|", "\\|") if td.children else ""


def _render_table(node: SyntaxTreeNode, em: _Emitter, first: str, rest: str, line: int) -> None:
    rows = [[_table_cell(td) for td in tr.children] for part in node.children for tr in part.children]
    if not rows:
        return
    out = ["| " + " | ".join(rows[0]) + " |", "|" + "---|" * len(rows[0])]
    out += ["| " + " | ".join(r) + " |" for r in rows[1:]]
    em.text("\n".join(out), first, rest, line)
