"""``pyflash import``: turn a Markdown notes file into draft YAML decks.

The notes are parsed with markdown-it-py (CommonMark, plus tables and
strikethrough), never with regexes over raw lines, so a ``# comment`` inside a
fenced code block is code, not a heading. See docs/import.md for the rules:

* one deck file per top-level section (``##``; ``#`` when the file has several
  ``#`` headings), named ``PREFIX::Section``;
* deeper headings become tags, and the question shows them as context;
* every heading with direct content (prose, list items or code before the next
  heading of any level) becomes at least one card; every fenced code block
  becomes the ``code`` of a card, with a ``lang`` checked against the content;
* every card carries ``source`` (the heading path, joined by `` / ``) and a
  stable ``id`` derived from it;
* headings with nothing under them make no card and are listed in the report.

This module never imports textual and never executes anything from the notes.
"""

from __future__ import annotations

import ast
import hashlib
import html
import json
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from pyflash.core.errors import PyflashError, utf8_error_position

SECTION_SEP = " / "
TODO_ANSWER = "TODO: the notes have no text here; write what this code shows."


# --------------------------------------------------------------------------
# Parsed notes


@dataclass
class Block:
    """A piece of a section: ``prose`` (Markdown text) or ``code``."""

    kind: str
    text: str
    line: int
    info: str = ""  # fence info string, for code


@dataclass
class Heading:
    """One heading and the blocks directly under it (up to the next heading)."""

    level: int
    text: str  # the heading's raw text, stripped (trailing #s removed)
    line: int  # 1-based line in the notes file
    plain: str = ""  # the text as it reads: links, HTML and emphasis removed
    path: tuple[str, ...] = ()  # non-empty heading texts from the section level down
    blocks: list[Block] = field(default_factory=list)
    has_children: bool = False

    @property
    def has_content(self) -> bool:
        return bool(self.blocks)

    @property
    def source(self) -> str:
        return SECTION_SEP.join(self.path)


@dataclass
class Notes:
    """A parsed notes file."""

    title: str | None  # front-matter title, or the single `#` heading
    section_level: int
    preamble: list[Block]  # content before the first heading
    headings: list[Heading]

    def entries(self) -> list[Heading]:
        """Headings with text and direct content: each must end up on a card."""
        return [h for h in self.headings if h.text and h.has_content]


def _markdown():
    from pyflash.core.markup import markdown_parser

    return markdown_parser(html=True)


_FRONT_OPEN = {"---": ("---", "..."), "+++": ("+++",)}


def split_front_matter(text: str) -> tuple[dict, str]:
    """The front matter as a dict (``{}`` if none or unreadable), and the body.

    The body keeps one empty line per front-matter line, so line numbers of
    the Markdown stay those of the file.
    """
    lines = text.split("\n")
    if not lines or lines[0].rstrip() not in _FRONT_OPEN:
        return {}, text
    closers = _FRONT_OPEN[lines[0].rstrip()]
    for end in range(1, len(lines)):
        if lines[end].rstrip() in closers:
            break
    else:
        return {}, text
    raw = "\n".join(lines[1:end])
    meta: object = None
    try:
        if lines[0].startswith("+"):
            import tomllib

            meta = tomllib.loads(raw)
        else:
            import yaml

            meta = yaml.safe_load(raw)
    except Exception:  # front matter we cannot read is still front matter
        meta = None
    body = "\n" * (end + 1) + "\n".join(lines[end + 1 :])
    return (meta if isinstance(meta, dict) else {}), body


def parse_notes(text: str) -> Notes:
    """Parse Markdown notes into headings and the blocks under each."""
    from markdown_it.tree import SyntaxTreeNode

    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    meta, body = split_front_matter(text)
    root = SyntaxTreeNode(_markdown().parse(body))
    top_headings = [n for n in root.children if n.type == "heading"]
    h1 = [n for n in top_headings if n.tag == "h1"]
    section_level = 1 if len(h1) >= 2 else 2
    title = meta.get("title") if isinstance(meta.get("title"), str) else None
    if not title and len(h1) == 1:
        title = _inline_plain(h1[0].children[0]) if h1[0].children else None
    title = (title or "").strip() or None

    preamble: list[Block] = []
    headings: list[Heading] = []
    stack: list[Heading] = []
    target = preamble
    for node in root.children:
        if node.type == "heading":
            level = int(node.tag[1])
            raw = node.children[0].content.strip() if node.children else ""
            heading = Heading(level, raw, _line(node), _inline_plain(node.children[0]) if node.children else "")
            while stack and stack[-1].level >= level:
                stack.pop()
            if stack:
                stack[-1].has_children = True
            stack.append(heading)
            heading.path = tuple(h.text for h in stack if h.level >= section_level and h.text)
            headings.append(heading)
            target = heading.blocks
            continue
        target.extend(_node_blocks(node))
    return Notes(title, section_level, preamble, headings)


def _line(node) -> int:
    return (node.map[0] + 1) if node.map else 0


# --------------------------------------------------------------------------
# Rendering blocks back to clean Markdown

# Sentinels for emphasis while an inline run is built; see _finish_inline.
_B_OPEN, _B_CLOSE, _I_OPEN, _I_CLOSE, _S_OPEN, _S_CLOSE = "\x01", "\x02", "\x03", "\x04", "\x05", "\x06"

_HTML_TAGS = frozenset(
    """a abbr address article aside b bdi bdo big blockquote body br caption center cite code col colgroup dd del
    details dfn div dl dt em figcaption figure font footer h1 h2 h3 h4 h5 h6 header hr html i img ins kbd li main mark
    nav ol p pre q s samp section small span strike strong sub summary sup table tbody td tfoot th thead tr tt u ul
    var video audio source iframe""".split()
)
_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9]*)\b[^<>]*?(/?)>")
_COMMENT = re.compile(r"<!--.*?-->", re.S)


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


def _html_block(raw: str) -> str:
    """An HTML block as plain text: comments dropped, known tags removed."""
    text = _COMMENT.sub("", raw)

    def tag(m: re.Match) -> str:
        name = m.group(2).lower()
        if name not in _HTML_TAGS:
            return m.group(0)
        if name in ("br", "p", "div", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6"):
            return "\n"
        return _html_inline(m.group(0))

    text = _TAG.sub(tag, text)
    return _finish_inline(html.unescape(text))


def _code_span(content: str) -> str:
    longest = max((len(run) for run in re.findall(r"`+", content)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if content.startswith("`") or content.endswith("`") else ""
    return f"{fence}{pad}{content}{pad}{fence}"


def _inline_pieces(node, plain: bool) -> str:
    out: list[str] = []
    for child in node.children:
        t = child.type
        if t == "text":
            out.append(child.content)
        elif t == "code_inline":
            out.append(child.content if plain else _code_span(child.content))
        elif t in ("softbreak", "hardbreak"):
            out.append(" " if plain else "\n")
        elif t == "strong":
            out.append(_B_OPEN + _inline_pieces(child, plain) + _B_CLOSE)
        elif t == "em":
            out.append(_I_OPEN + _inline_pieces(child, plain) + _I_CLOSE)
        elif t == "s":
            out.append(_S_OPEN + _inline_pieces(child, plain) + _S_CLOSE)
        elif t == "link":
            href = str(child.attrs.get("href", ""))
            label = _inline_pieces(child, plain)
            bare = _strip_sentinels(label).strip()
            if plain or not href:
                out.append(label)
            elif not bare or bare == href or bare.rstrip("/") == href.rstrip("/"):
                out.append(href)
            else:
                out.append(f"[{label}]({href})")
        elif t == "image":
            alt = _inline_pieces(child, True)
            src = str(child.attrs.get("src", ""))
            out.append(alt if plain else f"![{alt}]({src})")
        elif t == "html_inline":
            out.append(_html_inline(child.content))
        else:  # unknown inline: keep its text
            out.append(child.content or _inline_pieces(child, plain))
    return "".join(out)


def _strip_sentinels(text: str) -> str:
    return re.sub("[\x01-\x06]", "", text)


_MARK = {(_B_OPEN, _B_CLOSE): "**", (_I_OPEN, _I_CLOSE): "*", (_S_OPEN, _S_CLOSE): "~~"}


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

        def fix(m: re.Match, mark: str = mark) -> str:
            lead, body, trail = m.group(1), m.group(2), m.group(3)
            return f"{lead}{mark}{body}{mark}{trail}" if body else lead + trail

        text = re.sub(f"{re.escape(op)}(\\s*)(.*?)(\\s*){re.escape(cl)}", fix, text, flags=re.S)
        text = text.replace(op, "").replace(cl, "")  # unbalanced HTML: drop
    return text


def _inline_plain(node) -> str:
    return _finish_inline(_inline_pieces(node, True), plain=True).strip()


def _inline_md(node) -> str:
    return _finish_inline(_inline_pieces(node, False))


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

    def blank(self) -> None:
        if self.lines and self.lines[-1]:
            self.lines.append("")

    def code(self, content: str, info: str, line: int) -> None:
        self.flush()
        self.blocks.append(Block("code", content, line, info))

    def flush(self) -> None:
        text = "\n".join(self.lines).strip("\n")
        if text.strip():
            self.blocks.append(Block("prose", text.expandtabs(4), self.first_line))
        self.lines = []


def _node_blocks(node) -> list[Block]:
    em = _Emitter()
    _render(node, em, "", "")
    em.flush()
    return em.blocks


def _render(node, em: _Emitter, first: str, rest: str) -> None:
    t = node.type
    line = _line(node)
    if t == "paragraph":
        em.text(_inline_md(node.children[0]) if node.children else "", first, rest, line)
    elif t in ("fence", "code_block"):
        em.code(node.content, node.info.strip() if t == "fence" else "", line)
    elif t in ("bullet_list", "ordered_list"):
        start = int(node.attrs.get("start", 1) or 1)
        for i, item in enumerate(node.children):
            marker = "- " if t == "bullet_list" else f"{start + i}. "
            _render_item(item, em, (first if i == 0 else rest) + marker, rest + " " * len(marker))
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
        text = _html_block(node.content).strip("\n")
        text = re.sub(r"\n{3,}", "\n\n", text)
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


def _render_item(item, em: _Emitter, first: str, rest: str) -> None:
    if not item.children:
        em.text("", first, rest, _line(item))
        return
    for i, child in enumerate(item.children):
        _render(child, em, first if i == 0 else rest, rest)
    if em.lines and em.lines[-1] == "":
        em.lines.pop()


def _render_table(node, em: _Emitter, first: str, rest: str, line: int) -> None:
    rows: list[list[str]] = []
    for part in node.children:
        for tr in part.children:
            cells = [_inline_md(td.children[0]).replace("\n", " ").replace("|", "\\|") if td.children else "" for td in tr.children]
            rows.append(cells)
    if not rows:
        return
    out = ["| " + " | ".join(rows[0]) + " |", "|" + "---|" * len(rows[0])]
    out += ["| " + " | ".join(r) + " |" for r in rows[1:]]
    em.text("\n".join(out), first, rest, line)


# --------------------------------------------------------------------------
# Code languages

# Fence labels that say "this is not code": always respected.
_TEXT_LABELS = {"text", "txt", "plain", "plaintext", "output", "none", "nohighlight", "console", "pycon", "shell-session"}
_SHELL_COMMANDS = frozenset(
    """apt apt-get brew cat cd chmod chown conda cp curl docker echo export git grep gunzip gzip head htop jupyter kill
    ln ls make mamba mkdir mv nohup nvcc nvidia-smi pip pip3 pipenv pipx poetry ps pwd python python3 rm rsync scp
    screen sed source ssh sudo tail tar tensorboard tmux top touch unzip uv vim virtualenv wget which yum zip""".split()
)
_PY_LINE = re.compile(
    r"^\s*(?:def \w+\(|class \w+|import \w|from [\w.]+ import |for .+ in .+:|while .+:|if .+:|elif .+:|else\s*:"
    r"|try\s*:|except\b|with .+:|return\b|print\b|lambda\b|@\w|>>> )"
)
_PY_TOKEN = re.compile(
    r"\b(?:np|pd|torch|tf|df|self|os|sys|plt|cv2|nn|F)\.\w|\bprint\(|\blen\(|\brange\(|\bNone\b|\bTrue\b|\bFalse\b"
    r"|\w\[[^\]]*\]\s*=[^=]|\.\w+\(|\w+\s*=\s*\w+\("
)
# What the pygments fallback may answer (it is unreliable on short snippets).
_GUESS_SET = ("python", "bash", "json", "yaml", "toml", "ini", "sql", "javascript", "c", "cpp", "html", "xml", "docker", "make")


def normalise_lang(label: str | None) -> str | None:
    """The canonical pygments name of a fence label, or None if it names no language."""
    if not label:
        return None
    word = label.strip().split()[0].strip("{}.").lower() if label.strip() else ""
    if not word:
        return None
    if word in _TEXT_LABELS:
        return "text" if word not in ("console", "pycon", "shell-session") else word
    from pygments.lexers import get_lexer_by_name
    from pygments.util import ClassNotFound

    try:
        lexer = get_lexer_by_name(word)
    except ClassNotFound:
        return None
    alias = lexer.aliases[0] if lexer.aliases else word
    return {"sh": "bash", "shell": "bash", "py": "python", "python3": "python"}.get(alias, alias)


def _python_source(code: str) -> str:
    lines = code.split("\n")
    if any(ln.startswith(">>>") for ln in lines):
        kept = [ln[4:] if ln[3:4] == " " else ln[3:] for ln in lines if ln.startswith((">>>", "..."))]
        return "\n".join(kept)
    return code


def _is_python(code: str) -> bool:
    """Parses as Python and is more than a bare word or expression of names."""
    try:
        tree = ast.parse(_python_source(code))
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return False
    trivial = (ast.Name, ast.Constant, ast.BinOp, ast.UnaryOp, ast.Attribute, ast.Load, ast.operator, ast.unaryop)
    for stmt in tree.body:
        if not isinstance(stmt, ast.Expr):
            return True
        if not all(isinstance(n, trivial) for n in ast.walk(stmt.value)):
            return True
    return False


def _code_lines(code: str) -> list[str]:
    return [ln for ln in code.split("\n") if ln.strip() and not ln.lstrip().startswith(("#", "//"))]


def _is_shell(code: str) -> bool:
    lines = _code_lines(code)
    if not lines:
        return False
    hits = 0
    for ln in lines:
        s = ln.strip()
        if s.startswith("$ "):
            hits += 1
            continue
        words = s.split()
        cmd = words[0]
        second = words[1] if len(words) > 1 else ""
        if cmd in _SHELL_COMMANDS and not second.startswith(("=", "(", ".", "[", ":")) and "(" not in cmd:
            hits += 1
    return hits * 2 > len(lines)


def _is_json(code: str) -> bool:
    s = code.strip()
    if not s or s[0] not in "{[" or s[-1] not in "}]":
        return False
    try:
        json.loads(s)
        return True
    except ValueError:
        pass
    # JSON with comments and trailing commas (VS Code's settings, launch.json)
    out, i, n, in_str = [], 0, len(s), False
    while i < n:
        ch = s[i]
        if in_str:
            out.append(ch)
            if ch == "\\" and i + 1 < n:
                out.append(s[i + 1])
                i += 1
            elif ch == '"':
                in_str = False
        elif ch == '"':
            in_str = True
            out.append(ch)
        elif s.startswith("//", i):
            while i < n and s[i] != "\n":
                i += 1
            continue
        elif s.startswith("/*", i):
            end = s.find("*/", i + 2)
            i = n if end < 0 else end + 2
            continue
        else:
            out.append(ch)
        i += 1
    relaxed = re.sub(r",(\s*[}\]])", r"\1", "".join(out))
    try:
        json.loads(relaxed)
        return True
    except ValueError:
        return False


_YAML_LINE = re.compile(r"^\s*(?:- |-$|[\w.\-\"']+:(?:\s|$))")


def _is_yaml(code: str) -> bool:
    lines = _code_lines(code)
    if len(lines) < 2:
        return False
    hits = sum(1 for ln in lines if _YAML_LINE.match(ln))
    return hits * 4 >= len(lines) * 3 and any(":" in ln for ln in lines)


def _looks_python(code: str) -> bool:
    """Python with errors (Python 2 ``print x``, pasted output...)."""
    lines = _code_lines(code)
    if not lines:
        return False
    if sum(1 for ln in lines if ln.rstrip().endswith(";")) * 3 > len(lines):
        return False
    py_lines = sum(1 for ln in lines if _PY_LINE.match(ln))
    tokens = sum(len(_PY_TOKEN.findall(ln)) for ln in lines)
    return py_lines >= 1 or tokens >= 2


def _pygments_guess(code: str) -> str | None:
    from pygments.lexers import get_lexer_by_name

    best, score = None, 0.0
    for name in _GUESS_SET:
        try:
            value = float(get_lexer_by_name(name).analyse_text(code) or 0.0)
        except Exception:
            continue
        if value > score:
            best, score = name, value
    return normalise_lang(best) if best and score >= 0.3 else None


def detect_lang(code: str, label: str | None) -> tuple[str, str | None]:
    """The ``lang`` for a code block and, if the label was not kept, why.

    A label that names a real language is kept when the content is plausible
    for it. Content that is clearly JSON, shell commands, Python or YAML gets
    that language instead of a wrong label (notes often label Python as
    ``apache`` or ``lua``). A label we cannot check is kept; with no label,
    pygments guesses among a few common languages, else ``text``.
    """
    raw = (label or "").strip().split()[0] if (label or "").strip() else ""
    lang = normalise_lang(raw)
    if lang in ("text", "console", "pycon", "shell-session"):
        return lang, None
    found = [name for name, test in (("json", _is_json), ("bash", _is_shell), ("python", _is_python), ("yaml", _is_yaml)) if test(code)]
    if lang and lang in found:
        return lang, None
    choice = found[0] if found else ("python" if _looks_python(code) else None)
    if choice is None:
        if lang:
            return lang, None
        choice = _pygments_guess(code) or "text"
        return choice, None
    if raw:
        why = f"the notes label this code `{raw}`" + ("" if lang else " (not a known language)")
        return choice, f"{why}; it looks like {choice}, so `lang: {choice}`."
    return choice, None


_STRAY_TAGS = re.compile(r"</?(?:em|strong|b|i|span|font)\b[^<>]*>", re.I)


def clean_code(code: str, lang: str | None) -> tuple[str, bool]:
    """Code with trailing spaces and outer blank lines removed; rich-text tags
    pasted into code not labelled as HTML-like (``<em># comment</em>``) removed."""
    changed = False
    if lang not in ("html", "xml", "markdown", "md", "vue", "jsx", "tsx", "php", "text") and _STRAY_TAGS.search(code):
        code = _STRAY_TAGS.sub("", code)
        changed = True
    lines = [ln.rstrip() for ln in code.split("\n")]
    while lines and not lines[0].strip():
        lines.pop(0)
    while lines and not lines[-1].strip():
        lines.pop()
    return "\n".join(lines), changed


# --------------------------------------------------------------------------
# Drafts


@dataclass
class DraftDeck:
    filename: str
    deck: str
    description: str
    cards: list[dict]
    first_line: int


@dataclass
class ImportReport:
    notes_path: str
    out_dir: str
    decks: list[DraftDeck]
    empty: list[Heading]  # headings with no content and no subheadings
    untitled: list[Heading]  # headings with no text
    relabelled: int
    todo: int

    @property
    def card_count(self) -> int:
        return sum(len(d.cards) for d in self.decks)


def _slug(text: str, ascii_only: bool = False, limit: int = 48) -> str:
    text = unicodedata.normalize("NFKC", text).lower()
    if ascii_only:
        text = text.encode("ascii", "ignore").decode()
    slug = re.sub(r"[^\w]+", "-", text).strip("-_")
    return slug[:limit].strip("-_")


def card_id(prefix: str, source: str, n: int = 1) -> str:
    """A stable id from the deck prefix and the heading path (``-2``... for more)."""
    digest = hashlib.blake2b(f"{prefix}\x00{source}".encode(), digest_size=4).hexdigest()
    last = source.rsplit(SECTION_SEP, 1)[-1]
    base = f"{_slug(last, ascii_only=True, limit=32) or 'note'}-{digest}"
    return base if n == 1 else f"{base}-{n}"


def _question(h: Heading, plain_path: dict[int, str], skip: int) -> str:
    """The heading as it reads, after its parents below the section level."""
    parts = [plain_path[lvl] for lvl in sorted(plain_path) if plain_path[lvl]]
    parts = parts[skip:] or parts[-1:]
    return " › ".join(parts)


def _prose(blocks: list[Block]) -> str:
    return "\n\n".join(b.text for b in blocks).strip()


def _cards_for(blocks: list[Block], q: str, source: str, tags: list[str], ids: Callable[[], str]) -> tuple[list[dict], int, int]:
    """Cards for one heading's blocks: one per code block, else one for the prose."""
    segments: list[tuple[list[Block], Block | None]] = []
    pending: list[Block] = []
    empty_code = False
    for block in blocks:
        if block.kind == "prose":
            pending.append(block)
        elif block.text.strip():
            segments.append((pending, block))
            pending = []
        else:
            empty_code = True
    if pending:
        if segments:
            last_prose, last_code = segments[-1]
            segments[-1] = (last_prose + pending, last_code)
        else:
            segments.append((pending, None))
    if not segments:  # only empty code fences
        segments.append(([], None))
    cards: list[dict] = []
    relabelled = todo = 0
    for i, (prose, code) in enumerate(segments, start=1):
        card: dict = {"id": ids(), "q": q if len(segments) == 1 else f"{q} ({i}/{len(segments)})"}
        answer = _prose(prose)
        notes: list[str] = []
        if code is not None:
            text, stripped = clean_code(code.text, normalise_lang(code.info.split()[0] if code.info.split() else None))
            lang, why = detect_lang(text, code.info)
            if not answer:
                answer = TODO_ANSWER
                todo += 1
            card["a"] = answer
            card["code"] = text
            card["lang"] = lang
            if why:
                notes.append(why[0].upper() + why[1:])
                relabelled += 1
            if stripped:
                notes.append("Removed HTML tags pasted into the code.")
        else:
            if not answer:
                answer = "TODO: the notes have only an empty code block here."
                todo += 1
            card["a"] = answer
        if empty_code and i == len(segments):
            notes.append("The notes have an empty code block here.")
        if notes:
            card["note"] = " ".join(notes)
        if tags:
            card["tags"] = _Flow(tags)
        card["source"] = source
        cards.append(card)
    return cards, relabelled, todo


def build_drafts(notes: Notes, notes_name: str, prefix: str | None = None) -> ImportReport:
    """Draft decks for parsed notes (nothing is written)."""
    stem = Path(notes_name).stem
    prefix = (prefix or notes.title or stem).replace("::", ":").strip() or "Notes"
    level = notes.section_level
    decks: list[DraftDeck] = []
    used_ids: dict[str, int] = {}
    relabelled = todo = 0
    empty: list[Heading] = []
    untitled: list[Heading] = []

    def next_id(source: str) -> Callable[[], str]:
        def make() -> str:
            used_ids[source] = used_ids.get(source, 0) + 1
            return card_id(prefix, source, used_ids[source])

        return make

    def new_deck(name: str, title: str, line: int) -> DraftDeck:
        deck = DraftDeck(_slug(title) or "section", name, "", [], line)
        decks.append(deck)
        return deck

    if notes.preamble:
        deck = new_deck(prefix, prefix, 1)
        cards, r, t = _cards_for(notes.preamble, prefix, prefix, [], next_id(prefix))
        deck.cards.extend(cards)
        relabelled, todo = relabelled + r, todo + t

    current: DraftDeck | None = None
    stack_plain: dict[int, str] = {}
    for h in notes.headings:
        for lvl in [lvl for lvl in stack_plain if lvl >= h.level]:
            del stack_plain[lvl]
        if h.level >= level and h.text:
            stack_plain[h.level] = h.plain or h.text
        if h.level <= level:
            name = h.text.replace("::", ":") or f"Untitled (line {h.line})"
            if h.level < level:  # the title heading, or a heading above the sections
                name = prefix if not h.text or h.text == prefix else f"{prefix}::{name}"
                if h.text == prefix and not h.blocks:
                    current = None
                    continue
            else:
                name = f"{prefix}::{name}"
            current = new_deck(name, h.text or "untitled", h.line)
        if current is None:
            current = new_deck(prefix, prefix, h.line)
        if not h.text:
            untitled.append(h)
        if not h.blocks:
            if h.text and not h.has_children:
                empty.append(h)
            continue
        source = h.source or h.text or prefix
        section_depth = 1 if h.level >= level else 0
        tags = [_slug(p) for p in h.path[section_depth:] if _slug(p)]
        q = _question(h, stack_plain, section_depth) or h.plain or prefix
        cards, r, t = _cards_for(h.blocks, q, source, tags, next_id(source))
        current.cards.extend(cards)
        relabelled, todo = relabelled + r, todo + t

    decks = [d for d in decks if d.cards]
    for number, d in enumerate(decks, start=0 if notes.preamble else 1):
        d.filename = f"{number:02d}-{d.filename}.yaml"
        d.description = f"Draft from {Path(notes_name).name} (section at line {d.first_line}). Curate before studying."
    return ImportReport(notes_name, "", decks, empty, untitled, relabelled, todo)


# --------------------------------------------------------------------------
# YAML output


class _Flow(list):
    """A list written in flow style: ``tags: [a, b]``."""


def _dumper():
    import yaml

    class DraftDumper(yaml.SafeDumper):
        pass

    def str_rep(dumper, value: str):
        style = "|" if "\n" in value else None
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)

    def flow_rep(dumper, value):
        return dumper.represent_sequence("tag:yaml.org,2002:seq", value, flow_style=True)

    DraftDumper.add_representer(str, str_rep)
    DraftDumper.add_representer(_Flow, flow_rep)
    return DraftDumper


def _block_ready(value):
    if isinstance(value, str) and "\n" in value:
        value = "\n".join(line.rstrip() for line in value.strip("\n").split("\n")) + "\n"
    return value


def dump_deck(deck: DraftDeck, notes_name: str) -> str:
    import yaml

    data = {
        "deck": deck.deck,
        "description": deck.description,
        "cards": [{k: _block_ready(v) for k, v in card.items()} for card in deck.cards],
    }
    header = (
        f"# Draft deck made by `pyflash import` from {Path(notes_name).name}.\n"
        "# Curate it: sharpen the questions, split long answers, fix the code.\n"
        "# Keep each card's `id` so its review history survives your edits.\n"
    )
    body = yaml.dump(data, Dumper=_dumper(), allow_unicode=True, sort_keys=False, width=10**9, default_flow_style=False)
    return header + body


# --------------------------------------------------------------------------
# The command


def import_notes(notes_path: str | Path, out_dir: str | Path, *, force: bool = False, prefix: str | None = None) -> ImportReport:
    """Read notes, write one draft deck per section into ``out_dir``.

    Raises :class:`PyflashError` (nothing written) if the notes cannot be read
    or a draft file exists and ``force`` is false.
    """
    from pyflash.core.decks.loader import parse_deck_file

    notes_path = Path(notes_path)
    out = Path(out_dir)
    try:
        data = notes_path.read_bytes()
    except FileNotFoundError:
        raise PyflashError(f"{notes_path}: no such file (give a Markdown notes file)") from None
    except IsADirectoryError:
        raise PyflashError(f"{notes_path}: is a folder (give a Markdown notes file)") from None
    except OSError as exc:
        raise PyflashError(f"{notes_path}: cannot read: {exc.strerror or exc}") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line, col = utf8_error_position(data, exc)
        raise PyflashError(f"{notes_path}:{line}:{col}: not valid UTF-8 (re-save the notes as UTF-8)") from None
    if out.exists() and not out.is_dir():
        raise PyflashError(f"{out}: exists and is not a folder (give -o a folder)")
    report = build_drafts(parse_notes(text), str(notes_path), prefix)
    report.out_dir = str(out)
    if not report.decks:
        raise PyflashError(f"{notes_path}: nothing to import (no text under any heading); no files written")
    rendered: list[tuple[Path, str]] = []
    for deck in report.decks:
        target = out / deck.filename
        body = dump_deck(deck, str(notes_path))
        check = parse_deck_file(target, body.encode("utf-8"))
        if check.errors:  # a bug in the importer, never the user's notes
            raise PyflashError(f"internal error: draft {target} does not load: {check.errors[0]} (please report this)")
        rendered.append((target, body))
    if not force:
        for target, _ in rendered:
            if target.exists():
                raise PyflashError(f"{target}: already exists (use --force to overwrite, or -o another folder)")
    try:
        out.mkdir(parents=True, exist_ok=True)
        for target, body in rendered:
            target.write_text(body, encoding="utf-8")
    except OSError as exc:
        raise PyflashError(f"{getattr(exc, 'filename', None) or out}: cannot write: {exc.strerror or exc}") from None
    return report


def report_lines(report: ImportReport) -> list[str]:
    name = Path(report.notes_path).name
    out = report.out_dir.rstrip("/") + "/"
    lines = [f"wrote {len(report.decks)} draft deck(s), {report.card_count} card(s) to {out}"]
    for d in report.decks:
        lines.append(f"  {d.filename}: {d.deck} ({len(d.cards)} card(s))")
    if report.relabelled:
        lines.append(f"{report.relabelled} code block(s) had a language label that did not fit; their cards say so in `note`")
    if report.todo:
        lines.append(f"{report.todo} card(s) had no text in the notes to answer with; their answer starts with TODO")
    if report.untitled:
        where = ", ".join(str(h.line) for h in report.untitled)
        word = "line" if len(report.untitled) == 1 else "lines"
        lines.append(f"{len(report.untitled)} heading(s) with no text were skipped ({name} {word} {where})")
    if report.empty:
        lines.append(f"{len(report.empty)} empty heading(s), no card made:")
        for h in report.empty:
            lines.append(f"  {name}:{h.line}: {h.source or h.text}")
    else:
        lines.append("no empty headings")
    lines.append(f"next: edit the drafts, then run `pyflash check {out}`")
    return lines
