"""SM-2 over stored cards: the :class:`Scheduler` pyflash uses today.

Same-day rule (from the SM-2 text): only the *first* grade of a day changes
the SM-2 state. A card graded below 4 comes back later that day until it
gets 4 or 5; those repeat grades are logged but leave the schedule alone.
Days are study days (see :mod:`pyflash.core.clock`), so ``due_day = day + interval``.
"""

from __future__ import annotations

from datetime import datetime

from pyflash.core.review.store import CardState, utc_now_iso
from pyflash.core.scheduling import sm2
from pyflash.core.scheduling.easiness import INITIAL_EASINESS_CENTS, Easiness, to_cents
from pyflash.core.scheduling.grades import GRADES
from pyflash.core.scheduling.scheduler import GradePreview, Review
from pyflash.core.scheduling.states import ReviewKind

PASS_FOR_TODAY = 4  # a grade below this brings the card back today


def state_of(card: CardState | None) -> sm2.State:
    """The SM-2 state of a stored card (the initial state for a new one)."""
    if card is None or card.due_day is None:
        return sm2.initial_state()
    return sm2.State(easiness=card.easiness, interval=card.interval, repetitions=card.repetitions)


def _graded_today(card: CardState, day: int) -> bool:
    return card.last_day == day and card.due_day is not None


class SM2Scheduler:
    """Exact SM-2 (:mod:`pyflash.core.scheduling.sm2`) with pyflash's same-day rule."""

    def preview(self, card: CardState, grade: int, day: int) -> GradePreview:
        """What ``grade`` would do to ``card`` on ``day``: its interval and whether it comes back today."""
        g = sm2.check_grade(grade)
        again = g < PASS_FOR_TODAY
        if _graded_today(card, day):
            assert card.due_day is not None  # checked by _graded_today
            interval = 0 if again else max(0, card.due_day - day)
        else:
            interval = sm2.review(state_of(card), g).interval
        return GradePreview(g, GRADES[g].label, interval, again)

    def review(self, card: CardState, grade: int, *, day: int, now: datetime) -> Review:
        """The stored state after ``grade``. Pure: nothing is written here.

        The new state is built field by field (see :func:`_graded`), not by ``dataclasses.replace``:
        a sync's replay re-grades thousands of cards, and replace looks the fields up on every call."""
        g = sm2.check_grade(grade)
        ts = utc_now_iso(now)
        if _graded_today(card, day):
            # A repeat on the same day: log it, keep the schedule.
            return Review(_repeated(card, ts, g), ReviewKind.REPEAT, g < PASS_FOR_TODAY)
        interval, repetitions = card.interval, card.repetitions
        if card.due_day is None:
            cents, interval, repetitions = sm2.review_cents(INITIAL_EASINESS_CENTS, 0, 0, g)
        elif type(interval) is int and type(repetitions) is int and interval >= 0 and repetitions >= 0:
            cents, interval, repetitions = sm2.review_cents(to_cents(card.easiness), interval, repetitions, g)
        else:  # not a plain SM-2 state: sm2.State checks it (and says what is wrong)
            new = sm2.review(state_of(card), g)
            cents, interval, repetitions = new.easiness_cents, new.interval, new.repetitions
        after = _graded(card, Easiness.from_cents(cents), interval, repetitions, day, ts, g)
        return Review(after, ReviewKind.REVIEW, g < PASS_FOR_TODAY)

    def relearn_today(self, card: CardState, day: int) -> bool:
        """A card graded below 4 today comes back until it gets a 4 or 5."""
        return card.last_day == day and card.last_grade is not None and card.last_grade < PASS_FOR_TODAY


# CardState's fields in order (tests/test_sm2_fast.py checks them: a new field must be added here too).
def _repeated(card: CardState, ts: str, grade: int) -> CardState:
    """``replace(card, last_review=ts, last_grade=grade)``."""
    return CardState(
        card.key, card.deck, card.text, card.easiness, card.interval, card.repetitions, card.due_day, card.suspended,
        card.buried_until, ts, card.last_day, grade, card.first_day, card.memory, card.leech,
    )


def _graded(card: CardState, easiness: Easiness, interval: int, repetitions: int, day: int, ts: str, grade: int) -> CardState:
    """``card`` with a new SM-2 schedule from a first-of-the-day grade on ``day``; unburied."""
    return CardState(
        card.key, card.deck, card.text, easiness, interval, repetitions, day + interval, card.suspended,
        None, ts, day, grade, card.first_day if card.first_day is not None else day, card.memory, card.leech,
    )


SM2 = SM2Scheduler()
"""The default scheduler."""
