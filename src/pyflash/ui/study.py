"""The study screen: question, answer, grade bar. It only drives a StudySession."""

from __future__ import annotations

from collections.abc import Callable

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Static

from pyflash.core import GRADES as GRADE_TABLE
from pyflash.core import Card, LoadResult, PyflashError, StudySession
from pyflash.core.review.actions import Action
from pyflash.core.text import plural
from pyflash.ui import text
from pyflash.ui.card_view import CardView
from pyflash.ui.editing import EditsCards
from pyflash.ui.host import host
from pyflash.ui.keybar import KeyBar
from pyflash.ui.study_widgets import WIDE_GRADE_BAR, SessionProgress, StudyHeader
from pyflash.ui.styles import whole_stylesheet
from pyflash.ui.typed import TYPING_BINDINGS, TYPING_HELP, TypingScreen

GRADES = Binding.Group("Grade", compact=True)
CRAM_NOTE = "Left out of this cram session only: nothing is written (u undoes)."
UNDONE = {
    Action.GRADE: "Grade undone: the card is back, as it was.",
    Action.BURY: "Bury undone: the card is back.",
    Action.SUSPEND: "Suspend undone: the card is back.",
    Action.UNBURY: "Unbury undone: buried again.",
    Action.UNSUSPEND: "Unsuspend undone: suspended again.",
}


class StudyScreen(TypingScreen, EditsCards, Screen[None]):
    """One card at a time. Space/enter shows the answer (t: type it, ui/typed.py); 0-5 grade it."""

    HELP_TITLE = "Study"
    HELP_EXTRA = (("↑ ↓ PgUp PgDn", "scroll a long card"), ("click a grade", "grade it, as its key does"), *TYPING_HELP)
    AUTO_FOCUS = "#question-box"
    BINDINGS = [
        Binding("space", "reveal", "Answer", tooltip="Show the answer", id="pyflash.study.reveal"),
        Binding("enter", "reveal", "Answer", show=False, id="pyflash.study.reveal-enter"),
        *TYPING_BINDINGS,
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
        # On the answer side space and enter grade 4 "good", as in Anki (the
        # reveal bindings above are off then, so these run).
        Binding("space", "grade(4)", "good", show=False, id="pyflash.study.good-space"),
        Binding("enter", "grade(4)", "good", show=False, id="pyflash.study.good-enter"),
        Binding("u", "undo", "Undo", tooltip="Undo the last grade, bury or suspend", id="pyflash.study.undo"),
        Binding("ctrl+z", "undo", "Undo", show=False, id="pyflash.study.undo-ctrl-z"),
        Binding("b", "bury", "Bury", tooltip="Bury the card until tomorrow", id="pyflash.study.bury"),
        Binding("s", "suspend", "Suspend", tooltip="Suspend the card (asks first)", id="pyflash.study.suspend"),
        Binding(
            "B", "unbury", "Unbury", show=False, tooltip="Unbury the cards buried in this session", id="pyflash.study.unbury"
        ),
        Binding(
            "S",
            "unsuspend",
            "Unsuspend",
            show=False,
            tooltip="Unsuspend the cards suspended in this session",
            id="pyflash.study.unsuspend",
        ),
        Binding("x", "toggle_question", "Question", show=False,  # the answer rule shows it when it applies
                tooltip="Show the whole question, or only its first lines", id="pyflash.study.question"),
        Binding("e", "edit", "Edit", tooltip="Edit the card in $EDITOR, then reload", id="pyflash.study.edit"),
        Binding("i", "history", "History", show=False, tooltip="Show the card's review history", id="pyflash.study.history"),
        Binding("slash", "search", "Search", show=False, tooltip="Find cards: the browser", id="pyflash.study.search"),
        Binding("n", "add_card", "New card", show=False, tooltip="Add a card (to this card's deck)", id="pyflash.study.add"),
        Binding("escape", "back", "Decks", tooltip="Back to the deck picker", id="pyflash.study.back"),
        Binding("q", "back", "Decks", show=False, id="pyflash.study.back-q"),
    ]

    def __init__(self, session: StudySession) -> None:
        super().__init__()
        self.session = session
        self._shown_key: str | None = None
        self._binding_state: tuple[bool, bool, bool, bool] | None = (
            session.current is not None,
            session.revealed,
            session.can_undo,
            False,
        )
        self._edited: Card | None = None  # the card whose file is being read again after `e`
        self._browsed = False  # the browser was opened from here: on return, the session reads the store again
        self._resumed = False

    # -- layout ------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield StudyHeader(id="header")
        yield SessionProgress(id="progress")
        yield CardView(id="card", classes="-focused")  # the question box is focused at once (AUTO_FOCUS)
        yield Static(
            Content.assemble(("space", "bold reverse"), " or ", ("enter", "bold reverse"), " show the answer"),
            id="hint",
        )
        yield KeyBar()

    async def _mount_answer(self) -> None:
        """Mount the answer and the grade bar at the first reveal (a faster first card)."""
        whole_stylesheet(self)  # the answer's and the grade bar's rules (ui/styles.py)
        if self.query("#answer"):
            return
        await self.query_one(CardView).mount_answer()
        from pyflash.ui.reveal_widgets import GradeBar  # deferred: start-up time (not on the first card)

        grades = GradeBar(id="grades")
        grades.set_class(self.size.width >= WIDE_GRADE_BAR, "-wide")
        await self.mount(grades, after="#hint")

    async def on_mount(self) -> None:
        self.query_one(CardView).show_focus()  # (no change when AUTO_FOCUS focused the question box)
        await self.show_card()
        host(self).screen_ready()

    def on_resize(self, event: events.Resize) -> None:
        for bar in self.query("#grades"):
            bar.set_class(event.size.width >= WIDE_GRADE_BAR, "-wide")
        self.call_after_refresh(self._show_rule)

    # -- showing ------------------------------------------------------------

    @property
    def card(self) -> Card | None:
        return self.session.current

    async def show_card(self) -> None:
        """Show the current card, question only (or with its answer if revealed).

        Every part changes in one batch: no frame shows parts of two cards.
        """
        session = self.session
        card = session.current
        if card is None:
            self._finish()
            return
        with self.app.batch_update():
            self.query_one(StudyHeader).show(session)
            done, total = session.progress()
            self.query_one(SessionProgress).update(total=total, progress=done)
            changed = card.key != self._shown_key
            self._shown_key = card.key
            title = card.deck if card.deck != session.deck else None
            await self.query_one(CardView).show_question(card, title, changed=changed)
            await self._show_answer(session.revealed)
            await self.typing_on_card(card, changed=changed)

    async def _show_answer(self, revealed: bool) -> None:
        """Show or hide the answer; the question keeps its first lines on screen above it."""
        card = self.session.current
        revealed = revealed and card is not None
        view = self.query_one(CardView)
        with self.app.batch_update():
            if revealed and card is not None:
                await self._mount_answer()
                await view.show_answer(card)
                from pyflash.ui.reveal_widgets import GradeBar  # (imported by _mount_answer)

                self.query_one("#grades", GradeBar).show(self.session.previews(), cram=self.session.cram)
            self.set_class(revealed, "-revealed")
            view.focus_part(revealed)
        self.call_after_refresh(self._show_rule)
        self._refresh_bindings()

    def _show_rule(self) -> None:
        views = self.query(CardView)  # none once the screen is gone (a finished session)
        if views:
            views.first().show_rule(self.session.revealed)
            self._refresh_bindings()

    def _refresh_bindings(self) -> None:
        """Update the footer, only when what the keys can do has changed (it is costly)."""
        session = self.session
        state = (session.current is not None, session.revealed, session.can_undo, self._question_cut)
        if state != self._binding_state:
            self._binding_state = state
            self.refresh_bindings()

    def _finish(self) -> None:
        host(self).show_summary(self.session)

    # -- actions ------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        session = self.session
        if (typing := self.typing_check(action)) is not None:
            return typing
        if action == "reveal":
            return session.current is not None and not session.revealed
        if action == "grade":
            return session.current is not None and session.revealed
        if action == "undo":
            return True if session.can_undo else None
        if action == "toggle_question":
            return self._question_cut
        if action in ("bury", "suspend", "edit", "history"):
            return session.current is not None
        if action == "unbury":
            return bool(session.set_aside(Action.BURY))
        if action == "unsuspend":
            return bool(session.set_aside(Action.SUSPEND))
        return True

    async def action_reveal(self) -> None:
        if self.session.current is None or self.session.revealed:
            return
        self.session.reveal()
        await self._show_answer(True)

    @property
    def _question_cut(self) -> bool:
        return self.query_one(CardView).question_cut(self.session.revealed)

    def action_toggle_question(self) -> None:
        """x: the whole question, or its first lines again (once the answer is shown)."""
        if self.query_one(CardView).toggle_question(self.session.revealed):
            self.call_after_refresh(self._show_rule)

    async def action_grade(self, grade: int) -> None:
        session = self.session
        if session.current is None or not session.revealed:
            return  # inert until the answer is shown
        try:
            outcome = session.grade(int(grade), typed=self.typed_answer)
        except PyflashError as exc:
            self.notify(str(exc), title="Not saved", severity="error", timeout=10)
            return
        await self.show_card()
        if notice := text.leech_notice(outcome.leech, session.config.leech_threshold):
            self.notify(notice, title="Leech", severity="warning", timeout=10)

    async def action_undo(self) -> None:
        what = self.session.last_action
        try:
            card = self.session.undo()
        except PyflashError as exc:
            self.notify(str(exc), title="Cannot undo", severity="error", timeout=10)
            return
        if what is None:
            self.notify("Nothing to undo in this session.", timeout=3)
            return
        self._shown_key = None
        await self.show_card()
        self.notify(UNDONE[what] if card is not None else UNDONE[what].split(":")[0] + ".", timeout=3)

    async def action_unbury(self) -> None:
        await self._restore(self.session.unbury, "Unburied")

    async def action_unsuspend(self) -> None:
        await self._restore(self.session.unsuspend, "Unsuspended")

    async def _restore(self, restore: Callable[[], list[Card]], done: str) -> None:
        try:
            cards = restore()
        except PyflashError as exc:
            self.notify(str(exc), severity="error", timeout=10)
            return
        if cards:
            self.notify(f"{done} {plural(len(cards), 'card')}: next in the queue (u undoes).", timeout=3)
            await self.show_card()

    async def action_bury(self) -> None:
        if self.session.current is None:
            return
        try:
            self.session.bury()
        except PyflashError as exc:
            self.notify(str(exc), severity="error", timeout=10)
            return
        cram = self.session.cram
        self.notify(CRAM_NOTE if cram else "Buried until tomorrow (u undoes, B unburies).", timeout=3)
        await self.show_card()

    def action_suspend(self) -> None:
        card = self.session.current
        if card is None:
            return
        from pyflash.ui.confirm import ConfirmScreen  # deferred: start-up time (not on the first card)

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
            cram = self.session.cram
            self.notify(CRAM_NOTE if cram else "Suspended (u undoes; S unsuspends, here or in the deck picker).", timeout=4)
            await self.show_card()

        self.app.push_screen(
            ConfirmScreen(
                "Suspend this card?",
                f"“{first}” is left out of this cram session; nothing is written."
                if self.session.cram
                else f"“{first}” will not be shown again until you unsuspend it: "
                "u (undo) or S here, or S on its deck in the deck picker.",
                yes="Suspend",
            ),
            done,
        )

    async def action_edit(self) -> None:
        card = self.session.current
        if card is not None:
            await self.edit_card(card)

    async def reload_after_edit(self, card: Card, result: LoadResult | None = None) -> None:
        """Apply the decks read after ``card`` was edited (or read them now); keep its history and place.

        The edited card is picked up even when another card of its file has an
        error; only when the card itself cannot be read does it keep its old text.
        """
        reloaded = self.apply_reload(card, result)
        if reloaded is None:
            return
        error, new_key = reloaded
        if error and new_key is None:
            message = f"{error}\nThe card keeps its old text until this is fixed (press e)."
            self.notify(message, title="The deck file has an error", severity="error", timeout=15)
            return
        self.session.replace_cards(None, card.key, new_key, files=host(self).ws.result.files)
        self._shown_key = None
        if error:
            self.notify(error, title="Card reloaded; the file has an error", severity="warning", timeout=15)
        elif self.session.finished:
            self.notify("The card is no longer in the deck.", timeout=4)
        else:
            self.notify("Deck reloaded.", timeout=2)
        await self.show_card()

    def action_add_card(self) -> None:
        host(self).add_card(self.card.deck if self.card is not None else self.session.deck)

    def action_back(self) -> None:
        host(self).show_picker()

    def action_history(self) -> None:
        card = self.session.current
        if card is not None:
            from pyflash.ui.history_view import HistoryScreen  # deferred: start-up time (not on the first card)

            self.app.push_screen(HistoryScreen(card, host(self).ws.history(card.key)))

    def action_search(self) -> None:
        """/: the browser, on this session's deck, at the current card."""
        session, card = self.session, self.session.current
        self._browsed = True
        host(self).open_browser(text.deck_query(session.deck), card.key if card else None)

    async def on_screen_resume(self, event: events.ScreenResume) -> None:
        if not self._resumed:  # the first resume follows the mount, which styled every node: not again (start-up time)
            self._resumed = True
            event.refresh_styles = False
        self._binding_state = None
        if self._browsed:  # cards may have been suspended, forgotten or edited there
            self._browsed = False
            self.session.sync(host(self).ws.result.files)
            self._shown_key = None
            await self.show_card()
        self._refresh_bindings()

