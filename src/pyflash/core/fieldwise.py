"""``==`` and ``repr`` field by field, for the few mutable classes on the start-up path.

They were dataclasses; the decorator cost every start 1.5-2 M instructions each
(docs/benchmarks.md, branch startup3). A class lists its fields in ``_FIELDS``;
like the dataclasses, it compares equal to an object of the same class with
equal fields, and is unhashable (mutable).
"""

from dataclasses import FrozenInstanceError


class Fieldwise:
    """``==``, ``repr`` and no hash, over the attributes named in ``_FIELDS``."""

    __slots__ = ()
    _FIELDS: tuple[str, ...] = ()

    def _values(self) -> tuple[object, ...]:
        return tuple(getattr(self, name) for name in self._FIELDS)

    def __eq__(self, other: object) -> bool:
        if other.__class__ is self.__class__:
            return self._values() == other._values()
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]  # mutable, as the dataclasses were

    def __repr__(self) -> str:
        return f"{type(self).__name__}(" + ", ".join(f"{name}={getattr(self, name)!r}" for name in self._FIELDS) + ")"


class FrozenFieldwise(Fieldwise):
    """As a frozen slotted dataclass: ``==`` and ``hash`` over ``_values()``, no assignment, pickling.

    A subclass defines ``__slots__`` (its fields, in order) and may write ``_values`` out for speed.
    """

    __slots__ = ()

    def __hash__(self) -> int:  # type: ignore[override]  # Fieldwise's None: these are immutable
        return hash(self._values())

    def __setattr__(self, name: str, value: object) -> None:
        raise FrozenInstanceError(f"cannot assign to field {name!r}")

    def __delattr__(self, name: str) -> None:
        raise FrozenInstanceError(f"cannot delete field {name!r}")

    def __getstate__(self) -> tuple[object, ...]:
        return self._values()

    def __setstate__(self, state: tuple[object, ...]) -> None:
        names: tuple[str, ...] = self.__slots__  # the subclass's fields, in order
        for name, value in zip(names, state, strict=True):
            object.__setattr__(self, name, value)
