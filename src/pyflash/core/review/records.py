"""The store's records: a card's state, a review-log row, a relink, and the time stamps."""

# No `from __future__ import annotations` here: a NamedTuple's string annotations are compiled one
# by one at import, at every start (tests/test_startup_imports.py).
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from typing import Any, NamedTuple

from pyflash.core.fieldwise import FrozenFieldwise
from pyflash.core.scheduling.easiness import INITIAL_EASINESS, Easiness

__all__ = ["COLUMNS", "FORGOTTEN", "LOG_COLUMNS", "CardState", "LogEntry", "Relink", "log_entry", "row_state", "utc_now_iso"]


@dataclass(slots=True, init=False, repr=False, eq=False)
class CardState(FrozenFieldwise):
    """One card's row in the store. Immutable (as a frozen dataclass; ``dataclasses.replace`` makes a changed copy).

    Its ``__init__``, ``__eq__``, ``__hash__``, ``__repr__`` and the frozen ``__setattr__`` are
    written out (here and in core/fieldwise.py) rather than generated: a frozen dataclass compiles them when the module is
    imported, which cost every start about 2 ms (tests/test_records.py checks they behave the same).
    """

    key: str
    deck: str
    text: str = ""
    easiness: Easiness = INITIAL_EASINESS  # SM-2 EF; whole hundredths only in SQLite and the log's JSON
    interval: int = 0
    repetitions: int = 0
    due_day: int | None = None  # None: never reviewed (a new card)
    suspended: bool = False
    buried_until: int | None = None  # hidden while today < buried_until
    last_review: str | None = None  # UTC ISO-8601
    last_day: int | None = None  # local day of the last grade
    last_grade: int | None = None
    first_day: int | None = None  # local day of the first grade ever
    memory: str | None = None  # FSRS memory state, JSON (core/scheduling/fsrs_scheduler.py); None under SM-2 only
    leech: bool = False  # its lapses reached leech_threshold (docs/scheduling.md)

    def __init__(
        self,
        key: str,
        deck: str,
        text: str = "",
        easiness: Easiness = INITIAL_EASINESS,
        interval: int = 0,
        repetitions: int = 0,
        due_day: int | None = None,
        suspended: bool = False,
        buried_until: int | None = None,
        last_review: str | None = None,
        last_day: int | None = None,
        last_grade: int | None = None,
        first_day: int | None = None,
        memory: str | None = None,
        leech: bool = False,
    ) -> None:
        setattr = object.__setattr__
        setattr(self, "key", key)
        setattr(self, "deck", deck)
        setattr(self, "text", text)
        setattr(self, "easiness", easiness)
        setattr(self, "interval", interval)
        setattr(self, "repetitions", repetitions)
        setattr(self, "due_day", due_day)
        setattr(self, "suspended", suspended)
        setattr(self, "buried_until", buried_until)
        setattr(self, "last_review", last_review)
        setattr(self, "last_day", last_day)
        setattr(self, "last_grade", last_grade)
        setattr(self, "first_day", first_day)
        setattr(self, "memory", memory)
        setattr(self, "leech", leech)

    def _values(self) -> tuple[Any, ...]:
        return (
            self.key, self.deck, self.text, self.easiness, self.interval, self.repetitions, self.due_day,
            self.suspended, self.buried_until, self.last_review, self.last_day, self.last_grade,
            self.first_day, self.memory, self.leech,
        )

    def __repr__(self) -> str:
        return "CardState(" + ", ".join(f"{name}={value!r}" for name, value in zip(_NAMES, self._values(), strict=True)) + ")"

    @property
    def is_new(self) -> bool:
        return self.due_day is None

    def is_buried(self, day: int) -> bool:
        return self.buried_until is not None and day < self.buried_until

    def to_json(self) -> str:
        """``json.dumps`` of the fields (easiness in hundredths), keys sorted, non-ASCII kept."""
        from pyflash.core.review.statetext import dump_values  # deferred: start-up time (json)

        return dump_values((
            self.buried_until, self.deck, self.due_day, self.easiness.cents, self.first_day, self.interval,
            self.key, self.last_day, self.last_grade, self.last_review, self.leech, self.memory,
            self.repetitions, self.suspended, self.text,
        ))

    @classmethod
    def from_json(cls, text: str) -> "CardState":
        import json  # deferred: start-up time (read for an undo, after the first card)

        return cls.from_data(json.loads(text))

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> "CardState":
        """From the decoded JSON object (a copy is changed, not ``data``)."""
        keys = data.keys()
        if keys == _FIELD_SET or keys == _FIELDS_NO_TEXT:  # complete (or but its text): field by field, no copy
            return cls(
                data["key"], data["deck"], data.get("text", ""), Easiness.from_cents(data["easiness"]), data["interval"],
                data["repetitions"], data["due_day"], bool(data["suspended"]), data["buried_until"],
                data["last_review"], data["last_day"], data["last_grade"], data["first_day"], data["memory"],
                bool(data["leech"]),
            )
        data = {**data, "suspended": bool(data.get("suspended")), "leech": bool(data.get("leech"))}
        data["easiness"] = Easiness.from_cents(data.get("easiness", INITIAL_EASINESS.cents))
        return cls(**data)


_FIELDS = tuple(f.name for f in fields(CardState))
_NAMES = _FIELDS  # (CardState's methods: the fields in order)
_FIELD_SET = frozenset(_FIELDS)
_FIELDS_NO_TEXT = _FIELD_SET - {"text"}

# What forget sets: a card with no schedule (new), as if never graded.
FORGOTTEN: dict[str, Any] = {
    "easiness": INITIAL_EASINESS,
    "interval": 0,
    "repetitions": 0,
    "due_day": None,
    "last_review": None,
    "last_day": None,
    "last_grade": None,
    "first_day": None,
    "memory": None,  # FSRS's memory state
}

COLUMNS = (
    "key, deck, text, easiness, interval, repetitions, due_day, suspended, "
    "buried_until, last_review, last_day, last_grade, first_day, memory, leech"
)
LOG_COLUMNS = "id, key, deck, ts, day, grade, kind, before, after, answer_ms, undoes, typed"


def row_state(row: tuple[Any, ...]) -> CardState:
    return CardState(
        row[0], row[1], row[2], Easiness.from_cents(row[3]), row[4], row[5], row[6], bool(row[7]),
        row[8], row[9], row[10], row[11], row[12], row[13], bool(row[14]),
    )


class LogEntry(NamedTuple):
    id: int
    key: str
    deck: str
    ts: str
    day: int
    grade: int | None
    kind: str  # "review" (changed SM-2 state), "repeat" (same day), "undo", "bury", "suspend", ...
    before: CardState | None
    after: CardState | None
    answer_ms: int | None
    undoes: int | None
    typed: str | None = None  # the answer typed for this grade (None: revealed, not typed)


class Relink(NamedTuple):
    old_key: str
    new_key: str
    deck: str
    similarity: float
    ts: str


def log_entry(r: tuple[Any, ...]) -> LogEntry:
    return LogEntry(
        r[0], r[1], r[2], r[3], r[4], r[5], r[6],
        CardState.from_json(r[7]) if r[7] else None,
        CardState.from_json(r[8]) if r[8] else None,
        r[9], r[10], r[11],
    )


def utc_now_iso(now: datetime) -> str:
    return now.astimezone(UTC).isoformat(timespec="milliseconds")
