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

import sqlite3
from collections.abc import Collection
from dataclasses import dataclass
from typing import TYPE_CHECKING

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


def load_facts(store: Store, *, since_day: int | None = None) -> dict[str, CardFacts]:
    """Every stored card's facts, by key; ``recent`` holds the grades from ``since_day`` on (None: none)."""
    try:
        return _load(store.connection, since_day)
    except sqlite3.Error as exc:
        raise explain(exc, store.path, "read the review history for search") from None


def _load(db: sqlite3.Connection, since_day: int | None) -> dict[str, CardFacts]:
    rows = {
        r[0]: r[1:]
        for r in db.execute(
            "SELECT key, due_day, interval, easiness, suspended, buried_until, last_day, last_grade FROM cards"
        )
    }
    follow = _relinked(db, rows.keys())
    counts: dict[str, list[int]] = {}
    for key, reviews, lapses in db.execute(
        f"SELECT key, COUNT(*), {LAPSES_SQL} FROM reviews WHERE {_LIVE_GRADES} GROUP BY key"
    ):
        entry = counts.setdefault(follow.get(key, key), [0, 0])
        entry[0] += reviews
        entry[1] += lapses or 0
    recent: dict[str, list[tuple[int, int]]] = {}
    if since_day is not None:
        for key, day, grade in db.execute(
            f"SELECT key, day, grade FROM reviews WHERE day >= ? AND {_LIVE_GRADES} ORDER BY id", (since_day,)
        ):
            recent.setdefault(follow.get(key, key), []).append((day, grade))
    facts: dict[str, CardFacts] = {}
    for key in rows.keys() | counts.keys():
        row = rows.get(key)
        reviews, lapses = counts.get(key, (0, 0))
        grades = tuple(recent.get(key, ()))
        if row is None:
            facts[key] = CardFacts(lapses=lapses, reviews=reviews, recent=grades)
            continue
        due_day, interval, ease, suspended, buried_until, last_day, last_grade = row
        facts[key] = CardFacts(
            due_day, interval, ease, bool(suspended), buried_until, last_day, last_grade, lapses, reviews, grades
        )
    return facts


def _relinked(db: sqlite3.Connection, stored: Collection[str]) -> dict[str, str]:
    """Old key -> the key its history now lives under, for keys whose state was carried to an edited card.

    An old key that has a state row again (the card came back) keeps its own log.
    """
    rows = db.execute("SELECT old_key, new_key FROM relinks ORDER BY id")
    step = {old: new for old, new in rows if old not in stored}
    follow: dict[str, str] = {}
    for old in step:
        seen = {old}
        new = step[old]
        while new in step and new not in seen:
            seen.add(new)
            new = step[new]
        follow[old] = new
    return follow
