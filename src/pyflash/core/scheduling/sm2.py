"""The classic SuperMemo SM-2 algorithm, exact and pure.

``review(state, grade)`` returns a new :class:`State` and changes nothing in
place. The easiness factor is kept as a whole number of hundredths, so the
arithmetic is exact: ``ceil(125 * 2.8)`` is 350 here, never the 351 that
floats give for ``125 * 2.8000000000000003``.

Choices fixed by pyflash (see docs/scheduling.md):

* grades are the integers 0..5; anything else raises ``ValueError``;
* EF starts at 2.5 and is updated after *every* grade, including failures:
  ``EF + 0.1 - (5-q)*(0.08 + (5-q)*0.02)``, floored at 1.3, no upper cap;
* grade < 3: repetitions = 0 and interval = 1;
* grade >= 3: repetitions += 1 and the interval is 1, then 6, then
  ``ceil(previous_interval * EF)`` using the EF from *before* this grade.
"""

from __future__ import annotations

import numbers
from typing import Any

from pyflash.core.fieldwise import FrozenFieldwise
from pyflash.core.scheduling.easiness import (
    INITIAL_EASINESS,
    MIN_EASINESS,
    MIN_EASINESS_CENTS,
    Easiness,
    to_cents,
)
from pyflash.core.scheduling.grades import Grade

__all__ = [
    "Grade",
    "Easiness",
    "State",
    "INITIAL",
    "initial_state",
    "review",
    "review_cents",
    "check_grade",
    "MIN_EASINESS",
    "INITIAL_EASINESS",
]

class State(FrozenFieldwise):
    """SM-2 state of one card. Immutable; ``review`` returns a new one.

    Written out as a frozen slotted dataclass would generate it (``==``, ``hash``, ``repr``,
    ``FrozenInstanceError`` on assignment, pickling; core/fieldwise.py): the decorator compiled those methods at
    every start (about 3 M instructions; tests/test_sm2.py compares the two).
    """

    __slots__ = ("easiness", "interval", "repetitions")
    __match_args__ = ("easiness", "interval", "repetitions")

    easiness: Easiness  # any real number; kept as an Easiness
    interval: int
    repetitions: int

    def __init__(self, easiness: float = INITIAL_EASINESS, interval: int = 0, repetitions: int = 0) -> None:
        ef = Easiness(easiness)  # first, as the dataclass's __post_init__ did
        if isinstance(interval, bool) or not isinstance(interval, numbers.Integral):
            raise ValueError(f"interval must be a whole number of days, not {interval!r}")
        if isinstance(repetitions, bool) or not isinstance(repetitions, numbers.Integral):
            raise ValueError(f"repetitions must be a whole number, not {repetitions!r}")
        if interval < 0 or repetitions < 0:
            raise ValueError("interval and repetitions cannot be negative")
        setattr = object.__setattr__
        setattr(self, "easiness", ef)
        setattr(self, "interval", int(interval))
        setattr(self, "repetitions", int(repetitions))

    def _values(self) -> tuple[Easiness, int, int]:
        return (self.easiness, self.interval, self.repetitions)

    def __repr__(self) -> str:
        return f"State(easiness={self.easiness!r}, interval={self.interval!r}, repetitions={self.repetitions!r})"

    @property
    def easiness_cents(self) -> int:
        return to_cents(self.easiness)

    def to_dict(self) -> dict[str, int | float]:
        return {
            "easiness": float(self.easiness),
            "interval": self.interval,
            "repetitions": self.repetitions,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> State:
        return cls(
            easiness=data["easiness"],
            interval=data["interval"],
            repetitions=data["repetitions"],
        )


INITIAL = State()


def initial_state() -> State:
    """The state of a card that has never been reviewed."""
    return INITIAL


def check_grade(grade: Any) -> int:
    """Return ``grade`` as an int, or raise ``ValueError`` if it is not 0..5."""
    if type(grade) is int and 0 <= grade <= 5:  # the common case, without the abstract-class check
        return grade
    if isinstance(grade, bool) or not isinstance(grade, numbers.Integral):
        raise ValueError(f"grade must be an integer 0..5, not {grade!r}")
    value = int(grade)
    if not 0 <= value <= 5:
        raise ValueError(f"grade must be an integer 0..5, not {grade!r}")
    return value


def next_easiness_cents(cents: int, grade: int) -> int:
    """EF' = EF + 0.1 - (5-q)*(0.08 + (5-q)*0.02), in hundredths, floored at 1.3."""
    d = 5 - grade
    return max(MIN_EASINESS_CENTS, cents + 10 - d * (8 + d * 2))


def review(state: State, grade: int) -> State:
    """Apply one SM-2 grade and return the new state (``state`` is unchanged)."""
    q = check_grade(grade)
    if not isinstance(state, State):
        raise ValueError(f"state must be a pyflash.core.scheduling.sm2.State, not {type(state).__name__}")
    cents, interval, repetitions = review_cents(state.easiness_cents, state.interval, state.repetitions, q)
    return State(easiness=Easiness.from_cents(cents), interval=interval, repetitions=repetitions)


def review_cents(cents: int, interval: int, repetitions: int, q: int) -> tuple[int, int, int]:
    """:func:`review` on plain numbers: (EF in hundredths, interval, repetitions) after grade ``q``
    (already checked, 0..5), from a valid state's. The store's scheduler calls it directly."""
    if q < 3:
        return next_easiness_cents(cents, q), 1, 0
    repetitions += 1
    if repetitions == 1:
        interval = 1
    elif repetitions == 2:
        interval = 6
    else:
        # ceil(previous_interval * EF), EF from before this grade, exactly.
        interval = -(-interval * cents // 100)
    return next_easiness_cents(cents, q), interval, repetitions
