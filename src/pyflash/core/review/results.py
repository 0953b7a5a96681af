"""The values a study session hands out: queue items, counts, grade outcomes, the summary."""

from __future__ import annotations

from typing import NamedTuple

from pyflash.core.decks.model import Card
from pyflash.core.scheduling.states import QueueKind, ReviewKind


class QueueItem(NamedTuple):
    """A card in today's queue, and why it is there."""

    card: Card
    kind: QueueKind


class QueueCounts(NamedTuple):
    """How many queued cards are new, back for relearning, and due reviews."""

    new: int
    relearn: int
    review: int

    @property
    def total(self) -> int:
        return self.new + self.relearn + self.review


class GradeOutcome(NamedTuple):
    """What :meth:`StudySession.grade` did."""

    card: Card
    grade: int
    kind: ReviewKind  # REVIEW, REPEAT or CRAM
    again_today: bool
    due_day: int | None
    review_id: int | None


class Summary(NamedTuple):
    """The figures of a finished session."""

    reviewed: int  # grades given
    cards: int  # distinct cards graded
    seconds: float
    grades: dict[int, int]
    relearned: int  # cards that came back for relearning
    next_due_day: int | None
    today: int
