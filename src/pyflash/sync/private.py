"""What leaves the machine: review events without the cards' text (docs/sync.md, "What is shared").

The store keeps each card's text (its question) in its state, for re-linking
edited cards, so an event's ``before``/``after`` states and a relink carry it.
Unless ``sync.include_decks`` is set, that text is left out of the event files:
the other devices have the decks themselves, and the repository then holds
no deck text.
"""

from __future__ import annotations

from pyflash.core.events.lines import without_text

__all__ = ["without_text"]
