"""The review-log figures of ``pyflash stats``: today's grades, the calendar, retention, the streak.

They are sums over the grades in effect (not undone) of each study day, so they are
read from ``review_days`` (schema 6: one row per day, kept by triggers; see
``core/review/schema.py``) rather than from the log:

* the whole log: the rows of ``review_days`` as they are;
* every card but a few (``temp.stats_keys`` holds the few): ``review_days`` minus
  the same sums over the grades of those keys, read through the index on key;
* a few cards: the sums over their grades alone.

Each grade counts by the same SQL expressions (``schema.DAY_TERMS``) in the
triggers and here, so the three ways give the same figures.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping

from pyflash.core.review.schema import DAY_COLUMNS, DAY_TERMS, GRADE_KINDS

GRADES, AGAIN, ANSWER_MS, YOUNG, YOUNG_PASSED, MATURE, MATURE_PASSED = range(len(DAY_COLUMNS))

# The selected keys' grades in effect, summed per day (the keys are in temp.stats_keys).
_KEY_DAYS = (
    "SELECT r.day, " + ", ".join(f"SUM({t.format(r='r')})" for t in DAY_TERMS)
    + " FROM temp.stats_keys k CROSS JOIN reviews r INDEXED BY reviews_key ON r.key = k.key"
    + f" WHERE r.kind IN {GRADE_KINDS} AND r.id NOT IN (SELECT undoes FROM reviews WHERE undoes IS NOT NULL)"
    + " GROUP BY r.day"
)

Days = dict[int, list[int]]  # study day -> the DAY_COLUMNS sums of its grades


def all_days(db: sqlite3.Connection) -> Days:
    """The whole log's sums per day."""
    return {int(row[0]): [int(v) for v in row[1:]] for row in db.execute(f"SELECT day, {', '.join(DAY_COLUMNS)} FROM review_days")}


def key_days(db: sqlite3.Connection) -> Days:
    """The sums per day over the grades of the keys in ``temp.stats_keys``."""
    return {int(row[0]): [int(v) for v in row[1:]] for row in db.execute(_KEY_DAYS)}


def without(days: Days, taken: Mapping[int, list[int]]) -> Days:
    """``days`` less ``taken``, day by day."""
    out = {d: list(v) for d, v in days.items()}
    for d, sums in taken.items():
        row = out.setdefault(d, [0] * len(DAY_COLUMNS))
        for i, n in enumerate(sums):
            row[i] -= n
    return out


def calendar(days: Days, first: int, last: int) -> dict[int, int]:
    """Grades per day from ``first`` to ``last``, days with none left out."""
    return {d: v[GRADES] for d, v in sorted(days.items()) if first <= d <= last and v[GRADES]}


def window(days: Days, first: int, last: int) -> list[int]:
    """The sums over the days from ``first`` to ``last``."""
    total = [0] * len(DAY_COLUMNS)
    for d, sums in days.items():
        if first <= d <= last:
            for i, n in enumerate(sums):
                total[i] += n
    return total


def streak(days: Days, today: int) -> int:
    """Consecutive days with a grade, ending today (or yesterday, while today is still to come)."""

    def graded(d: int) -> bool:
        return d in days and days[d][GRADES] > 0

    day = today if graded(today) else today - 1
    n = 0
    while graded(day):
        n += 1
        day -= 1
    return n
