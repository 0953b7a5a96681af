"""What leaves the machine: review events without the cards' text (docs/sync.md, "What is shared").

The store keeps each card's text (its question) in its state, for re-linking
edited cards, so an event's ``before``/``after`` states and a relink carry it.
Unless ``sync.include_decks`` is set, that text is left out of the event files:
the other devices have the decks themselves, and the repository then holds
no deck text.
"""

from __future__ import annotations

from typing import Any

from pyflash.core.events import Event

__all__ = ["without_text"]


def without_text(event: Event) -> Event:
    """``event`` with no card text in its states or its relink data."""
    data: dict[str, Any] | None = None
    for name in ("before", "after"):
        state = event.data.get(name)
        if isinstance(state, dict) and "text" in state:
            data = dict(event.data) if data is None else data
            data[name] = {k: v for k, v in state.items() if k != "text"}
    if event.kind == "relink" and "text" in event.data:
        data = dict(event.data) if data is None else data
        del data["text"]
    if data is None:
        return event
    # Event(...) rather than dataclasses.replace: a sync sends thousands (replace looks the fields up each time)
    return Event(event.id, event.device, event.seq, event.ts, event.card, event.kind, data)
