"""The Markdown of the card views: one parser (built once), and code blocks that are never cut.

A fenced code block (a card's ``code``, its ``output``, or a fence inside ``q``,
``a`` or ``note``) is drawn by :class:`CodeBlock`: highlighted as Textual's own
fences are, but a line wider than the card continues on the next row, with
``↪`` in the gutter column, so every character is on screen at any width.
Selecting and copying the code gives its original lines, without the markers.
"""

from __future__ import annotations

from contextlib import suppress
from functools import lru_cache
from typing import NamedTuple

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.token import Token
from rich.cells import cell_len, get_character_cell_size
from textual.app import ComposeResult
from textual.content import Content
from textual.css.query import NoMatches
from textual.geometry import Offset, Size
from textual.selection import Selection
from textual.widget import Widget
from textual.widgets import Markdown
from textual.widgets.markdown import MarkdownBlock, MarkdownFence

from pyflash.core.markup import markdown_parser as new_markdown_parser
from pyflash.ui.text import MARK_CLOSE, MARK_OPEN

MARK_STYLE = "reverse bold"  # a cloze span (answer) or its […] (question): reads under NO_COLOR too

CONTINUED = "↪"  # in the gutter of a row that continues the line above it
CONTINUED_STYLE = "$text-muted"
GUTTER = 1  # cells left of the code: blank, or CONTINUED
TAB_SIZE = 8  # as Textual's fences expand tabs


IMAGE_LABEL = "[image: {alt}] "


def _images_as_links(state: StateCore) -> None:
    """An image reads ``[image: alt] src`` in a terminal, the ``src`` a link."""
    for block in state.tokens:
        if block.type != "inline" or not block.children:
            continue
        children: list[Token] = []
        for token in block.children:
            if token.type != "image":
                children.append(token)
                continue
            src = str(token.attrGet("src") or "")
            alt = " ".join(token.content.split()) or "image"
            label = Token("text", "", 0, content=IMAGE_LABEL.format(alt=alt))
            link = Token("link_open", "a", 1, attrs={"href": src})
            children += [label, link, Token("text", "", 0, content=src), Token("link_close", "a", -1)]
        block.children = children


@lru_cache(maxsize=1)
def markdown_parser() -> MarkdownIt:
    """The UI's parser, built once (the UI only parses; its one rule shows images as text)."""
    md = new_markdown_parser()
    md.core.ruler.push("pyflash_images", _images_as_links)
    return md


def wrap_offsets(line: str, width: int) -> list[int]:
    """Where to cut ``line`` so that no row is wider than ``width`` cells.

    A row ends after a space when that keeps it at least half full (so words
    stay whole where they can); otherwise it is cut at the last character that fits.
    """
    width = max(1, width)
    cuts: list[int] = []
    start = 0
    cells = 0
    for i, ch in enumerate(line):
        w = get_character_cell_size(ch)
        if cells + w > width and i > start:
            if ch == " ":  # a space that does not fit ends the row (it is not drawn)
                cuts.append(i + 1)
                start, cells = i + 1, 0
                continue
            space = line.rfind(" ", start, i)
            cut = space + 1 if space >= start and cell_len(line[start : space + 1]) * 2 >= width else i
            cuts.append(cut)
            start = cut
            cells = cell_len(line[start:i])
        cells += w
    return cuts


def unmark(code: str) -> tuple[str, list[tuple[int, int]]]:
    """``code`` without the span marks (:data:`~pyflash.ui.text.MARK_OPEN`...), and where the spans were."""
    plain: list[str] = []
    spans: list[tuple[int, int]] = []
    size = 0
    start = 0
    for i, piece in enumerate(code.replace(MARK_CLOSE, MARK_OPEN).split(MARK_OPEN)):
        if i % 2:
            spans.append((start, size + len(piece)))
        else:
            start = size + len(piece)
        plain.append(piece)
        size += len(piece)
    return "".join(plain), spans


class Row(NamedTuple):
    """One screen row of a code block: ``line[start:end]`` of source line ``line``."""

    line: int
    start: int
    end: int


class Wrapped(NamedTuple):
    width: int
    rows: list[Row]
    content: Content


class CodeBlock(Widget):
    """Highlighted code that soft-wraps, with a continuation mark in the gutter."""

    DEFAULT_CSS = """
    CodeBlock {
        width: 1fr;
        height: auto;
        padding: 0 1 0 0;
        text-wrap: nowrap;
        text-overflow: clip;
    }
    """

    def __init__(self, code: Content, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.code = code
        self._lines = code.split("\n", allow_blank=True)
        self._wrapped: Wrapped | None = None

    def update(self, code: Content) -> None:
        self.code = code
        self._lines = code.split("\n", allow_blank=True)
        self._wrapped = None
        self.refresh(layout=True)

    @property
    def lines(self) -> list[str]:
        """The code's lines, as they are in the card (tabs expanded)."""
        return [line.plain for line in self._lines]

    def wrap(self, width: int) -> Wrapped:
        """The rows at ``width`` cells (gutter included), computed once per width."""
        if self._wrapped is not None and self._wrapped.width == width:
            return self._wrapped
        room = max(1, width - GUTTER)
        mark = Content.styled(CONTINUED, CONTINUED_STYLE)
        blank = Content(" " * GUTTER)
        rows: list[Row] = []
        out: list[Content] = []
        for n, line in enumerate(self._lines):
            cuts = wrap_offsets(line.plain, room)
            bounds = [0, *cuts, len(line.plain)]
            for i, piece in enumerate(line.divide(cuts)):
                rows.append(Row(n, bounds[i], bounds[i + 1]))
                out.append(Content.assemble(mark if i else blank, piece))
        self._wrapped = Wrapped(width, rows, Content("\n").join(out))
        return self._wrapped

    def get_content_width(self, container: Size, viewport: Size) -> int:
        return max((cell_len(line) for line in self.lines), default=0) + GUTTER

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(self.wrap(width).rows)

    def render(self) -> Content:
        return self.wrap(self.content_size.width).content

    def get_selection(self, selection: Selection) -> tuple[str, str] | None:
        """The selected code as it is in the card: whole lines, no continuation marks."""
        rows = self.wrap(self.content_size.width).rows
        lines = self.lines
        if not rows:
            return None
        first = self._source_offset(rows, selection.start, Row(0, 0, 0))
        last = self._source_offset(rows, selection.end, Row(len(lines) - 1, len(lines[-1]), len(lines[-1])))
        (l1, c1), (l2, c2) = first, last
        if l1 == l2:
            return lines[l1][c1:c2], "\n"
        return "\n".join([lines[l1][c1:], *lines[l1 + 1 : l2], lines[l2][:c2]]), "\n"

    @staticmethod
    def _source_offset(rows: list[Row], offset: Offset | None, default: Row) -> tuple[int, int]:
        """(line, column) in the code of a selection offset given in rows (gutter included)."""
        if offset is None:
            return default.line, default.start
        if offset.y >= len(rows):
            return rows[-1].line, rows[-1].end
        row = rows[max(0, offset.y)]
        if offset.x < 0:
            return row.line, row.end
        return row.line, min(row.end, row.start + max(0, offset.x - GUTTER))


class CodeFence(MarkdownFence):
    """Textual's fence, drawn by a :class:`CodeBlock`: it wraps instead of scrolling sideways."""

    DEFAULT_CSS = """
    CodeFence {
        overflow: hidden hidden;
    }
    """

    @property
    def allow_horizontal_scroll(self) -> bool:
        return False

    @classmethod
    def highlight(cls, code: str, language: str, ansi: bool = False, dark: bool = False) -> Content:
        if MARK_OPEN not in code:
            return super().highlight(code.expandtabs(TAB_SIZE), language, ansi, dark)
        plain, spans = unmark(code)
        content = super().highlight(plain.expandtabs(TAB_SIZE), language, ansi, dark)
        for start, end in spans:  # offsets in the tab-expanded text
            a, b = len(plain[:start].expandtabs(TAB_SIZE)), len(plain[:end].expandtabs(TAB_SIZE))
            content = content.stylize(MARK_STYLE, a, b)
        return content

    def set_content(self, content: Content) -> None:
        self._content = content
        with suppress(NoMatches):
            self.query_one(CodeBlock).update(content)

    def compose(self) -> ComposeResult:
        yield CodeBlock(self._highlighted_code)


class CardMarkdown(Markdown):
    """Markdown whose code blocks wrap (see :class:`CodeBlock`)."""

    BLOCKS: dict[str, type[MarkdownBlock]] = {**Markdown.BLOCKS, "fence": CodeFence, "code_block": CodeFence}

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, parser_factory=markdown_parser)
