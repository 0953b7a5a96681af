"""The end of a session: what was done, and when the next card is due."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Static

from pyflash.core import GRADES, PyflashError, StudySession
from pyflash.core.text import plural
from pyflash.ui import text
from pyflash.ui.host import host
from pyflash.ui.keybar import KeyBar
from pyflash.ui.panel import deck_label, row

GRADE_STYLES = ("$text-error", "$text-error", "$text-warning", "$text-warning", "$text-success", "$text-primary")


class SummaryScreen(Screen[None]):
    """The end of a session: what was done, and when the next card is due."""

    HELP_TITLE = "Summary"
    BINDINGS = [
        Binding("enter", "back", "Decks", tooltip="Back to the deck picker", id="pyflash.summary.back"),
        Binding("escape", "back", "Decks", show=False, id="pyflash.summary.back-escape"),
        Binding("q", "back", "Decks", show=False, id="pyflash.summary.back-q"),
        Binding("u", "undo", "Undo", tooltip="Undo the last grade, bury or suspend and study that card again", id="pyflash.summary.undo"),
        Binding("ctrl+z", "undo", "Undo", show=False, id="pyflash.summary.undo-ctrl-z"),
    ]

    def __init__(self, session: StudySession) -> None:
        super().__init__()
        self.session = session

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="summary-box", classes="panel-screen"):
            yield Static(id="summary")
        yield KeyBar()

    def on_mount(self) -> None:
        self.show()
        host(self).screen_ready()

    def show(self) -> None:
        session = self.session
        s = session.summary()
        title = "Cram finished" if session.cram else "Session complete"
        lines: list[Content] = [
            Content.assemble((title, "bold $text-accent"), f" · {deck_label(session)}"),
            Content(""),
            row("Reviewed", f"{plural(s.reviewed, 'grade')} on {plural(s.cards, 'card')}"),
            row("Time", text.duration(s.seconds)),
            row(
                "Relearned",
                f"{plural(s.relearned, 'card')} came back for relearning"
                if s.relearned
                else "no card came back for relearning",
            ),
            row("Next card due", text.when(s.next_due_day, s.today)),
        ]
        if session.cram:
            lines.append(row("Schedule", "unchanged (cram)"))
        lines += [Content(""), Content.styled("Grades", "bold")]
        most = max(s.grades.values(), default=0)
        bar_width = 30
        for g in range(6):
            n = s.grades.get(g, 0)
            bar = "█" * (round(n * bar_width / most) if most else 0)
            if n and not bar:
                bar = "▏"
            lines.append(
                Content.assemble(
                    f"  {g} · {GRADES[g].label:<7}",
                    (bar, GRADE_STYLES[g]),
                    (f" {n}" if n else " 0", "bold" if n else "dim"),
                )
            )
        self.query_one("#summary", Static).update(Content("\n").join(lines))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "undo":
            return True if self.session.can_undo else None
        return True

    def action_back(self) -> None:
        host(self).show_picker()

    def action_undo(self) -> None:
        try:
            card = self.session.undo()
        except PyflashError as exc:
            self.notify(str(exc), title="Cannot undo", severity="error", timeout=10)
            return
        if card is None:
            return
        host(self).study(self.session)

