"""Notes parsing: a Markdown notes file -> its headings and the blocks under each.

The notes are parsed with markdown-it-py (CommonMark, plus tables and
strikethrough), never with regexes over raw lines, so a ``# comment`` inside a
fenced code block is code, not a heading.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from typing import Any

import yaml
from markdown_it.tree import SyntaxTreeNode

from pyflash.core.markup import markdown_parser
from pyflash.importer.markdown import Block, inline_plain, node_blocks, node_line
from pyflash.importer.sections import Definition, colon_definitions, definitions, is_toc

__all__ = ["SECTION_SEP", "Heading", "Notes", "Skipped", "parse_notes", "split_front_matter"]

SECTION_SEP = " / "


@dataclass(frozen=True, slots=True)
class Heading:
    """One heading and the blocks directly under it (up to the next heading)."""

    level: int
    text: str  # the heading's raw text, stripped (trailing #s removed)
    line: int  # 1-based line in the notes file
    plain: str = ""  # the text as it reads: links, HTML and emphasis removed
    path: tuple[str, ...] = ()  # non-empty heading texts from the section level down
    blocks: tuple[Block, ...] = ()
    has_children: bool = False
    definitions: tuple[Definition, ...] = ()  # when the content is one definition list (and prose, no code)
    toc: bool = False  # the content was only a table of contents (skipped)

    @property
    def has_content(self) -> bool:
        return bool(self.blocks)

    @property
    def source(self) -> str:
        return SECTION_SEP.join(self.path)


@dataclass(frozen=True, slots=True)
class Skipped:
    """Something in the notes that makes no card on purpose."""

    line: int
    what: str  # "front matter", "table of contents", "byline"...


@dataclass(frozen=True, slots=True)
class Notes:
    """A parsed notes file."""

    title: str | None  # front-matter title, or the single `#` heading
    section_level: int
    preamble: list[Block]  # content before the first heading
    headings: list[Heading]
    skipped: tuple[Skipped, ...] = ()  # front matter and tables of contents

    def entries(self) -> list[Heading]:
        """Headings with text and direct content: each must end up on a card."""
        return [h for h in self.headings if h.text and h.has_content]


_FRONT_OPEN = {"---": ("---", "..."), "+++": ("+++",)}


def split_front_matter(text: str) -> tuple[dict[Any, Any], str]:
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
        meta = tomllib.loads(raw) if lines[0].startswith("+") else yaml.safe_load(raw)
    except Exception:  # front matter we cannot read is still front matter
        meta = None
    body = "\n" * (end + 1) + "\n".join(lines[end + 1 :])
    return (meta if isinstance(meta, dict) else {}), body


@dataclass(slots=True)
class _OpenHeading:
    """A heading while the notes are read: blocks and children still arrive."""

    level: int
    text: str
    line: int
    plain: str
    path: tuple[str, ...] = ()
    blocks: list[Block] = field(default_factory=list)
    has_children: bool = False
    nodes: list[SyntaxTreeNode] = field(default_factory=list)
    toc: bool = False

    def close(self) -> Heading:
        items = _definition_list(self.nodes)
        return Heading(
            self.level, self.text, self.line, self.plain, self.path, tuple(self.blocks), self.has_children,
            tuple(items or ()), self.toc and not self.blocks,
        )


def _definition_list(nodes: list[SyntaxTreeNode]) -> list[Definition] | None:
    """The items of the one definition list of a section with no code (other prose may come with it)."""
    if any(node.type in ("fence", "code_block") for node in nodes):
        return None
    found = [items for node in nodes if (items := definitions(node))]
    if len(found) == 1:
        return found[0]
    if found:
        return None
    colon = [d for node in nodes for d in colon_definitions(node) or ()]
    return colon if len(colon) >= 2 else None


def _title(meta: dict[Any, Any], h1: list[SyntaxTreeNode]) -> str | None:
    """The front matter's ``title``, else the text of the only ``#`` heading."""
    title = meta.get("title") if isinstance(meta.get("title"), str) else None
    if not title and len(h1) == 1:
        title = inline_plain(h1[0].children[0]) if h1[0].children else None
    return (title or "").strip() or None


def _open_heading(node: SyntaxTreeNode) -> _OpenHeading:
    inline = node.children[0] if node.children else None
    raw = inline.content.strip() if inline else ""
    return _OpenHeading(int(node.tag[1]), raw, node_line(node), inline_plain(inline) if inline else "")


def parse_notes(text: str) -> Notes:
    """Parse Markdown notes into headings and the blocks under each."""
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    meta, body = split_front_matter(text)
    # Without text_join, escapes (`\*`) and entities (`&lt;`) stay tokens of
    # their own, so the drafts can write them back as the notes wrote them.
    root = SyntaxTreeNode(markdown_parser(html=True).disable("text_join").parse(body))
    h1 = [n for n in root.children if n.type == "heading" and n.tag == "h1"]
    section_level = 1 if len(h1) >= 2 else 2

    preamble: list[Block] = []
    headings: list[_OpenHeading] = []
    stack: list[_OpenHeading] = []
    skipped: list[Skipped] = []
    if body is not text:
        skipped.append(Skipped(1, "front matter"))
    target = preamble
    for node in root.children:
        if node.type != "heading":
            if is_toc(node):
                skipped.append(Skipped(node_line(node), "table of contents"))
                if headings:
                    headings[-1].toc = True
                continue
            target.extend(node_blocks(node))
            if headings:
                headings[-1].nodes.append(node)
            continue
        heading = _open_heading(node)
        while stack and stack[-1].level >= heading.level:
            stack.pop()
        if stack:
            stack[-1].has_children = True
        stack.append(heading)
        heading.path = tuple(h.text for h in stack if h.level >= section_level and h.text)
        headings.append(heading)
        target = heading.blocks
    return Notes(_title(meta, h1), section_level, preamble, [h.close() for h in headings], tuple(skipped))
