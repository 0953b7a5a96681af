"""The add form (``n``, or ``pyflash add`` with no ``--q``): a new card, no text editor needed.

The form only collects text: the core plans the card (``Workspace.plan_add``:
where it goes, its id, the YAML appended, checked by the deck loader) and
writes it (``Workspace.add_card``). An invalid card shows the loader's
message under the form and everything typed stays; a bundled deck asks
whether to copy it to the user's deck folder first.
"""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.suggester import SuggestFromList
from textual.widgets import Input, Label, Select, Static, TextArea

from pyflash.core import BundledDeckError, CardDraft, PyflashError
from pyflash.ui.host import host
from pyflash.ui.keybar import KeyBar

# `lang:` values and the TextArea language that highlights them.
_LANGUAGES = {
    "py": "python", "python3": "python", "sh": "bash", "shell": "bash", "zsh": "bash", "console": "bash",
    "js": "javascript", "ts": "javascript", "typescript": "javascript", "yml": "yaml", "md": "markdown",
    "htm": "html", "rs": "rust",
}


class Added(NamedTuple):
    """A card the form wrote: its id, its file and line, and whether a bundled deck was copied for it."""

    card_id: str
    path: Path
    line: int
    copied: bool


def highlight_language(lang: str, available: set[str]) -> str | None:
    """The code editor's language for a card's ``lang`` (None: plain text)."""
    name = lang.strip().lower()
    name = _LANGUAGES.get(name, name)
    return name if name in available else None


def split_tags(text: str) -> tuple[str, ...]:
    """``"python, io  basics"`` -> ``("python", "io", "basics")``."""
    return tuple(text.replace(",", " ").split())


class AddCardScreen(Screen[Added | None]):
    """A form for one card; ctrl+s saves it into the user's decks, escape leaves."""

    HELP_TITLE = "Add a card"
    AUTO_FOCUS = "#add-q"
    BINDINGS = [
        Binding("ctrl+s", "save", "Save", tooltip="Save the card into your decks", id="pyflash.add.save"),
        Binding("escape", "back", "Cancel", tooltip="Leave the form without saving", id="pyflash.add.back"),
    ]

    def __init__(self, draft: CardDraft | None = None) -> None:
        super().__init__()
        self.draft = draft or CardDraft("", "")
        self.saved: Added | None = None

    def compose(self) -> ComposeResult:
        draft = self.draft
        names = host(self).ws.deck_names()
        deck = next((n for n in names if n.casefold() == draft.deck.strip().casefold()), draft.deck)
        yield Static(Content.styled("Add a card", "bold $text-accent"), id="add-title")
        with VerticalScroll(id="add-form"):
            with Horizontal(classes="add-row"):
                yield Label("Deck", classes="add-label")
                yield Select(
                    [(n, n) for n in names], prompt="pick a deck", id="add-deck-list", compact=True,
                    value=deck if deck in names else Select.NULL,
                )
                yield Input(deck, placeholder="or type a name", id="add-deck", compact=True,
                            suggester=SuggestFromList(names, case_sensitive=False))
            yield from self._row(
                "Question", TextArea(draft.q, id="add-q", compact=True, soft_wrap=True, classes="add-short",
                                     placeholder="the question (Markdown)"), tight=True
            )
            yield from self._row("Answer", TextArea(draft.a or "", id="add-a", compact=True, soft_wrap=True, classes="add-medium",
                                   placeholder="the answer (Markdown)"))
            yield from self._row(
                "Code",
                TextArea.code_editor(
                    draft.code or "", id="add-code", compact=True, tab_behavior="focus", classes="add-code",
                    show_line_numbers=False, placeholder="a snippet shown with the question (optional)",
                ),
            )
            with Horizontal(classes="add-row"):
                yield Label("Lang", classes="add-label")
                yield Input(draft.lang or "", placeholder="python", id="add-lang", compact=True)
                yield Label("Output", classes="add-label add-label-right")
                yield TextArea(draft.output or "", id="add-output", compact=True, classes="add-short",
                               placeholder="what the code prints (optional)")
            yield from self._row("Note", Input(draft.note or "", placeholder="shown after the answer (optional)", id="add-note", compact=True), tight=True)
            yield from self._row("Tags", Input(" ".join(draft.tags), placeholder="python io", id="add-tags", compact=True))
        yield Static(id="add-error", markup=False)
        yield KeyBar()

    @staticmethod
    def _row(label: str, field: Input | TextArea, tight: bool = False) -> ComposeResult:
        with Horizontal(classes="add-row -tight" if tight else "add-row"):
            yield Label(label, classes="add-label")
            yield field

    def on_mount(self) -> None:
        self._highlight(self.query_one("#add-lang", Input).value)
        self.query_one("#add-error").display = False
        host(self).screen_ready()

    def _highlight(self, lang: str) -> None:
        code = self.query_one("#add-code", TextArea)
        code.language = highlight_language(lang, set(code.available_languages))

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "add-lang":
            self._highlight(event.value)

    def on_select_changed(self, event: Select.Changed) -> None:
        if event.value is not Select.NULL:
            self.query_one("#add-deck", Input).value = str(event.value)

    # -- saving ---------------------------------------------------------------

    def current_draft(self) -> CardDraft:
        """What the form holds now."""

        def text(selector: str) -> str:
            widget = self.query_one(selector)
            return widget.text if isinstance(widget, TextArea) else widget.value if isinstance(widget, Input) else ""

        return CardDraft(
            text("#add-deck").strip(),
            text("#add-q"),
            a=text("#add-a") or None,
            code=text("#add-code") or None,
            lang=text("#add-lang").strip() or None,
            output=text("#add-output") or None,
            note=text("#add-note") or None,
            tags=split_tags(text("#add-tags")),
            id=self.draft.id,
        )

    def show_error(self, message: str) -> None:
        error = self.query_one("#add-error", Static)
        error.update(message)
        error.display = bool(message)

    def action_save(self, copy_bundled: bool = False) -> None:
        draft = self.current_draft()
        if not draft.deck:
            self.show_error("Pick a deck, or type a name for a new one.")
            self.query_one("#add-deck", Input).focus()
            return
        ws = host(self).ws
        try:
            plan = ws.plan_add(draft, copy_bundled=copy_bundled)
            if plan.copy_from is None or copy_bundled:
                path = ws.add_card(plan)
        except BundledDeckError as exc:
            self._offer_copy(exc)
            return
        except PyflashError as exc:
            self.show_error(str(exc))
            return
        self.saved = Added(plan.card_id, path, plan.line, plan.copy_from is not None)
        self.dismiss(self.saved)

    def _offer_copy(self, exc: BundledDeckError) -> None:
        from pyflash.ui.confirm import ConfirmScreen  # deferred: start-up time (only when asked)

        if exc.folder is None:
            self.show_error(str(exc))
            return

        def done(yes: bool | None) -> None:
            if yes:
                self.action_save(copy_bundled=True)
            else:
                self.show_error(f"Not saved: “{exc.deck}” is bundled with pyflash. Pick another deck, or save again to copy it.")

        self.app.push_screen(
            ConfirmScreen(
                "Copy this deck to add the card?",
                f"“{exc.deck}” is bundled with pyflash: a card added there is lost when pyflash is "
                f"reinstalled. Copy the deck to {exc.folder} and add the card to the copy? The copy "
                "overrides the bundled deck and keeps your review history.",
                yes="Copy and add",
            ),
            done,
        )

    def action_back(self) -> None:
        self.dismiss(None)
