"""Which cards take a typed answer: :func:`can_type` (and the display width it measures).

The study screen asks this for every card it shows, the first one included; the
comparison of what was typed (:mod:`pyflash.core.answers`: its diff, its verdicts)
is imported when an answer is first typed or checked (start-up time:
tests/test_startup_imports.py). :mod:`pyflash.core.answers` re-exports these names.
"""

from __future__ import annotations

import unicodedata
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pyflash.core.decks.model import Card

__all__ = ["SHORT_ANSWER", "can_type", "is_short_answer", "width"]

SHORT_ANSWER = 80  # display columns: the longest answer a `type: true` card may have
_WIDE = frozenset("WF")


def width(text: str) -> int:
    """Display columns of ``text``: a wide (CJK) character counts 2, a combining mark 0."""
    n = 0
    for ch in text:
        if unicodedata.combining(ch):
            continue
        n += 2 if unicodedata.east_asian_width(ch) in _WIDE else 1
    return n


def is_short_answer(text: str | None) -> bool:
    """True for an answer a ``type: true`` card can check: one line of at most :data:`SHORT_ANSWER` columns."""
    if text is None or not text.strip():
        return False
    line = text.strip()
    return "\n" not in line and width(line) <= SHORT_ANSWER


def can_type(card: Card) -> bool:
    """True when the card's answer can be typed and checked: an output card, a q/a card with
    ``type: true``, or a cloze card with ``type: true`` (its hidden text). Never a reverse card."""
    if card.variant == "r":
        return False
    if card.output is not None:
        return True
    if card.cloze is not None:
        return card.type_in
    return card.type_in and is_short_answer(card.a)
