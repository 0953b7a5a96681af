"""The study screen's widgets mounted at the first reveal: the answer rule and the grade bar.

Imported at the first reveal, or shortly after the first card is painted
(``card_text.preload``), not with the study screen: the first card does not
show them (start-up time). A grade click runs the screen's ``grade`` action, as
the key does.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Grid
from textual.content import Content
from textual.widget import Widget
from textual.widgets import Static

from pyflash.core import GRADES, GradePreview
from pyflash.core.text import plural


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
