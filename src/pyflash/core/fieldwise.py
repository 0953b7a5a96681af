"""``==`` and ``repr`` field by field, for the few mutable classes on the start-up path.

They were dataclasses; the decorator cost every start 1.5-2 M instructions each
(docs/benchmarks.md, branch startup3). A class lists its fields in ``_FIELDS``;
like the dataclasses, it compares equal to an object of the same class with
equal fields, and is unhashable (mutable).
"""


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
