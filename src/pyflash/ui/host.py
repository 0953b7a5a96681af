"""What the screens may ask of the app: the one direction of navigation.

The app module imports every screen; a screen never imports the app or another
screen. It calls the app through :class:`Host` (``host(self)``) instead: to
start a session, to show the picker, a summary, a card again or the add form, and to say that
it has painted.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Protocol, cast

from textual.dom import DOMNode

if TYPE_CHECKING:
    from textual.screen import Screen

    ScreenMixin = Screen[None]
else:
    # The base of a screen's mixins (typing, editing): a plain class at run time, as each
    # Screen subclass costs about 0.5 ms to create (Textual's __init_subclass__; start-up time).
    # A screen lists Screen itself last among its bases.
    ScreenMixin = object

from pyflash.core import StudySession, Workspace


class Host(Protocol):
    """The navigation methods of :class:`pyflash.ui.app.PyflashApp`."""

    ws: Workspace
    environ: Mapping[str, str]  # the environment the CLI was started with

    def start_session(
        self,
        deck: str | None,
        *,
        push: bool = False,
        cram: bool | None = None,
        extra_new: int = 0,
        extra_reviews: int = 0,
    ) -> None:
        """Open a study session on ``deck`` (None: all decks)."""

    def study(self, session: StudySession) -> None:
        """Show ``session``'s current card (after an undo on the summary)."""

    def show_summary(self, session: StudySession) -> None:
        """Replace the study screen with ``session``'s summary."""

    def show_picker(self) -> None:
        """Go back to the deck picker."""

    def open_browser(self, query: str = "", key: str | None = None) -> None:
        """Open the card browser on ``query``, with the cursor on the card ``key``."""

    def study_cards(self, keys: list[str]) -> bool:
        """Study just these cards now (from the browser); False when none can be studied."""

    def show_stats(self, deck: str | None) -> None:
        """Open the stats screen on ``deck`` (None: all decks)."""

    def add_card(self, deck: str | None = None) -> None:
        """Open the add form; after a save the decks are read again."""

    def screen_ready(self) -> None:
        """Called by each screen once its content is painted."""

    def quit_app(self) -> None:
        """Quit pyflash (after a last sync when ``sync.auto`` is on)."""

    def sync_status(self) -> str | None:
        """When the last sync was, or what the running one does; None when sync is not set up."""


def host(node: DOMNode) -> Host:
    """The app that runs ``node``, as the screens see it."""
    return cast(Host, node.app)
