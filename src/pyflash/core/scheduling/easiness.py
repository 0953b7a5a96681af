"""The easiness factor (EF) of SM-2, exact to the hundredth: :class:`Easiness`.

Its own small module so that the store (whose ``CardState`` holds one) loads
it without the rest of the SM-2 engine.
"""

from __future__ import annotations

import numbers
import sys
from typing import TYPE_CHECKING, Any, TypeGuard

if TYPE_CHECKING:
    from decimal import Decimal
    from fractions import Fraction

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
        return cls.from_cents(to_cents(value))

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


def to_cents(easiness: Any) -> int:
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
