"""The fidelity rule of `pyflash import`, as a helper for the tests.

A card's `a` is rendered with the cards' Markdown configuration (what the
study view and the Anki export use: raw HTML off), and the notes' text it
came from with the importer's (raw HTML on, as the notes were written). After
canonicalising both HTML strings they must be equal: only the heading and the
top-level code blocks are moved out of the answer (into `q` and `code`).

The canonical form ignores what renders the same: `<b>`/`<strong>`,
`<i>`/`<em>`, `<del>`/`<s>`, wrappers that carry no meaning here (`<span>`,
`<div>`, `<font>`), runs of white space, adjacent runs of the same emphasis, a
link whose text is its URL, and a formula image (its TeX, as `$TeX$`).
Written independently of the importer's own code.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote

from markdown_it.tree import SyntaxTreeNode

from pyflash.core.markup import markdown_parser
from pyflash.importer.drafts import DraftCard, Drafts, build_drafts
from pyflash.importer.notes import parse_notes

_RENAME = {"b": "strong", "i": "em", "del": "s", "strike": "s"}
_UNWRAP = {"span", "div", "font", "center", "section", "article", "u", "small", "big", "tt", "sup", "sub", "kbd", "mark",
           "abbr", "ins", "cite", "q", "var", "samp", "dfn", "time", "details", "summary", "thead", "tbody", "tfoot"}
_BLOCK = {"p", "li", "ul", "ol", "blockquote", "table", "thead", "tbody", "tr", "td", "th", "pre", "hr", "br",
          "h1", "h2", "h3", "h4", "h5", "h6"}
_INLINE = {"strong", "em", "s", "a", "code"}
_KEEP_ATTRS = {"href", "src", "alt", "start", "style"}
_LATEX_URL = re.compile(r"codecogs|latex|/math\?|[?&](?:tex|math)=|upmath|/equation\?", re.I)


def _formula(src: str, alt: str) -> str | None:
    if _LATEX_URL.search(src):
        if "?" in src:
            query = src.split("?", 1)[1]
            for part in query.split("&"):
                if part.startswith(("tex=", "math=")):
                    return unquote(part.split("=", 1)[1].replace("+", " ")).strip()
            tex = unquote(query.replace("&space;", " ")).strip()
        else:
            tex = unquote(src.rstrip("/").rsplit("/", 1)[-1]).strip()
        return re.sub(r"^\\inline\s*", "", tex).strip()
    if re.search(r"\\[A-Za-z]+|[_^]\{", alt):
        return alt.strip().strip("$").strip()
    return None


class _Canon(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[tuple[str, str]] = []  # (kind, value): kind in start/end/text
        self.pre = 0
        self.link_stack: list[str | None] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        tag = _RENAME.get(tag, tag)
        if tag in _UNWRAP:
            return
        a = {k: (v or "") for k, v in attrs if k in _KEEP_ATTRS}
        if tag == "img":
            tex = _formula(a.get("src", ""), a.get("alt", ""))
            if tex is not None:
                self.out.append(("text", f"${tex}$"))
            else:
                alt = " ".join(a.get("alt", "").split())
                self.out.append(("start", f'img src="{a.get("src", "")}" alt="{alt}"'))
            return
        if tag == "pre":
            self.pre += 1
        if tag == "a":
            self.link_stack.append(a.get("href"))
        if tag in ("br", "hr"):
            self.out.append(("start", tag))
            return
        attr_text = "".join(f' {k}="{a[k]}"' for k in sorted(a) if k != "href" or tag == "a")
        self.out.append(("start", tag + attr_text))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        tag = _RENAME.get(tag, tag)
        if tag in _UNWRAP or tag in ("img", "br", "hr"):
            return
        if tag == "pre":
            self.pre -= 1
        if tag == "a" and self.link_stack:
            href = self.link_stack.pop()
            # a link whose text is its URL reads as the URL
            i = len(self.out) - 1
            if i >= 1 and self.out[i][0] == "text" and self.out[i - 1][0] == "start" and self.out[i - 1][1].startswith("a"):
                if href is not None and self.out[i][1].strip().rstrip("/") == href.rstrip("/"):
                    del self.out[i - 1]
                    return
        self.out.append(("end", tag))

    def handle_data(self, data: str) -> None:
        if not self.pre:
            data = re.sub(r"\s+", " ", data)
        if self.out and self.out[-1][0] == "text":
            self.out[-1] = ("text", self.out[-1][1] + data)
        else:
            self.out.append(("text", data))


def _tidy(tokens: list[tuple[str, str]]) -> list[tuple[str, str]]:
    changed = True
    while changed:
        changed = False
        out: list[tuple[str, str]] = []
        for kind, value in tokens:
            name = value.split(" ", 1)[0]
            # `</strong><strong>`: one run
            if kind == "start" and out and out[-1] == ("end", name) and name in ("strong", "em", "s"):
                out.pop()
                changed = True
                continue
            # `<strong></strong>`: nothing
            if kind == "end" and out and out[-1][0] == "start" and out[-1][1].split(" ", 1)[0] == name and name in _INLINE:
                out.pop()
                changed = True
                continue
            # `<code>$TeX$</code>`: a formula written as a code span
            if kind == "end" and name == "code" and len(out) >= 2 and out[-2] == ("start", "code") and out[-1][0] == "text" \
                    and re.fullmatch(r"\$[^$]+\$", out[-1][1]):
                text = out.pop()
                out.pop()
                out.append(text)
                changed = True
                continue
            if kind == "text" and out and out[-1][0] == "text":
                out[-1] = ("text", out[-1][1] + value)
                changed = True
                continue
            out.append((kind, value))
        tokens = out
    return tokens


def _spaces(tokens: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """White space moves out of inline tags and vanishes next to block tags."""
    out: list[tuple[str, str]] = []
    in_pre = 0
    for i, (kind, value) in enumerate(tokens):
        name = value.split(" ", 1)[0]
        if kind != "text":
            if name == "pre":
                in_pre += 1 if kind == "start" else -1
            out.append((kind, value))
            continue
        if in_pre:
            out.append((kind, value))
            continue
        before = out[-1] if out else ("start", "p")
        after = tokens[i + 1] if i + 1 < len(tokens) else ("end", "p")
        if before[1].split(" ", 1)[0] in _BLOCK or before[0] == "start":
            value = value.lstrip()
        if after[1].split(" ", 1)[0] in _BLOCK or after[0] == "end":
            value = value.rstrip()
        if value:
            out.append((kind, value))
    return out


def _paragraphs(tokens: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Inline content outside any block (raw HTML such as a bare `<img>`) is a paragraph."""
    out: list[tuple[str, str]] = []
    depth = 0
    open_p = False
    for kind, value in tokens:
        name = value.split(" ", 1)[0]
        block = kind != "text" and name in _BLOCK and name not in ("br",)
        if block and depth == 0 and open_p:
            out.append(("end", "p"))
            open_p = False
        if not block and depth == 0 and not open_p and not (kind == "text" and not value.strip()):
            out.append(("start", "p"))
            open_p = True
        out.append((kind, value))
        if block and name != "hr":
            depth += 1 if kind == "start" else -1
    if open_p:
        out.append(("end", "p"))
    return out


def canonical(html: str) -> str:
    parser = _Canon()
    parser.feed(html)
    parser.close()
    tokens = _spaces(_tidy(_paragraphs(parser.out)))
    tokens = [t for t in _tidy(tokens) if t != ("text", "")]
    parts = []
    for kind, value in tokens:
        parts.append(f"<{value}>" if kind == "start" else f"</{value}>" if kind == "end" else value)
    return "".join(parts).replace("<p></p>", "")


def render_card(text: str) -> str:
    """A card's Markdown as the study view and the Anki export read it (raw HTML off)."""
    return markdown_parser().render(text)


def render_notes(text: str) -> str:
    """The notes' Markdown as the importer reads it (raw HTML on)."""
    return markdown_parser(html=True).render(text)


def notes_lines(text: str) -> list[str]:
    return text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n").split("\n")


def card_source_html(lines: list[str], card: DraftCard) -> str:
    """The notes' text a card's answer came from, rendered span by span."""
    return "".join(render_notes("\n".join(lines[first - 1 : end - 1])) for first, end in card.origin)


def _without_p(html: str) -> str:
    return html.replace("<p>", "").replace("</p>", "")


def _definition_problem(lines: list[str], card: DraftCard) -> str | None:
    """A definition card: the item, less its term, renders as the card's answer.

    A ``Term`` / ``: definition`` pair (no list marker) moves the term and the
    ``: `` markers; each definition is a paragraph of the answer."""
    ((first, end),) = card.origin
    span = lines[first - 1 : end - 1]
    if not re.match(r"\s*(?:[-*+]|\d+[.)])\s", span[0]):
        defs = [ln.strip()[1:].strip() for ln in span[1:]]
        expected = canonical(render_notes("\n\n".join(defs)))
        got = canonical(render_card(card.a))
        return None if got == expected else f"expected {expected!r}\n     got {got!r}"
    source = canonical(card_source_html(lines, card))
    source = re.sub(r"^<(ul|ol)[^>]*><li>", "", source)
    source = re.sub(r"</li></(ul|ol)>$", "", source)
    source = _without_p(source)
    term = re.escape((card.term or "").strip("`").strip())
    source = re.sub(rf"^<(strong|code)>{term}\s*[:：]?</\1>\s*(?:[:：]|[-—–]{{1,2}})?\s*", "", source)
    source = re.sub(rf"^{term}\s*(?:[:：]|\s[-—–]{{1,2}}\s)\s*", "", source)
    got = _without_p(canonical(render_card(card.a)))
    return None if got == source else f"expected {source!r}\n     got {got!r}"


def fidelity_problems(path: Path) -> tuple[Drafts, list[str]]:
    """Every card whose answer does not render as the notes it came from."""
    text = path.read_text(encoding="utf-8")
    drafts = build_drafts(parse_notes(text), str(path))
    lines = notes_lines(text)
    problems: list[str] = []
    for deck in drafts.decks:
        for card in deck.cards:
            if not card.origin:
                continue
            where = f"{path.name}:{card.origin[0][0]}: {card.q}"
            if card.term is not None:
                problem = _definition_problem(lines, card)
                if problem:
                    problems.append(f"{where}\n     {problem}")
                continue
            expected = canonical(card_source_html(lines, card))
            got = canonical(render_card(card.a))
            if expected != got:
                problems.append(f"{where}\n     expected {expected!r}\n     got      {got!r}")
    return drafts, problems


def code_blocks(text: str) -> list[tuple[int, str, bool]]:
    """Every code block of the notes: (line, content, nested in a list or quote)."""
    from pyflash.importer.notes import split_front_matter

    _, body = split_front_matter(text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n"))
    root = SyntaxTreeNode(markdown_parser(html=True).parse(body))
    found = []
    for node in root.walk():
        if node.type in ("fence", "code_block") and node.map:
            found.append((node.map[0] + 1, node.content, node.parent is not None and node.parent.type != "root"))
    return found


def card_code_texts(card: DraftCard) -> list[str]:
    """The code a card carries: its `code` and every code block in its answer, as rendered."""
    texts = [card.code] if card.code is not None else []
    root = SyntaxTreeNode(markdown_parser().parse(card.a))
    texts += [n.content for n in root.walk() if n.type in ("fence", "code_block")]
    return texts
