"""A yes/no dialog (suspending a card, or unsuspending a deck, asks first)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Center, Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Static


class ConfirmScreen(ModalScreen[bool]):
    """A yes/no question. ``y`` answers yes; escape (and enter on Cancel) no.

    ``n`` is not "no" here: one key means one thing on every screen, and ``n``
    is "add a card"."""

    HELP_TITLE = "Confirm"
    AUTO_FOCUS = "#no"
    BINDINGS = [
        Binding("y", "answer(True)", "Yes", id="pyflash.confirm.yes"),
        Binding("escape", "answer(False)", "Cancel", id="pyflash.confirm.cancel"),
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
                    yield Button(f"{self._no} (esc)", id="no")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(event.button.id == "yes")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(bool(yes))
