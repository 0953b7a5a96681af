"""The study screen's widgets: header, progress bar, answer rule and grade bar.

They only show what the session tells them; a grade click runs the screen's
``grade`` action, as the key does.
"""

from __future__ import annotations

from rich.console import Console, ConsoleOptions, RenderResult
from rich.segment import Segment
from rich.style import Style
from textual.app import ComposeResult
from textual.containers import Grid
from textual.content import Content
from textual.renderables.bar import Bar as BarRenderable
from textual.widget import Widget
from textual.widgets import Static

from pyflash.core import GRADES, GradePreview, QueueKind, StudySession
from pyflash.core.text import plural

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


class AnswerRule(Widget):
    """A dashed line with "answer" in the middle, between question and answer.

    When the question is cut to its first lines, the rule says so on its left,
    with the key that shows the rest (``hidden`` lines; 0 when all is shown,
    None when the question is shown whole at the user's request).
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.hidden: int | None = 0

    def show(self, hidden: int | None) -> None:
        if hidden != self.hidden:
            self.hidden = hidden
            self.refresh()

    def render(self) -> Content:
        width = self.size.width
        label = " answer "
        left = max(0, (width - len(label)) // 2)
        right = max(0, width - len(label) - left)
        rule = "$primary 60%"
        if self.hidden is None:
            note = Content.assemble(" ", ("x", "bold reverse"), " first lines only ")
        elif self.hidden:
            lines = "1 more line" if self.hidden == 1 else f"{self.hidden} more lines"
            note = Content.assemble(" ", ("x", "bold reverse"), f" whole question · {lines} ")
        else:
            note = Content("")
        lead = 2
        if note.cell_length:
            start = max(left, lead + note.cell_length + 2)
            if start + len(label) <= width:
                return Content.assemble(
                    ("╌" * lead, rule),
                    note.stylize_before("$text-muted"),
                    ("╌" * (start - lead - note.cell_length), rule),
                    (label, "bold $text-muted"),
                    ("╌" * (width - start - len(label)), rule),
                )
        return Content.assemble(("╌" * left, rule), (label, "bold $text-muted"), ("╌" * right, rule))


class GradeCell(Static):
    """One grade in the grade bar: its key, its label and where it leads; clicking it grades, as the key does."""

    def __init__(self, grade: int) -> None:
        super().__init__(id=f"grade-{grade}", classes=f"grade grade-{grade}")
        self.grade = grade

    def show(self, p: GradePreview, *, cram: bool = False) -> None:
        self.set_class(p.again_today and not cram, "-again")
        self.update(Content.assemble((f"{p.grade}", "bold reverse"), f" {p.label:<{LABEL_WIDTH}} ", (when(p, cram), "bold")))
        if cram:
            self.tooltip = f"{p.label}: cram, the schedule is not changed"
        elif p.again_today:
            self.tooltip = f"{p.label}: shown again later today, then due in {plural(p.interval, 'day')}"
        else:
            self.tooltip = f"{p.label}: due in {plural(p.interval, 'day')}"

    async def on_click(self) -> None:
        await self.screen.run_action(f"grade({self.grade})")


LABEL_WIDTH = max(len(info.label) for info in GRADES)


def when(p: GradePreview, cram: bool = False) -> str:
    """Where a grade leads: "again today, 1d" (shown again in this session, then due in a day), "in 6d"."""
    if cram:
        return ""
    if p.again_today:
        return "again today" if p.interval == 0 else f"again today, {p.short}"
    return p.short if p.interval == 0 else f"in {p.short}"


class GradeBar(Grid):
    """The six grades. In cram the title says the schedule is unchanged and no intervals are shown."""

    def compose(self) -> ComposeResult:
        for g in range(6):
            yield GradeCell(g)

    def show(self, previews: list[GradePreview], *, cram: bool = False) -> None:
        for p in previews:
            self.query_one(f"#grade-{p.grade}", GradeCell).show(p, cram=cram)
        self.border_title = "Grade · cram: schedule unchanged" if cram else "Grade · space/enter: 4 good"
