"""The answer box of typed answers (a TextArea), imported when typing starts: TextArea costs start-up time."""

from __future__ import annotations

from textual import events
from textual.binding import Binding
from textual.message import Message
from textual.widgets import TextArea


class AnswerArea(TextArea):
    """The answer box. Enter submits when the answer is one line; ctrl+enter, ctrl+j or ctrl+s always do."""

    BINDINGS = [
        Binding("ctrl+enter", "submit", "Check", key_display="ctrl+enter/^s", id="pyflash.typing.submit"),
        Binding("ctrl+s", "submit", "Check", show=False, id="pyflash.typing.submit-s"),
        Binding("ctrl+j", "submit", "Check", show=False, id="pyflash.typing.submit-j"),
        Binding("escape", "cancel", "Question", tooltip="Back to the question", id="pyflash.typing.cancel"),
    ]

    class Submitted(Message):
        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    class Cancelled(Message):
        pass

    def __init__(self, *, one_line: bool, rows: int, id: str | None = None) -> None:
        super().__init__(id=id, soft_wrap=True, show_line_numbers=False, tab_behavior="focus")
        self.one_line = one_line
        self.styles.height = rows + 2  # and the frame

    async def _on_key(self, event: events.Key) -> None:
        if event.key == "enter" and self.one_line:
            event.stop()
            event.prevent_default()
            self.action_submit()
            return
        await super()._on_key(event)

    def action_submit(self) -> None:
        self.post_message(self.Submitted(self.text))

    def action_cancel(self) -> None:
        self.post_message(self.Cancelled())
