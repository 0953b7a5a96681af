"""The other screens: summary, nothing due, no decks, help, and a confirmation."""

from __future__ import annotations

from pathlib import Path

from rich.cells import cell_len
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Center, Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen, Screen
from textual.widgets import Button, Markdown, Static

from pyflash.core import GRADES
from pyflash.core.decks.loader import DECK_SUFFIXES
from pyflash.core.errors import PyflashError
from pyflash.core.review.session import StudySession
from pyflash.core.text import plural
from pyflash.ui import text
from pyflash.ui.keybar import KeyBar
from pyflash.ui.study import markdown_parser

GRADE_STYLES = ("$text-error", "$text-error", "$text-warning", "$text-warning", "$text-success", "$text-primary")


def _deck_label(session: StudySession) -> str:
    return session.deck or "all decks"


def _row(label: str, value: Content | str, width: int = 15) -> Content:
    return Content.assemble((label.ljust(width), "bold"), value)


class SummaryScreen(Screen):
    """The end of a session: what was done, and when the next card is due."""

    HELP_TITLE = "Summary"
    BINDINGS = [
        Binding("enter", "back", "Decks", tooltip="Back to the deck picker", id="pyflash.summary.back"),
        Binding("escape", "back", "Decks", show=False, id="pyflash.summary.back-escape"),
        Binding("q", "back", "Decks", show=False, id="pyflash.summary.back-q"),
        Binding("u", "undo", "Undo", tooltip="Undo the last grade and study that card again", id="pyflash.summary.undo"),
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
        self.app.screen_ready()  # type: ignore[attr-defined]

    def show(self) -> None:
        session = self.session
        s = session.summary()
        title = "Cram finished" if session.cram else "Session complete"
        lines: list[Content] = [
            Content.assemble((title, "bold $text-accent"), f" · {_deck_label(session)}"),
            Content(""),
            _row("Reviewed", f"{plural(s.reviewed, 'grade')} on {plural(s.cards, 'card')}"),
            _row("Time", text.duration(s.seconds)),
            _row(
                "Relearned",
                f"{plural(s.relearned, 'card')} came back for relearning"
                if s.relearned
                else "no card came back for relearning",
            ),
            _row("Next card due", text.when(s.next_due_day, s.today)),
        ]
        if session.cram:
            lines.append(_row("Schedule", "unchanged (cram)"))
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
        self.app.show_picker()  # type: ignore[attr-defined]

    def action_undo(self) -> None:
        try:
            card = self.session.undo()
        except PyflashError as exc:
            self.notify(str(exc), title="Cannot undo", severity="error", timeout=10)
            return
        if card is None:
            return
        from pyflash.ui.study import StudyScreen

        self.app.switch_screen(StudyScreen(self.session))


class NothingDueScreen(Screen):
    """Nothing to study now: when the next card is due, and what to do instead."""

    HELP_TITLE = "Nothing due"
    BINDINGS = [
        Binding("c", "cram", "Cram", tooltip="Cram: review these cards without changing their schedule", id="pyflash.done.cram"),
        Binding("n", "more_new", "More new", tooltip="Study new cards beyond today's limit", id="pyflash.done.new"),
        Binding("r", "more_reviews", "More reviews", tooltip="Study due reviews beyond today's limit", id="pyflash.done.reviews"),
        Binding("escape", "back", "Decks", tooltip="Back to the deck picker", id="pyflash.done.back"),
        Binding("q", "back", "Decks", show=False, id="pyflash.done.back-q"),
    ]

    def __init__(self, session: StudySession) -> None:
        super().__init__()
        self.session = session
        self.beyond = session.available_beyond_limits()
        per_day = session.config.new_per_day
        self.extra_new = min(self.beyond.new, per_day if per_day > 0 else 10)
        per_day = session.config.reviews_per_day
        self.extra_reviews = min(self.beyond.review, per_day if per_day > 0 else 50)

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
            lines.append(_row("Next card due", text.when(session.next_due_day(), session.today)))
            limits = session.config
            lines.append(
                _row("Daily limits", f"{plural(limits.new_per_day, 'new card')}, {plural(limits.reviews_per_day, 'review')}")
            )
            if self.beyond.new or self.beyond.review:
                held = []
                if self.beyond.new:
                    held.append(plural(self.beyond.new, "new card"))
                if self.beyond.review:
                    held.append(plural(self.beyond.review, "due review"))
                lines.append(_row("Waiting", " and ".join(held) + " beyond today's limits"))
            lines += [Content(""), Content.styled("What now?", "bold")]
            lines.append(self._choice("c", f"Cram: go through {plural(session.card_count, 'card')}; the schedule stays as it is", "cram"))
            if self.extra_new:
                lines.append(self._choice("n", f"Study {plural(self.extra_new, 'more new card')} today", "more_new"))
            if self.extra_reviews:
                lines.append(self._choice("r", f"Study {plural(self.extra_reviews, 'more review')} today", "more_reviews"))
        lines.append(self._choice("esc", "Back to the deck picker", "back"))
        self.query_one("#nothing-due-text", Static).update(Content("\n").join(lines))
        self.app.screen_ready()  # type: ignore[attr-defined]

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
            self.app.start_session(self.session.deck, cram=True)  # type: ignore[attr-defined]

    def action_more_new(self) -> None:
        if self.extra_new:
            self.app.start_session(self.session.deck, extra_new=self.extra_new)  # type: ignore[attr-defined]

    def action_more_reviews(self) -> None:
        if self.extra_reviews:
            self.app.start_session(self.session.deck, extra_reviews=self.extra_reviews)  # type: ignore[attr-defined]

    def action_back(self) -> None:
        self.app.show_picker()  # type: ignore[attr-defined]


class NoDecksScreen(Screen):
    """No deck files anywhere: say where pyflash looked and show a deck."""

    HELP_TITLE = "No decks"
    BINDINGS = [
        Binding("escape", "quit", "Quit", tooltip="Quit pyflash", id="pyflash.nodecks.quit"),
        Binding("q", "quit", "Quit", show=False, id="pyflash.nodecks.quit-q"),
    ]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="no-decks", classes="panel-screen"):
            yield Static(id="no-decks-where")
            yield Markdown(id="no-decks-example", parser_factory=markdown_parser)
            yield Static(id="no-decks-then")
        yield KeyBar()

    async def on_mount(self) -> None:
        ws = self.app.ws  # type: ignore[attr-defined]
        searched = ws.result.searched
        width = max((cell_len(origin) for origin, _ in searched), default=0) + 2
        lines: list[Content] = [
            Content.styled("No decks found", "bold $text-accent"),
            Content(""),
            Content("pyflash looked in:"),
        ]
        for origin, path in searched:
            lines.append(Content.assemble("  ", (origin.ljust(width), "bold"), str(path), (f"  ({_state(path)})", "dim")))
        lines += [Content(""), Content("A deck is a YAML file like this one (save it as python.yaml there):")]
        self.query_one("#no-decks-where", Static).update(Content("\n").join(lines))
        await self.query_one("#no-decks-example", Markdown).update(text.fence(text.EXAMPLE_DECK, "yaml"))
        self.query_one("#no-decks-then", Static).update(
            Content.assemble(
                "Then run ",
                ("pyflash study", "bold"),
                " again, or ",
                ("pyflash study PATH", "bold"),
                " with a deck file or folder.\nSee docs/deck-format.md for every key.",
            )
        )
        self.app.screen_ready()  # type: ignore[attr-defined]

    def action_quit(self) -> None:
        self.app.exit()


def _state(path: Path) -> str:
    if not path.exists():
        return "not found"
    if path.is_file():
        return "not a deck" if path.suffix.lower() not in DECK_SUFFIXES else "no cards"
    return "no deck files"


class HelpScreen(ModalScreen[None]):
    """Every key, per screen."""

    HELP_TITLE = "Help"
    BINDINGS = [
        Binding("escape", "close", "Close", id="pyflash.help.close"),
        Binding("q", "close", "Close", show=False, id="pyflash.help.close-q"),
    ]

    def compose(self) -> ComposeResult:
        with Vertical(id="help-dialog"):
            with VerticalScroll(id="help-body"):
                yield Static(self._text(), id="help-text")
            yield Static(
                Content.assemble(("escape", "bold reverse"), " close  ", ("↑ ↓", "bold reverse"), " scroll"),
                id="help-close",
            )

    def _text(self) -> Content:
        from pyflash.ui.picker import DeckPickerScreen
        from pyflash.ui.study import StudyScreen

        app = self.app
        sections: list[tuple[str, list[tuple[str, str]]]] = []
        for cls in (StudyScreen, DeckPickerScreen, SummaryScreen, NothingDueScreen, NoDecksScreen):
            sections.append((cls.HELP_TITLE, _binding_rows(app, cls.BINDINGS)))
        sections[0][1].append(("↑ ↓ PgUp PgDn", "scroll a long card"))
        sections[0][1].append(("click a grade", "grade it, as its key does"))
        everywhere = _binding_rows(app, type(app).BINDINGS)
        everywhere += [("ctrl+p", "command palette: every action by name"), ("ctrl+q", "quit at once")]
        sections.append(("Everywhere", everywhere))
        width = max(cell_len(k) for _, rows in sections for k, _ in rows) + 3
        out: list[Content] = [
            Content.styled("pyflash keys", "bold $text-accent"),
            Content(
                "Grades: 0 again · 1 wrong · 2 almost · 3 hard · 4 good · 5 easy. "
                "Below 4 the card comes back later today; the grade bar shows each interval."
            ),
        ]
        for title, rows in sections:
            out.append(Content(""))
            out.append(Content.styled(title, "bold underline"))
            for keys, desc in rows:
                pad = " " * (width - cell_len(keys))
                out.append(Content.assemble(("  " + keys + pad, "bold"), desc))
        return Content("\n").join(out)

    def action_close(self) -> None:
        self.dismiss(None)


_KEY_NAMES = {"question_mark": "?", "escape": "escape", "pageup": "PgUp", "pagedown": "PgDn"}


def key_name(binding: Binding) -> str:
    """A key as the help screen spells it: ``space``, ``enter``, ``ctrl+z``, ``?``."""
    return _KEY_NAMES.get(binding.key, binding.key)


def _binding_rows(app, bindings) -> list[tuple[str, str]]:
    rows: dict[str, tuple[list[str], str]] = {}
    for b in Binding.make_bindings(bindings):
        # Keys of one action (or one group, like the grades) share a row.
        row = f"group:{b.group.description}" if b.group else b.action
        desc = f"{b.group.description} the card, once the answer is shown" if b.group else (b.tooltip or b.description)
        keys, desc = rows.get(row, ([], desc))
        keys.append(key_name(b))
        rows[row] = (keys, desc)
    return [(" ".join(k), d) for k, d in rows.values()]


class ConfirmScreen(ModalScreen[bool]):
    """A yes/no question. ``y`` answers yes; ``n``/escape (and enter on Cancel) no."""

    HELP_TITLE = "Confirm"
    AUTO_FOCUS = "#no"
    BINDINGS = [
        Binding("y", "answer(True)", "Yes", id="pyflash.confirm.yes"),
        Binding("n", "answer(False)", "No", id="pyflash.confirm.no"),
        Binding("escape", "answer(False)", "Cancel", show=False, id="pyflash.confirm.cancel"),
    ]

    def __init__(self, title: str, body: str, *, yes: str = "Yes", no: str = "Cancel") -> None:
        super().__init__()
        self._title = title
        self._body = body
        self._yes = yes
        self._no = no

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-dialog"):
            yield Static(Content.styled(self._title, "bold"), id="confirm-title")
            yield Static(self._body, id="confirm-body", markup=False)
            with Center():
                with Horizontal(id="confirm-buttons"):
                    yield Button(f"{self._yes} (y)", id="yes", variant="error")
                    yield Button(f"{self._no} (n)", id="no")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(event.button.id == "yes")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(bool(yes))
