"""Days, the clock, and how one grade changes a stored card.

The study day rolls over at a configurable local hour (04:00 by default, as
in Anki): a review at 01:30 on Tuesday still belongs to Monday. Days are
proleptic ordinals (``date.toordinal()``), so ``due_day = day + interval``.

Same-day rule (from the SM-2 text): only the *first* grade of a day changes
the SM-2 state. A card graded below 4 comes back later that day until it
gets 4 or 5; those repeat grades are logged but leave the schedule alone.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from typing import NamedTuple

from pyflash.core.clock import Clock, local_day, system_clock  # noqa: F401  (re-exported)
from pyflash.core.review.store import CardState, utc_now_iso
from pyflash.core.scheduling import sm2

PASS_FOR_TODAY = 4  # a grade below this brings the card back today


def day_to_date(day: int) -> date:
    return date.fromordinal(day)


def state_of(row: CardState | None) -> sm2.State:
    if row is None or row.due_day is None:
        return sm2.initial_state()
    return sm2.State(
        easiness=sm2.Easiness(row.easiness), interval=row.interval, repetitions=row.repetitions
    )


class GradeResult(NamedTuple):
    before: CardState | None
    after: CardState
    kind: str  # "review": the first grade today, SM-2 applied; "repeat": same-day
    again_today: bool


def apply_grade(
    row: CardState | None,
    *,
    key: str,
    deck: str,
    text: str,
    grade: int,
    now: datetime,
    day: int,
) -> GradeResult:
    """The stored state after ``grade``. Pure: nothing is written here."""
    g = sm2.check_grade(grade)
    base = row or CardState(key=key, deck=deck, text=text)
    ts = utc_now_iso(now)
    if row is not None and row.last_day == day and row.due_day is not None:
        # A repeat on the same day: log it, keep the schedule.
        after = replace(base, deck=deck, text=text, last_review=ts, last_grade=g)
        kind = "repeat"
    else:
        new = sm2.review(state_of(row), g)
        after = replace(
            base,
            deck=deck,
            text=text,
            easiness=new.easiness_cents,
            interval=new.interval,
            repetitions=new.repetitions,
            due_day=day + new.interval,
            buried_until=None,
            last_review=ts,
            last_day=day,
            last_grade=g,
            first_day=base.first_day if base.first_day is not None else day,
        )
        kind = "review"
    return GradeResult(row, after, kind, g < PASS_FOR_TODAY)


class GradePreview(NamedTuple):
    """What a grade would do to the current card, for the grade bar."""

    grade: int
    label: str
    interval: int  # days until due
    again_today: bool  # the card comes back later in this session

    @property
    def short(self) -> str:
        return "today" if self.interval == 0 else f"{self.interval}d"


def preview(row: CardState | None, grade: int, day: int) -> GradePreview:
    g = sm2.check_grade(grade)
    again = g < PASS_FOR_TODAY
    if row is not None and row.last_day == day and row.due_day is not None:
        interval = 0 if again else max(0, row.due_day - day)
    else:
        interval = sm2.review(state_of(row), g).interval
    return GradePreview(g, sm2.GRADE_LABELS[g], interval, again)
