"""SM-2 over stored cards: the :class:`Scheduler` pyflash uses today.

Same-day rule (from the SM-2 text): only the *first* grade of a day changes
the SM-2 state. A card graded below 4 comes back later that day until it
gets 4 or 5; those repeat grades are logged but leave the schedule alone.
Days are study days (see :mod:`pyflash.core.clock`), so ``due_day = day + interval``.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from pyflash.core.review.store import CardState, utc_now_iso
from pyflash.core.scheduling import sm2
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
        """The stored state after ``grade``. Pure: nothing is written here."""
        g = sm2.check_grade(grade)
        ts = utc_now_iso(now)
        if _graded_today(card, day):
            # A repeat on the same day: log it, keep the schedule.
            return Review(replace(card, last_review=ts, last_grade=g), ReviewKind.REPEAT, g < PASS_FOR_TODAY)
        new = sm2.review(state_of(card), g)
        after = replace(
            card,
            easiness=sm2.Easiness(new.easiness),
            interval=new.interval,
            repetitions=new.repetitions,
            due_day=day + new.interval,
            buried_until=None,
            last_review=ts,
            last_day=day,
            last_grade=g,
            first_day=card.first_day if card.first_day is not None else day,
        )
        return Review(after, ReviewKind.REVIEW, g < PASS_FOR_TODAY)

    def relearn_today(self, card: CardState, day: int) -> bool:
        """A card graded below 4 today comes back until it gets a 4 or 5."""
        return card.last_day == day and card.last_grade is not None and card.last_grade < PASS_FOR_TODAY


SM2 = SM2Scheduler()
"""The default scheduler."""
