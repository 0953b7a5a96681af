"""The study screen: question, answer, grade bar. It only drives a StudySession."""

from __future__ import annotations

import os
import subprocess
from functools import lru_cache

from markdown_it import MarkdownIt
from rich.console import Console, ConsoleOptions, RenderResult
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, VerticalScroll
from textual.content import Content
from textual.renderables.bar import Bar as BarRenderable
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Markdown, Static

from pyflash.core import GRADES as GRADE_TABLE
from pyflash.core import GradePreview, QueueKind
from pyflash.core.decks.model import Card
from pyflash.core.errors import PyflashError
from pyflash.core.markup import markdown_parser as new_markdown_parser
from pyflash.core.review.session import StudySession
from pyflash.ui import text
from pyflash.ui.keybar import KeyBar

GRADES = Binding.Group("Grade", compact=True)
WIDE_GRADE_BAR = 110  # at this width or more the six grades fit on one row


@lru_cache(maxsize=1)
def markdown_parser() -> MarkdownIt:
    """The UI's parser, built once (the UI only parses; it adds no render rules)."""
    return new_markdown_parser()


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
    """A dashed line with "answer" in the middle, between question and answer."""

    def render(self) -> Content:
        width = self.size.width
        label = " answer "
        left = max(0, (width - len(label)) // 2)
        right = max(0, width - len(label) - left)
        return Content.assemble(("╌" * left, "$primary 60%"), (label, "$text-muted"), ("╌" * right, "$primary 60%"))


class GradeCell(Static):
    """One grade in the grade bar; clicking it grades, as the key does."""

    def __init__(self, grade: int) -> None:
        super().__init__(id=f"grade-{grade}", classes=f"grade grade-{grade}")
        self.grade = grade

    def show(self, p: GradePreview) -> None:
        self.set_class(p.again_today, "-again")
        self.update(
            Content.assemble((f"{p.grade}", "bold reverse"), f" · {p.label} · ", (p.short, "bold"))
        )
        self.tooltip = (
            f"{p.label}: due in {p.interval} day(s); shown again later today"
            if p.again_today
            else f"{p.label}: due in {p.interval} day(s)"
        )

    async def on_click(self) -> None:
        await self.screen.run_action(f"grade({self.grade})")


class GradeBar(Grid):
    def compose(self) -> ComposeResult:
        for g in range(6):
            yield GradeCell(g)

    def show(self, previews: list[GradePreview]) -> None:
        for p in previews:
            self.query_one(f"#grade-{p.grade}", GradeCell).show(p)
        again = [p.grade for p in previews if p.again_today]
        if again:
            span = f"{min(again)}–{max(again)}" if len(again) > 1 else str(again[0])
            self.border_title = f"Grade · {span} bring the card back today"
        else:
            self.border_title = "Grade"


class StudyScreen(Screen):
    """One card at a time. Space/enter shows the answer; 0-5 grade it."""

    HELP_TITLE = "Study"
    AUTO_FOCUS = "#card"
    BINDINGS = [
        Binding("space", "reveal", "Answer", tooltip="Show the answer", id="pyflash.study.reveal"),
        Binding("enter", "reveal", "Answer", show=False, id="pyflash.study.reveal-enter"),
        *(
            Binding(
                str(g),
                f"grade({g})",
                GRADE_TABLE[g].label,
                tooltip=f"Grade {g} · {GRADE_TABLE[g].label}",
                group=GRADES,
                id=f"pyflash.study.grade-{g}",
            )
            for g in range(6)
        ),
        Binding("u", "undo", "Undo", tooltip="Undo the last grade", id="pyflash.study.undo"),
        Binding("ctrl+z", "undo", "Undo", show=False, id="pyflash.study.undo-ctrl-z"),
        Binding("b", "bury", "Bury", tooltip="Bury the card until tomorrow", id="pyflash.study.bury"),
        Binding("s", "suspend", "Suspend", tooltip="Suspend the card (asks first)", id="pyflash.study.suspend"),
        Binding("e", "edit", "Edit", tooltip="Edit the card in $EDITOR, then reload", id="pyflash.study.edit"),
        Binding("escape", "back", "Decks", tooltip="Back to the deck picker", id="pyflash.study.back"),
        Binding("q", "back", "Decks", show=False, id="pyflash.study.back-q"),
    ]

    def __init__(self, session: StudySession) -> None:
        super().__init__()
        self.session = session
        self._shown_key: str | None = None
        self._binding_state = (session.current is not None, session.revealed, session.can_undo)

    # -- layout ------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield StudyHeader(id="header")
        yield SessionProgress(id="progress")
        with VerticalScroll(id="card"):
            yield Markdown(id="question", parser_factory=markdown_parser)
        yield Static(
            Content.assemble(("space", "bold reverse"), " or ", ("enter", "bold reverse"), " show the answer"),
            id="hint",
        )
        yield KeyBar()

    async def _mount_answer(self) -> None:
        """Mount the answer and the grade bar at the first reveal (a faster first card)."""
        if self.query("#answer"):
            return
        await self.query_one("#card").mount(
            AnswerRule(id="answer-rule"), Markdown(id="answer", parser_factory=markdown_parser)
        )
        grades = GradeBar(id="grades")
        grades.set_class(self.size.width >= WIDE_GRADE_BAR, "-wide")
        await self.mount(grades, after="#hint")

    async def on_mount(self) -> None:
        await self.show_card()
        self.app.screen_ready()  # type: ignore[attr-defined]

    def on_resize(self, event: events.Resize) -> None:
        for bar in self.query(GradeBar):
            bar.set_class(event.size.width >= WIDE_GRADE_BAR, "-wide")

    # -- showing ------------------------------------------------------------

    @property
    def card(self) -> Card | None:
        return self.session.current

    async def show_card(self) -> None:
        """Show the current card, question only (or with its answer if revealed)."""
        session = self.session
        card = session.current
        if card is None:
            self._finish()
            return
        self.query_one(StudyHeader).show(session)
        done, total = session.progress()
        self.query_one(SessionProgress).update(total=total, progress=done)
        box = self.query_one("#card", VerticalScroll)
        box.border_title = card.deck if card.deck != session.deck else None
        box.border_subtitle = f"{os.path.basename(card.path)}:{card.line}"
        if card.key != self._shown_key:
            self._shown_key = card.key
            await self.query_one("#question", Markdown).update(text.question_markdown(card))
            box.scroll_home(animate=False)
        await self._show_answer(session.revealed)

    async def _show_answer(self, revealed: bool) -> None:
        card = self.session.current
        if revealed and card is not None:
            await self._mount_answer()
        self.set_class(revealed, "-revealed")
        if revealed and card is not None:
            await self.query_one("#answer", Markdown).update(text.answer_markdown(card))
            self.query_one(GradeBar).show(self.session.previews())
            box = self.query_one("#card", VerticalScroll)
            self.call_after_refresh(
                box.scroll_to_widget, self.query_one("#answer-rule"), top=True, animate=False
            )
        self._refresh_bindings()

    def _refresh_bindings(self) -> None:
        """Update the footer, only when what the keys can do has changed (it is costly)."""
        session = self.session
        state = (session.current is not None, session.revealed, session.can_undo)
        if state != self._binding_state:
            self._binding_state = state
            self.refresh_bindings()

    def _finish(self) -> None:
        from pyflash.ui.screens import SummaryScreen

        self.app.switch_screen(SummaryScreen(self.session))

    # -- actions ------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        session = self.session
        if action == "reveal":
            return session.current is not None and not session.revealed
        if action == "grade":
            return session.current is not None and session.revealed
        if action == "undo":
            return True if session.can_undo else None
        if action in ("bury", "suspend", "edit"):
            return session.current is not None
        return True

    async def action_reveal(self) -> None:
        if self.session.current is None or self.session.revealed:
            return
        self.session.reveal()
        await self._show_answer(True)

    async def action_grade(self, grade: int) -> None:
        session = self.session
        if session.current is None or not session.revealed:
            return  # inert until the answer is shown
        try:
            session.grade(int(grade))
        except PyflashError as exc:
            self.notify(str(exc), title="Not saved", severity="error", timeout=10)
            return
        await self.show_card()

    async def action_undo(self) -> None:
        try:
            card = self.session.undo()
        except PyflashError as exc:
            self.notify(str(exc), title="Cannot undo", severity="error", timeout=10)
            return
        if card is None:
            self.notify("Nothing to undo in this session.", timeout=3)
            return
        self._shown_key = None
        await self.show_card()
        self.notify("Grade undone: the card is back, as it was.", timeout=3)

    async def action_bury(self) -> None:
        if self.session.current is None:
            return
        try:
            self.session.bury()
        except PyflashError as exc:
            self.notify(str(exc), severity="error", timeout=10)
            return
        self.notify("Buried until tomorrow.", timeout=3)
        await self.show_card()

    def action_suspend(self) -> None:
        card = self.session.current
        if card is None:
            return
        from pyflash.ui.screens import ConfirmScreen

        first = card.q.strip().splitlines()[0].replace("`", "").replace("*", "") if card.q.strip() else card.key
        if len(first) > 60:
            first = first[:59] + "…"

        async def done(yes: bool | None) -> None:
            if not yes or self.session.current is None or self.session.current.key != card.key:
                return
            try:
                self.session.suspend()
            except PyflashError as exc:
                self.notify(str(exc), severity="error", timeout=10)
                return
            self.notify("Suspended. Unsuspend it from the deck picker (u).", timeout=4)
            await self.show_card()

        self.app.push_screen(
            ConfirmScreen(
                "Suspend this card?",
                f"“{first}” will not be shown again until you unsuspend its deck "
                "in the deck picker (escape, then u).",
                yes="Suspend",
            ),
            done,
        )

    async def action_edit(self) -> None:
        card = self.session.current
        if card is None:
            return
        command = text.editor_command(card.path, card.line)
        if command is None:
            self.notify("Set $EDITOR (for example `export EDITOR=nano`) to edit cards.", severity="error")
            return
        if not os.access(card.path, os.W_OK):
            self.notify(f"{card.path} is read-only; your changes may not be saved.", severity="warning")
        from textual.app import SuspendNotSupported

        try:
            with self.app.suspend():
                rc = _run_editor(command)
        except SuspendNotSupported:  # headless (tests): run it anyway
            rc = _run_editor(command)
        if rc is None:
            self.notify(f"Cannot start the editor `{command[0]}`; check $EDITOR.", severity="error")
            return
        await self.reload_after_edit(card)

    async def reload_after_edit(self, card: Card) -> None:
        """Reload the decks after ``card`` was edited; keep its history and place."""
        app = self.app
        ws = app.ws  # type: ignore[attr-defined]
        try:
            report = ws.reload()
        except PyflashError as exc:
            self.notify(str(exc), title="Reload failed", severity="error", timeout=10)
            return
        errors = [e for e in ws.result.errors if e.path == card.path]
        if errors:
            self.notify(
                f"{errors[0]}\nThe card keeps its old text until this is fixed (press e).",
                title="The deck file has an error",
                severity="error",
                timeout=15,
            )
            return
        new_key = ws.successor(card, report)
        self.session.replace_cards(None, card.key, new_key, files=ws.result.files)
        self._shown_key = None
        if self.session.finished:
            self.notify("The card is no longer in the deck.", timeout=4)
        else:
            self.notify("Deck reloaded.", timeout=2)
        await self.show_card()

    def action_back(self) -> None:
        self.app.show_picker()  # type: ignore[attr-defined]

    def on_screen_resume(self) -> None:
        self._binding_state = None
        self._refresh_bindings()


def _run_editor(command: list[str]) -> int | None:
    try:
        return subprocess.run(command, check=False).returncode
    except OSError:
        return None
