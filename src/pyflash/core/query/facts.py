"""Each card's review facts for search: state, schedule, lapses, reviews, recent grades.

Read from the store in bulk (three queries, not one per card). The log is
the truth for what happened: a grade that was undone counts for nothing,
and history carried over to an edited card (a relink) follows it.

* ``reviews``: the card's grades (first grades of a day and same-day repeats).
* ``lapses``: grades below 3 given to a card that had graduated, i.e. a
  schedule-changing grade whose card had passed since its last failure
  (``repetitions > 0`` before the grade); same-day repeats never count.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Collection
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pyflash.core.review.faults import explain
from pyflash.core.scheduling.easiness import INITIAL_EASINESS
from pyflash.core.scheduling.schedule import PASS_FOR_TODAY

if TYPE_CHECKING:
    from pyflash.core.review.store import Store

LAPSE_BELOW = 3  # a grade below this, on a graduated card, is a lapse

# Grades that count: the log's grade rows that no undo row took back.
_LIVE_GRADES = (
    "kind IN ('review', 'repeat') AND grade IS NOT NULL"
    " AND id NOT IN (SELECT undoes FROM reviews WHERE undoes IS NOT NULL)"
)
LAPSES_SQL = (
    f"SUM(CASE WHEN kind = 'review' AND grade < {LAPSE_BELOW}"
    " AND json_extract(before, '$.repetitions') > 0 THEN 1 ELSE 0 END)"
)


@dataclass(frozen=True, slots=True)
class CardFacts:
    """What the store knows of one card (a card it never saw: the defaults, a new card)."""

    due_day: int | None = None  # None: new (never graded)
    interval: int = 0
    ease_cents: int = INITIAL_EASINESS.cents
    suspended: bool = False
    buried_until: int | None = None
    last_day: int | None = None
    last_grade: int | None = None
    lapses: int = 0
    reviews: int = 0
    recent: tuple[tuple[int, int], ...] = ()  # (day, grade) of the grades since the day asked for
    leech: bool = False  # marked a leech (docs/scheduling.md)

    @property
    def is_new(self) -> bool:
        return self.due_day is None

    def learning(self, today: int) -> bool:
        """Graded below 4 today: it comes back today (the session's "relearn")."""
        return (
            self.due_day is not None
            and self.last_day == today
            and self.last_grade is not None
            and self.last_grade < PASS_FOR_TODAY
        )

    def buried(self, today: int) -> bool:
        return self.buried_until is not None and today < self.buried_until

    def state(self, today: int) -> str:
        """``new``, ``learning`` or ``review``: every card is exactly one."""
        if self.is_new:
            return "new"
        return "learning" if self.learning(today) else "review"

    def due(self, today: int) -> bool:
        """In today's study: a due review or a card to relearn, not suspended or buried."""
        if self.due_day is None or self.suspended or self.buried(today):
            return False
        return self.learning(today) or (self.due_day <= today and self.last_day != today)


NEW_CARD = CardFacts()
ALL_KEYS = None  # count_keys=ALL_KEYS: the counts of every card


class FactsTable:
    """The facts of every stored card, made into :class:`CardFacts` only when a card's are asked for."""

    __slots__ = ("_rows", "counts", "_recent")

    def __init__(
        self,
        rows: dict[str, tuple[Any, ...]] | None = None,
        counts: dict[str, tuple[int, int]] | None = None,
        recent: dict[str, list[tuple[int, int]]] | None = None,
    ) -> None:
        self._rows = rows or {}
        self.counts = counts or {}  # (reviews, lapses) by key
        self._recent = recent or {}

    def get(self, key: str) -> CardFacts:
        """The card's facts (a card the store never saw: :data:`NEW_CARD`)."""
        row = self._rows.get(key)
        reviews, lapses = self.counts.get(key, (0, 0))
        grades = tuple(self._recent.get(key, ()))
        if row is None:
            return CardFacts(lapses=lapses, reviews=reviews, recent=grades) if reviews or grades else NEW_CARD
        due_day, interval, ease, suspended, buried_until, last_day, last_grade, leech = row
        return CardFacts(
            due_day, interval, ease, bool(suspended), buried_until, last_day, last_grade, lapses, reviews, grades,
            bool(leech),
        )


def load_facts(
    store: Store, *, since_day: int | None = None, count_keys: Collection[str] | None = ALL_KEYS
) -> FactsTable:
    """Every stored card's facts; ``recent`` holds the grades from ``since_day`` on (None: none).

    ``lapses`` and ``reviews`` are counted for the cards of ``count_keys``
    only (every card by default; ``()``: none, see :func:`load_counts`).
    """
    try:
        db = store.connection
        rows = {
            r[0]: r[1:]
            for r in db.execute(
                "SELECT key, due_day, interval, easiness, suspended, buried_until, last_day, last_grade, leech FROM cards"
            )
        }
        follow = _relinked(db)
        counts = _counts(db, follow, count_keys)
        recent: dict[str, list[tuple[int, int]]] = {}
        if since_day is not None:
            for key, day, grade in db.execute(
                f"SELECT key, day, grade FROM reviews WHERE day >= ? AND {_LIVE_GRADES} ORDER BY id", (since_day,)
            ):
                recent.setdefault(follow.get(key, key), []).append((day, grade))
    except sqlite3.Error as exc:
        raise explain(exc, store.path, "read the review history for search") from None
    return FactsTable(rows, counts, recent)


def load_counts(store: Store, keys: Collection[str] | None = ALL_KEYS) -> dict[str, tuple[int, int]]:
    """(reviews, lapses) by key, for ``keys`` (None: every card)."""
    try:
        return _counts(store.connection, _relinked(store.connection), keys)
    except sqlite3.Error as exc:
        raise explain(exc, store.path, "read the review history for search") from None


def _counts(db: sqlite3.Connection, follow: dict[str, str], keys: Collection[str] | None) -> dict[str, tuple[int, int]]:
    select = f"SELECT key, COUNT(*), {LAPSES_SQL} FROM reviews"
    if keys is None:
        # A scan in table order, grouped by a sort: far faster than visiting the rows in key order.
        cursor = db.execute(f"{select} NOT INDEXED WHERE {_LIVE_GRADES} GROUP BY key")
    elif not keys:
        return {}
    else:
        wanted = set(keys)
        wanted.update(old for old, new in follow.items() if new in wanted)
        cursor = db.execute(
            f"{select} WHERE key IN (SELECT value FROM json_each(?)) AND {_LIVE_GRADES} GROUP BY key",
            (json.dumps(sorted(wanted)),),
        )
    counts: dict[str, tuple[int, int]] = {}
    for key, reviews, lapses in cursor:
        mine = follow.get(key, key)
        before = counts.get(mine, (0, 0))
        counts[mine] = (before[0] + reviews, before[1] + (lapses or 0))
    return counts


def _relinked(db: sqlite3.Connection) -> dict[str, str]:
    """Old key -> the key its history now lives under, for keys whose state was carried to an edited card.

    An old key that has a state row again (the card came back) keeps its own log.
    """
    rows = db.execute(
        "SELECT old_key, new_key FROM relinks WHERE old_key NOT IN (SELECT key FROM cards) ORDER BY id"
    )
    step = dict(rows.fetchall())
    follow: dict[str, str] = {}
    for old in step:
        seen = {old}
        new = step[old]
        while new in step and new not in seen:
            seen.add(new)
            new = step[new]
        follow[old] = new
    return follow
