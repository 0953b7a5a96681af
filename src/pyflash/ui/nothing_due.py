"""Nothing to study now: when the next card is due, and what to do instead."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Static

from pyflash.core import StudySession
from pyflash.core.text import plural
from pyflash.ui import text
from pyflash.ui.host import host
from pyflash.ui.keybar import KeyBar
from pyflash.ui.panel import row


class NothingDueScreen(Screen[None]):
    """Nothing to study now: when the next card is due, and what to do instead."""

    HELP_TITLE = "Nothing due"
    BINDINGS = [
        Binding("c", "cram", "Cram", tooltip="Cram: review these cards without changing their schedule", id="pyflash.done.cram"),
        Binding("N", "more_new", "More new", tooltip="Study new cards beyond today's limit", id="pyflash.done.new"),
        Binding("m", "more_reviews", "More reviews", tooltip="Study due reviews beyond today's limit", id="pyflash.done.reviews"),
        Binding("escape", "back", "Decks", tooltip="Back to the deck picker", id="pyflash.done.back"),
        Binding("q", "back", "Decks", show=False, id="pyflash.done.back-q"),
    ]

    def __init__(self, session: StudySession) -> None:
        super().__init__()
        self.session = session
        self.beyond = session.available_beyond_limits()
        self.held = session.held_back()  # which limits hold cards back, and the flag that gets more
        per_day = session.config.new_per_day
        self.extra_new = min(self.beyond.new, per_day if per_day > 0 else 10)
        per_day = session.config.reviews_per_day
        self.extra_reviews = min(self.beyond.review, per_day if per_day > 0 else 50)
        for held in self.held:
            if held.limit.kind == "new":
                self.extra_new = held.more
            else:
                self.extra_reviews = held.more

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="nothing-due", classes="panel-screen"):
            yield Static(id="nothing-due-text")
        yield KeyBar()

    def on_mount(self) -> None:
        session = self.session
        deck = session.deck
        lines: list[Content] = [
            Content.assemble(
                (f"Nothing due in {deck}" if deck else "Nothing due today", "bold $text-accent"),
            ),
            Content(""),
        ]
        if not session.card_count:
            lines.append(Content("This deck has no cards."))
        else:
            lines.append(row("Next card due", text.when(session.next_due_day(), session.today)))
            limits = session.config
            lines.append(
                row("Daily limits", f"{plural(limits.new_per_day, 'new card')}, {plural(limits.reviews_per_day, 'review')}")
            )
            if self.beyond.new or self.beyond.review:
                held = []
                if self.beyond.new:
                    held.append(plural(self.beyond.new, "new card"))
                if self.beyond.review:
                    held.append(plural(self.beyond.review, "due review"))
                lines.append(row("Waiting", " and ".join(held) + " beyond today's limits"))
            if self.held:
                lines += [Content(""), Content.styled("Why", "bold")]
                lines += [Content(f"  {held.message()}") for held in self.held]
            lines += [Content(""), Content.styled("What now?", "bold")]
            lines.append(self._choice("c", f"Cram: go through {plural(session.card_count, 'card')}; the schedule stays as it is", "cram"))
            if self.extra_new:
                lines.append(self._choice("N", f"Study {plural(self.extra_new, 'more new card')} today", "more_new"))
            if self.extra_reviews:
                lines.append(self._choice("m", f"Study {plural(self.extra_reviews, 'more review')} today", "more_reviews"))
        lines.append(self._choice("esc", "Back to the deck picker", "back"))
        self.query_one("#nothing-due-text", Static).update(Content("\n").join(lines))
        host(self).screen_ready()

    @staticmethod
    def _choice(key: str, label: str, action: str) -> Content:
        return Content.assemble("  ", (f" {key} ".center(5), "bold reverse"), "  ", Content.from_markup(f"[@click=screen.{action}]$label[/]", label=label))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "cram":
            return bool(self.session.card_count)
        if action == "more_new":
            return self.extra_new > 0
        if action == "more_reviews":
            return self.extra_reviews > 0
        return True

    def action_cram(self) -> None:
        if self.session.card_count:
            host(self).start_session(self.session.deck, cram=True)

    def action_more_new(self) -> None:
        if self.extra_new:
            host(self).start_session(self.session.deck, extra_new=self.extra_new)

    def action_more_reviews(self) -> None:
        if self.extra_reviews:
            host(self).start_session(self.session.deck, extra_reviews=self.extra_reviews)

    def action_back(self) -> None:
        host(self).show_picker()

