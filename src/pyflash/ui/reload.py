"""Reading the deck files again, off the event loop (the picker's ``r``, the study screen's ``e``).

A screen runs :func:`read_decks` in a Textual thread worker. It reads and
parses every deck file (``Workspace.read_decks``, which touches no store) and
posts the outcome back as a message: :class:`DecksRead` with the result, or
:class:`DecksReadFailed` with the one-line error (a deck folder given as PATH
that was deleted, say). On ``DecksRead`` the screen calls
``Workspace.reload(result)`` on the event loop, where the review store's
SQLite connection lives, to relink edited cards.
"""

from __future__ import annotations

from collections.abc import Callable

from textual.message import Message

from pyflash.core import LoadResult, PyflashError, Workspace


class DecksRead(Message):
    """The deck files were read again without a fault; ``ws.reload(result)`` applies them."""

    def __init__(self, result: LoadResult) -> None:
        super().__init__()
        self.result = result


class DecksReadFailed(Message):
    """The deck files could not be read again; ``error`` says why, in one line."""

    def __init__(self, error: str) -> None:
        super().__init__()
        self.error = error


def read_decks(ws: Workspace, post: Callable[[Message], object], cancelled: Callable[[], bool]) -> None:
    """Read ``ws``'s deck files (in a worker thread), then post the outcome with ``post``.

    Touches files only, never the store, so it is safe off the event loop.
    Posts nothing if ``cancelled()`` (a newer reload replaced this one).
    """
    message: Message
    try:
        result = ws.read_decks()
    except (PyflashError, OSError) as exc:
        message = DecksReadFailed(str(exc))
    else:
        message = DecksRead(result)
    if not cancelled():
        post(message)
