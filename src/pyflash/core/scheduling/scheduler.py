"""The :class:`Scheduler` protocol: how a grade changes a stored card.

A study session talks to its scheduler only through this protocol, so a
second algorithm (FSRS) is one more class beside
:class:`~pyflash.core.scheduling.schedule.SM2Scheduler`. Like py-fsrs, a
scheduler is pure: it returns new values and changes nothing in place; the
session writes them to the store.
"""

# No `from __future__ import annotations` here: a NamedTuple's string annotations are compiled one
# by one at import, at every start (tests/test_startup_imports.py).
from datetime import datetime
from typing import NamedTuple, Protocol

from pyflash.core.review.store import CardState
from pyflash.core.scheduling.states import ReviewKind


class GradePreview(NamedTuple):
    """What a grade would do to the current card, for the grade bar."""

    grade: int
    label: str
    interval: int  # days until due
    again_today: bool  # the card comes back later in this session

    @property
    def short(self) -> str:
        return "today" if self.interval == 0 else f"{self.interval}d"


class Review(NamedTuple):
    """The outcome of one grade: the card's new state, and what kind of grade it was."""

    after: CardState
    kind: ReviewKind  # REVIEW: the schedule changed; REPEAT: a same-day grade, logged only
    again_today: bool  # the card comes back later today


class Scheduler(Protocol):
    """A scheduling algorithm over stored card states.

    ``card`` is the card's current state: a stored row, or a fresh
    ``CardState(key, deck, text)`` for a card never reviewed (``due_day`` is
    None). ``day`` is the study day (``pyflash.core.clock.local_day``).
    """

    def preview(self, card: CardState, grade: int, day: int) -> GradePreview:
        """What ``grade`` would do to ``card`` on ``day``, changing nothing."""
        ...

    def review(self, card: CardState, grade: int, *, day: int, now: datetime) -> Review:
        """The card's new state after ``grade`` at ``now`` (study day ``day``).

        Raises ``ValueError`` for a grade the scheduler does not know.
        """
        ...

    def relearn_today(self, card: CardState, day: int) -> bool:
        """True when ``card``, graded earlier on ``day``, must come back that day."""
        ...
