"""The study screen's widgets on the first card: header and progress bar.

They only show what the session tells them. The answer rule and the grade bar,
shown from the first reveal on, are in ``ui/reveal_widgets.py``.
"""

from __future__ import annotations

from rich.console import Console, ConsoleOptions, RenderResult
from rich.segment import Segment
from rich.style import Style
from textual.content import Content
from textual.renderables.bar import Bar as BarRenderable
from textual.widget import Widget

from pyflash.core import QueueKind, StudySession

WIDE_GRADE_BAR = 154  # at this width or more the six grades ("2 almost again today, 1d") fit on one row


class StudyHeader(Widget):
    """Deck name on the left (cut with an ellipsis); new / relearn / review left on the right.

    One widget draws the whole line, which keeps the first card's paint fast.
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._deck = Content("")
        self._counts = Content("")

    def show(self, session: StudySession) -> None:
        deck = session.deck or "All decks"
        name = Content.assemble((deck, "bold"))
        if session.cram:
            name = Content.assemble(name, "  ", ("cram: schedule unchanged", "italic $text-warning"))
        counts = session.counts()
        kind = session.current_kind
        parts: list[Content | str | tuple[str, str]] = []
        for n, label, style, k in (
            (counts.new, "new", "$text-primary", QueueKind.NEW),
            (counts.relearn, "relearn", "$text-error", QueueKind.RELEARN),
            (counts.review, "review", "$text-success", QueueKind.REVIEW),
        ):
            if parts:
                parts.append("  ")
            mark = " underline" if k == kind else ""
            parts.append((f"{n} {label}", f"bold {style}{mark}"))
        self._deck = name
        self._counts = Content.assemble(*parts)
        self.refresh()

    def render(self) -> Content:
        width = self.content_size.width
        counts = self._counts
        room = max(0, width - counts.cell_length)
        deck = self._deck
        if deck.cell_length > room:
            deck = deck.truncate(room, ellipsis=True)
        return Content.assemble(deck, " " * (room - deck.cell_length), counts)


class SessionProgress(Widget):
    """The session's progress: Textual's progress bar renderable, then ``done/total``."""

    COMPONENT_CLASSES = {"progress--bar", "progress--complete", "progress--label"}
    LABEL_WIDTH = 7  # at least; "12/345" and one space before it

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.progress = 0
        self.total = 0

    def update(self, *, total: int, progress: int) -> None:
        self.total = total
        self.progress = progress
        self.refresh()

    def render(self) -> _BarAndLabel:
        label = f"{self.progress}/{self.total}"
        width = self.content_size.width
        label_width = min(width, max(self.LABEL_WIDTH, len(label) + 1))
        bar_width = width - label_width
        ratio = min(1.0, self.progress / max(self.total, 1))
        # Whole half-cells only, as Textual's own ProgressBar draws it.
        filled = int(ratio * bar_width * 2) / 2
        bar_style = self.get_component_rich_style("progress--bar" if ratio < 1 else "progress--complete")
        bar = BarRenderable(
            highlight_range=(0, filled),
            highlight_style=Style.from_color(bar_style.color),
            background_style=Style.from_color(bar_style.bgcolor),
            width=bar_width,
        )
        return _BarAndLabel(bar, label, label_width, self.get_component_rich_style("progress--label"))


class _BarAndLabel:
    """A bar, then a label right-aligned in ``label_width`` cells, on one line (a Rich renderable)."""

    def __init__(self, bar: BarRenderable, label: str, label_width: int, label_style: Style) -> None:
        self.bar = bar
        self.label = label[-label_width:] if label_width else ""
        self.label_width = label_width
        self.label_style = label_style

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        if self.bar.width:
            yield from console.render(self.bar, options)
        yield Segment(" " * (self.label_width - len(self.label)))
        yield Segment(self.label, self.label_style)
