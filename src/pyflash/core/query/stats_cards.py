"""The card-state figures of ``pyflash stats``: states, leeches, interval and easiness buckets, forecast.

They are sums over cards, kept in one :data:`Sums` (``("state", "young") -> 12``,
``("ivl", 3) -> 40``, ``("ease", 25) -> 7``, ``("fday", day) -> 5``, ``("leech", 1) -> 2``).

:data:`CARDS_SQL` says what each card adds. Read that way over every card it is a
pass over the whole table with a sort; instead (schema 8), for the selections
that hold most cards:

* a *plain* card (not suspended, not buried, not graded today: most of them) adds
  what its interval, easiness and due day alone say, so covering indexes count
  every card by those values (:func:`plain_walks`), as if each were plain;
* the others (:data:`SPECIAL`, a few, through small indexes) are taken off as
  plain cards (:data:`PLAIN_SQL`) and added as they are (:data:`CARDS_SQL`);
* the cards not selected (a few, in ``temp.stats_keys``) are taken off as they are.

A selection of fewer cards reads just them, through the key.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping

MATURE_DAYS = 21  # an interval of this many days or more makes a card mature
RELEARN_BELOW = 4  # a grade below this today brings the card back today (learning)
INTERVAL_BINS = (1, 2, 3, 7, 14, 21, 60, 180, 365)  # lower bounds of the interval buckets, in days
EASINESS_TOP = 30  # easiness of 3.0 and more shares one bucket (tenths)

Sums = dict[tuple[str, int | str], int]

_INTERVAL_BUCKET = "CASE " + " ".join(f"WHEN c.interval >= {lo} THEN {lo}" for lo in reversed(INTERVAL_BINS)) + " ELSE 0 END"

# What each card matching {selected} adds: state, interval and easiness buckets, leech, forecast day.
_STATE = """
    CASE
        WHEN c.suspended THEN 'suspended'
        WHEN COALESCE(c.buried_until, 0) > :today THEN 'buried'
        WHEN c.due_day IS NULL THEN 'new'
        WHEN c.last_day = :today AND c.last_grade < :relearn THEN 'learning'
        WHEN c.interval < :mature THEN 'young'
        ELSE 'mature'
    END"""
_BUCKETS = f"""
    CASE WHEN c.due_day IS NOT NULL THEN {_INTERVAL_BUCKET} END,
    CASE WHEN c.due_day IS NOT NULL THEN MIN(c.easiness / 10, :ease_top) END,
    c.leech"""
_FDAY = """
    CASE
        WHEN c.due_day IS NULL OR c.suspended OR c.due_day >= :end THEN NULL
        WHEN c.due_day <= :today AND c.last_day = :today THEN NULL
        WHEN COALESCE(c.buried_until, 0) >= :end THEN NULL
        ELSE MAX(c.due_day, :today, COALESCE(c.buried_until, 0))  -- a buried card: its first day back
    END"""
CARDS_SQL = f"SELECT {_STATE}, {_BUCKETS}, {_FDAY}, COUNT(*) FROM cards c WHERE {{selected}} GROUP BY 1, 2, 3, 4, 5"

# What CARDS_SQL would say of the card if it were plain (what plain_walks counts): the state and
# forecast day from interval and due day alone (buckets and leech are the same).
_PLAIN_STATE = "CASE WHEN c.due_day IS NULL THEN 'new' WHEN c.interval < :mature THEN 'young' ELSE 'mature' END"
_PLAIN_FDAY = "CASE WHEN c.due_day IS NULL OR c.due_day >= :end THEN NULL ELSE MAX(c.due_day, :today) END"
PLAIN_SQL = f"SELECT {_PLAIN_STATE}, {_BUCKETS}, {_PLAIN_FDAY}, COUNT(*) FROM cards c WHERE {{selected}} GROUP BY 1, 2, 3, 4, 5"

# Both at once, for the special cards: what each adds, and what plain_walks counted for it.
_BOTH_SQL = (
    f"SELECT {_STATE}, {_BUCKETS}, {_FDAY}, {_PLAIN_STATE}, {_PLAIN_FDAY}, COUNT(*)"
    " FROM cards c WHERE {selected} GROUP BY 1, 2, 3, 4, 5, 6, 7"
)

# The cards for which CARDS_SQL says more than interval, easiness and due day do: suspended,
# buried, and graded today either below 4 (learning) or still due (not in the forecast).
SPECIAL = (
    "c.key IN (SELECT key FROM cards INDEXED BY cards_suspended WHERE suspended != 0"
    " UNION SELECT key FROM cards INDEXED BY cards_buried WHERE buried_until > :today"
    " UNION SELECT key FROM cards INDEXED BY cards_today WHERE last_day = :today"
    " AND (last_grade < :relearn OR due_day <= :today))"
)

# What CARDS_SQL says of a card that is not SPECIAL (what plain_walks counts for every card).
PLAIN_SQL = f"""
SELECT
    CASE WHEN c.due_day IS NULL THEN 'new' WHEN c.interval < :mature THEN 'young' ELSE 'mature' END AS state,
    CASE WHEN c.due_day IS NOT NULL THEN {_INTERVAL_BUCKET} END AS ivl,
    CASE WHEN c.due_day IS NOT NULL THEN MIN(c.easiness / 10, :ease_top) END AS ease,
    c.leech AS leech,
    CASE WHEN c.due_day IS NULL OR c.due_day >= :end THEN NULL ELSE MAX(c.due_day, :today) END AS fday,
    COUNT(*)
FROM cards c WHERE {{selected}}
GROUP BY state, ivl, ease, leech, fday
"""

_SELECTED = "c.key IN (SELECT key FROM temp.stats_keys)"


def args(today: int, days: int) -> dict[str, int]:
    return {"today": today, "relearn": RELEARN_BELOW, "mature": MATURE_DAYS, "ease_top": EASINESS_TOP, "end": today + days}


def read(db: sqlite3.Connection, sql: str, where: str, params: Mapping[str, int]) -> Sums:
    """The sums of CARDS_SQL or PLAIN_SQL over the cards matching ``where``."""
    sums: Sums = {}
    for state, ivl, ease, leech, fday, n in db.execute(sql.format(selected=where), params):
        _count(sums, state, ivl, ease, leech, fday, n)
    return sums


def _special(db: sqlite3.Connection, params: Mapping[str, int]) -> Sums:
    """What the special cards add, less what plain_walks counted for them."""
    sums: Sums = {}
    for state, ivl, ease, leech, fday, plain_state, plain_fday, n in db.execute(_BOTH_SQL.format(selected=SPECIAL), params):
        _count(sums, state, ivl, ease, leech, fday, n)
        _count(sums, plain_state, ivl, ease, leech, plain_fday, -n)
    return sums


def _count(sums: Sums, state: str, ivl: int | None, ease: int | None, leech: int, fday: int | None, n: int) -> None:
    _bump(sums, ("state", state), n)
    if leech:
        _bump(sums, ("leech", 1), n)
    if ivl is not None and ease is not None:
        _bump(sums, ("ivl", ivl), n)
        _bump(sums, ("ease", ease), n)
    if fday is not None:
        _bump(sums, ("fday", fday), n)


def plain_walks(db: sqlite3.Connection, params: Mapping[str, int]) -> Sums:
    """PLAIN_SQL's sums over every card, from three covering indexes counted by value (no sort)."""
    today, end = params["today"], params["end"]
    sums: Sums = {}
    learned = 0
    walk = "SELECT {col}, COUNT(*) FROM cards INDEXED BY cards_{col} WHERE due_day IS NOT NULL GROUP BY {col}"
    for interval, n in db.execute(walk.format(col="interval")):
        learned += n
        _bump(sums, ("state", "young" if interval < MATURE_DAYS else "mature"), n)
        _bump(sums, ("ivl", max((lo for lo in INTERVAL_BINS if interval >= lo), default=0)), n)
    for easiness, n in db.execute(walk.format(col="easiness")):
        tenths = int(easiness) // 10 if easiness >= 0 else -(-int(easiness) // 10)  # SQLite's integer division
        _bump(sums, ("ease", min(tenths, EASINESS_TOP)), n)
    due = "SELECT due_day, COUNT(*) FROM cards INDEXED BY cards_due WHERE due_day IS NOT NULL AND due_day < ? GROUP BY due_day"
    for day, n in db.execute(due, (end,)):
        _bump(sums, ("fday", max(day, today)), n)
    total, leeches = db.execute("SELECT (SELECT COUNT(*) FROM cards), (SELECT COUNT(*) FROM cards WHERE leech)").fetchone()
    _bump(sums, ("state", "new"), int(total) - learned)
    _bump(sums, ("leech", 1), int(leeches))
    return sums


def card_sums(db: sqlite3.Connection, params: Mapping[str, int], *, excluding: bool, empty: bool) -> Sums:
    """The sums over the selected cards: every stored card but the keys in ``temp.stats_keys``
    (``excluding``; ``empty``: there are none), or just those keys."""
    if not excluding:
        return read(db, CARDS_SQL, _SELECTED, params)
    sums = plain_walks(db, params)
    add(sums, _special(db, params))
    if not empty:
        add(sums, read(db, CARDS_SQL, _SELECTED, params), -1)
    return sums


def add(into: Sums, other: Sums, sign: int = 1) -> None:
    for k, n in other.items():
        _bump(into, k, sign * n)


def _bump(sums: Sums, k: tuple[str, int | str], n: int) -> None:
    sums[k] = sums.get(k, 0) + n
