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
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeGuard

from pyflash.core.scheduling.grades import Grade

if TYPE_CHECKING:
    from decimal import Decimal
    from fractions import Fraction

__all__ = [
    "Grade",
    "Easiness",
    "State",
    "INITIAL",
    "initial_state",
    "review",
    "check_grade",
    "MIN_EASINESS",
    "INITIAL_EASINESS",
]

INITIAL_EASINESS_CENTS = 250
MIN_EASINESS_CENTS = 130


class Easiness(float):
    """An easiness factor (EF): a float that is exactly a multiple of 0.01.

    pyflash's one representation of EF, everywhere in Python code: the store's
    ``CardState`` holds one too. Only the SQLite columns and the JSON of the
    review log hold whole hundredths (:attr:`cents`).

    ``Easiness(2.8000000000000003)`` is 2.8 (float noise snapped away), and it
    behaves as the float nearest to the exact decimal (so ``== 2.9`` works),
    while comparing and subtracting exactly against ``Decimal`` and ``Fraction``.
    """

    __slots__ = ()

    def __new__(cls, value: Any = 2.5) -> Easiness:
        return cls.from_cents(_to_cents(value))

    @classmethod
    def from_cents(cls, cents: int) -> Easiness:
        """The EF of ``cents`` hundredths (250 -> 2.5), as stored in SQLite."""
        if isinstance(cents, bool) or not isinstance(cents, int):
            raise ValueError(f"easiness hundredths must be a whole number, not {cents!r}")
        return super().__new__(cls, cents / 100)

    @property
    def cents(self) -> int:
        """Whole hundredths (2.5 -> 250): the form written to SQLite."""
        return round(float(self) * 100)

    def __getnewargs__(self) -> tuple[float]:  # copy and pickle pass the value to __new__
        return (float(self),)

    def as_fraction(self) -> Fraction:
        from fractions import Fraction  # deferred: start-up time (only for exact arithmetic)

        return Fraction(self.cents, 100)

    def as_decimal(self) -> Decimal:
        from decimal import Decimal  # deferred: start-up time (only for exact arithmetic)

        return Decimal(self.cents).scaleb(-2)

    def __eq__(self, other: object) -> bool:
        if _is_decimal(other) or _is_fraction(other):
            from fractions import Fraction  # deferred: start-up time (already imported by the caller)

            return self.as_fraction() == Fraction(other)
        return float(self) == other

    def __ne__(self, other: object) -> bool:
        return not self.__eq__(other)

    __hash__ = float.__hash__

    def __sub__(self, other: Any) -> Any:
        if _is_decimal(other):
            return self.as_decimal() - other
        if _is_fraction(other):
            return self.as_fraction() - other
        return float(self) - other

    def __rsub__(self, other: Any) -> Any:
        if _is_decimal(other):
            return other - self.as_decimal()
        if _is_fraction(other):
            return other - self.as_fraction()
        return other - float(self)

    def __repr__(self) -> str:
        return repr(float(self))


def _is_decimal(value: object) -> TypeGuard[Decimal]:
    # decimal and fractions are imported only when a caller already has them.
    module = sys.modules.get("decimal")
    return module is not None and isinstance(value, module.Decimal)


def _is_fraction(value: object) -> TypeGuard[Fraction]:
    module = sys.modules.get("fractions")
    return module is not None and isinstance(value, module.Fraction)


def _to_cents(easiness: Any) -> int:
    """Hundredths of an easiness factor, snapping float noise away."""
    if isinstance(easiness, Easiness):
        return easiness.cents
    if isinstance(easiness, bool) or not (isinstance(easiness, numbers.Real) or _is_decimal(easiness)):
        raise ValueError(f"easiness must be a number, not {easiness!r}")
    if isinstance(easiness, (int, float)):
        return int(round(easiness * 100))  # snaps float noise: 2.8000000000000003 -> 280
    from fractions import Fraction  # deferred: start-up time (only for Decimal or Fraction input)

    if _is_decimal(easiness):
        exact = Fraction(easiness)
    elif isinstance(easiness, numbers.Rational):
        exact = Fraction(easiness)
    else:
        exact = Fraction(float(easiness))
    return int(round(exact * 100))


INITIAL_EASINESS = Easiness.from_cents(INITIAL_EASINESS_CENTS)
MIN_EASINESS = Easiness.from_cents(MIN_EASINESS_CENTS)


@dataclass(frozen=True, slots=True)
class State:
    """SM-2 state of one card. Immutable; ``review`` returns a new one."""

    easiness: float = INITIAL_EASINESS  # any real number; kept as an Easiness
    interval: int = 0
    repetitions: int = 0

    def __post_init__(self) -> None:
        object.__setattr__(self, "easiness", Easiness(self.easiness))
        if isinstance(self.interval, bool) or not isinstance(self.interval, numbers.Integral):
            raise ValueError(f"interval must be a whole number of days, not {self.interval!r}")
        if isinstance(self.repetitions, bool) or not isinstance(self.repetitions, numbers.Integral):
            raise ValueError(f"repetitions must be a whole number, not {self.repetitions!r}")
        if self.interval < 0 or self.repetitions < 0:
            raise ValueError("interval and repetitions cannot be negative")
        object.__setattr__(self, "interval", int(self.interval))
        object.__setattr__(self, "repetitions", int(self.repetitions))

    @property
    def easiness_cents(self) -> int:
        return _to_cents(self.easiness)

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
    cents = state.easiness_cents
    if q < 3:
        repetitions = 0
        interval = 1
    else:
        repetitions = state.repetitions + 1
        if repetitions == 1:
            interval = 1
        elif repetitions == 2:
            interval = 6
        else:
            # ceil(previous_interval * EF), EF from before this grade, exactly.
            interval = -(-state.interval * cents // 100)
    return State(
        easiness=Easiness.from_cents(next_easiness_cents(cents, q)),
        interval=interval,
        repetitions=repetitions,
    )
