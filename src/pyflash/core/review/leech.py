"""Leeches: cards that keep lapsing (docs/scheduling.md).

A *lapse* is a first-of-the-day grade below 3 of a card that had passed since
it was last failed (its SM-2 repetition count was above 0 before the grade).
The grade that brings a card's lapses to ``leech_threshold`` makes it a
leech: its state row is marked (``leech``) and, when the deck's
``leech_action`` is ``"suspend"``, suspended, in the grade's own transaction.
So undoing that grade (which puts back the state before it) removes the mark
and the suspension with it. The YAML never changes.
"""

from __future__ import annotations

from dataclasses import replace

from pyflash.core.config import Config
from pyflash.core.review.records import CardState
from pyflash.core.review.store import Store
from pyflash.core.scheduling.states import ReviewKind

LAPSE_BELOW = 3  # a grade below this, on a card that had passed, is a lapse


def is_lapse(before: CardState | None, grade: int, kind: str) -> bool:
    """Whether grading ``before`` with ``grade`` (a log row of ``kind``) is a lapse."""
    return before is not None and kind == ReviewKind.REVIEW and grade < LAPSE_BELOW and before.repetitions > 0


def apply(
    store: Store, config: Config, before: CardState | None, after: CardState, grade: int, kind: str
) -> tuple[CardState, str | None]:
    """``after`` as it is to be stored, and the leech action taken (None: the card did not just become a leech).

    The log is counted only for a lapse of a card not marked yet (an index look-up).
    """
    if before is None or before.leech or not is_lapse(before, grade, kind):
        return after, None
    if store.lapses(after.key) + 1 < config.leech_threshold:
        return after, None
    action = config.leech_action_for(after.deck)
    return replace(after, leech=True, suspended=after.suspended or action == "suspend"), action
