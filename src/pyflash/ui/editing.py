"""Editing a card in ``$EDITOR``, then reading the decks again: one flow for every screen.

:class:`EditsCards` is mixed into a screen (the study screen, the browser).
``await self.edit_card(card)`` checks that an editor is set, offers to copy a
bundled deck to the user's deck folder first (a bundled deck is never edited
in place), opens the card's file at its line, and reads the deck files again
in a thread worker (:mod:`pyflash.ui.reload`). Once they are read, the screen's
:meth:`~EditsCards.reload_after_edit` applies them (on the event loop, where
the store lives) and shows the result.
"""

from __future__ import annotations

import os
import subprocess

from textual import work
from textual.app import SuspendNotSupported
from textual.worker import get_current_worker

from pyflash.core import Card, LoadResult, PyflashError
from pyflash.core.decks import override
from pyflash.ui import text
from pyflash.ui.host import ScreenMixin, host
from pyflash.ui.reload import DecksRead, DecksReadFailed, read_decks


class EditsCards(ScreenMixin):
    """The edit flow (``e``), for a screen; the screen implements :meth:`reload_after_edit`."""

    _edited: Card | None = None  # the card whose file is being read again after `e`

    async def edit_card(self, card: Card) -> None:
        """Edit ``card`` in $EDITOR (a bundled deck: offer a copy first), then reload."""
        if text.editor_command(card.path, card.line, host(self).environ) is None:
            self.notify("Set $EDITOR (for example `export EDITOR=nano`) to edit cards.", severity="error")
            return
        ws = host(self).ws
        if override.is_bundled(ws.result, card.path):
            self._offer_copy(card)
            return
        await self._edit(card)

    def _offer_copy(self, card: Card) -> None:
        """A bundled deck is never edited in place: offer to copy it to the user's deck folder first."""
        from pyflash.ui.confirm import ConfirmScreen  # deferred: start-up time (not on the first card)

        ws = host(self).ws
        folder = override.user_folder(ws.locations)
        if folder is None:
            self.notify("This deck is bundled with pyflash and there is no deck folder to copy it to.", severity="error")
            return

        async def done(yes: bool | None) -> None:
            if not yes:
                self.notify("Nothing copied; the bundled deck is unchanged.", timeout=3)
                return
            try:
                copies = override.copy_bundled_deck(ws.result, card.deck, folder)
            except PyflashError as exc:
                self.notify(str(exc), title="Not copied", severity="error", timeout=10)
                return
            copy = copies.get(card.path)
            if copy is None:
                return
            self.notify(f"Copied to {copy}; it overrides the bundled deck.", timeout=4)
            await self._edit(card._replace(path=str(copy)))

        self.app.push_screen(
            ConfirmScreen(
                "Copy this deck to edit it?",
                f"“{card.deck}” is bundled with pyflash: an edit there is lost when pyflash is "
                f"reinstalled. Copy it to {folder} and edit the copy? The copy overrides the "
                "bundled deck and keeps your review history.",
                yes="Copy and edit",
            ),
            done,
        )

    async def _edit(self, card: Card) -> None:
        """Open ``card``'s file at its line in $EDITOR, then read the decks again."""
        command = text.editor_command(card.path, card.line, host(self).environ)
        if command is None:
            return
        if not os.access(card.path, os.W_OK):
            self.notify(f"{card.path} is read-only; your changes may not be saved.", severity="warning")
        try:
            with self.app.suspend():
                rc = _run_editor(command)
        except SuspendNotSupported:  # headless (tests): run it anyway
            rc = _run_editor(command)
        if rc is None:
            self.notify(f"Cannot start the editor `{command[0]}`; check $EDITOR.", severity="error")
            return
        self._edited = card
        self._read_decks()

    @property
    def reloading(self) -> bool:
        """True from the end of an edit until the decks are reloaded (or failed to)."""
        return self._edited is not None

    @work(thread=True, exclusive=True, group="reload")
    def _read_decks(self) -> None:
        worker = get_current_worker()
        read_decks(host(self).ws, self.post_message, lambda: worker.is_cancelled)

    async def on_decks_read(self, message: DecksRead) -> None:
        message.stop()
        card = self._edited
        if card is None:
            return
        try:
            await self.reload_after_edit(card, message.result)
        finally:
            self._edited = None

    def on_decks_read_failed(self, message: DecksReadFailed) -> None:
        message.stop()
        self._edited = None
        self.notify(message.error, title="Reload failed", severity="error", timeout=10)

    async def reload_after_edit(self, card: Card, result: LoadResult | None = None) -> None:
        """Apply the decks read after ``card`` was edited (the screen shows the outcome)."""
        raise NotImplementedError

    def apply_reload(self, card: Card, result: LoadResult | None) -> tuple[str | None, str | None] | None:
        """Apply the decks read after ``card`` was edited (or read them now), for :meth:`reload_after_edit`.

        Returns the first error in the card's file (None if there is none) and the key the card has
        now (None if it is gone); None, said in a notification, when the decks could not be reloaded.
        """
        ws = host(self).ws
        try:
            report = ws.reload(result, edited=card)
        except PyflashError as exc:
            self.notify(str(exc), title="Reload failed", severity="error", timeout=10)
            return None
        error = next((str(e) for e in ws.result.errors if e.path == card.path), None)
        return error, ws.successor(card, report)


def _run_editor(command: list[str]) -> int | None:
    try:
        return subprocess.run(command, check=False).returncode
    except OSError:
        return None
