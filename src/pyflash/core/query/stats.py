"""Study statistics: what was done, what is coming, how well it is going.

Every figure is computed by SQL over the store's ``cards`` and ``reviews``
tables (see docs/stats.md for what each one means). The caller passes the
selected card keys (the loaded cards of a deck or a tag), today's study day
and the settings; nothing here reads a clock or a zone.

The selection goes into a temporary table, so card counts and the forecast
cover exactly the cards ``pyflash decks`` counts (history of deleted cards is
left out). Review-log figures (today, calendar, retention, streak) cover the
selected cards too. A grade that was undone does not count, nor does the
``undo`` row itself.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from pyflash.core.query import stats_cards, stats_log
from pyflash.core.query.stats_cards import EASINESS_TOP as EASINESS_TOP
from pyflash.core.query.stats_cards import INTERVAL_BINS as INTERVAL_BINS
from pyflash.core.query.stats_cards import MATURE_DAYS as MATURE_DAYS
from pyflash.core.review.faults import explain
from pyflash.core.review.records import COLUMNS, CardState, row_state
from pyflash.core.review.schema import migrate

RETENTION_DAYS = 30  # retention looks at this many study days, today included
CALENDAR_DAYS = 365  # the calendar heatmap's span, today included
PASS = 3  # grades from 3 up are a successful recall (SM-2)
KEYS_BY_KEY = 2000  # up to this many keys on the smaller side, their grades are read key by key


@dataclass(frozen=True, slots=True)
class Today:
    reviews: int = 0  # grades given today (repeats included)
    new: int = 0  # cards graded for the first time today
    again: int = 0  # grades below 3 today
    seconds: float = 0.0  # answer time logged today

    @property
    def again_rate(self) -> float | None:
        return self.again / self.reviews if self.reviews else None


@dataclass(frozen=True, slots=True)
class CardCounts:
    """The selected cards by state; every card is in exactly one of the first six."""

    new: int = 0
    learning: int = 0  # graded below 4 today: back again today
    young: int = 0  # interval < 21 days
    mature: int = 0  # interval >= 21 days
    suspended: int = 0
    buried: int = 0
    leech: int = 0  # marked leeches (docs/scheduling.md; they overlap the others)


@dataclass(frozen=True, slots=True)
class Retention:
    """Review grades (of cards learned before) in the last 30 days: passed and all."""

    young_passed: int = 0
    young_total: int = 0
    mature_passed: int = 0
    mature_total: int = 0

    @property
    def young(self) -> float | None:
        return self.young_passed / self.young_total if self.young_total else None

    @property
    def mature(self) -> float | None:
        return self.mature_passed / self.mature_total if self.mature_total else None


@dataclass(frozen=True, slots=True)
class Stats:
    day: int  # today's study day (a date ordinal)
    today: Today
    cards: CardCounts
    forecast: list[int]  # cards due on today + i, for i in range(days)
    calendar: dict[int, int]  # study day -> grades, over the past year (days with none left out)
    retention: Retention
    intervals: list[tuple[str, int]]  # (bucket label, learned cards)
    easiness: list[tuple[str, int]]  # (bucket label, learned cards)
    streak: int  # consecutive study days with a grade, up to today (or yesterday)
    leech_threshold: int = 8
    retrievability: float | None = None  # FSRS: mean probability of recall now, over its learned cards
    fsrs_cards: int = 0  # learned cards FSRS schedules (0: FSRS is off)

    def to_json(self) -> dict[str, Any]:
        """The ``pyflash stats --json`` object (docs/stats.md)."""
        t, c, r = self.today, self.cards, self.retention
        return {
            "date": date.fromordinal(self.day).isoformat(),
            "cards": {
                "new": c.new, "learning": c.learning, "young": c.young, "mature": c.mature,
                "suspended": c.suspended, "buried": c.buried, "leech": c.leech,
            },
            "today": {
                "reviews": t.reviews, "new": t.new, "again": t.again,
                "again_rate": t.again_rate, "seconds": round(t.seconds, 3),
            },
            "forecast": [
                {"date": date.fromordinal(self.day + i).isoformat(), "due": n} for i, n in enumerate(self.forecast)
            ],
            "calendar": [{"date": date.fromordinal(d).isoformat(), "reviews": n} for d, n in sorted(self.calendar.items())],
            "retention": {
                "young": r.young, "mature": r.mature,
                "young_reviews": r.young_total, "mature_reviews": r.mature_total,
            },
            "intervals": [{"days": label, "cards": n} for label, n in self.intervals],
            "easiness": [{"ease": label, "cards": n} for label, n in self.easiness],
            "streak": self.streak,
            "leech_threshold": self.leech_threshold,
            "retrievability": (
                {"mean": self.retrievability, "cards": self.fsrs_cards} if self.fsrs_cards else None
            ),
        }


def compute(
    db: sqlite3.Connection,
    keys: Iterable[str],
    *,
    today: int,
    days: int = 30,
    leech_threshold: int = 8,
    whole_log: bool = False,
) -> Stats:
    """Every figure of ``pyflash stats`` for the cards ``keys``, on study day ``today``.

    ``whole_log``: ``keys`` are all the loaded cards, and the review-log
    figures (today, calendar, retention, streak) cover the whole log, grades of
    cards since deleted or edited included. Otherwise they cover the grades of
    ``keys`` only.
    """
    if days < 1:
        raise ValueError(f"days must be at least 1, not {days}")
    sel = _Selection(db, keys, whole_log)
    try:
        cards, forecast, intervals, easiness = _card_figures(db, sel, today, days)
        new = db.execute(f"SELECT COUNT(*) FROM cards c WHERE c.first_day = ? AND {sel.cards('c.key')}", (today,)).fetchone()[0]
        log = _log_days(db, sel)
        if log is None:  # many keys on either side: the log itself, read by day
            calendar = _calendar(db, sel, today - CALENDAR_DAYS + 1, today)
            figures = (_today(db, sel, today, int(new)), calendar, _retention(db, sel, today), _streak(db, sel, today, calendar))
        else:
            figures = _from_days(log, today, int(new))
        return Stats(
            day=today, today=figures[0], cards=cards, forecast=forecast, calendar=figures[1], retention=figures[2],
            intervals=intervals, easiness=easiness, streak=figures[3], leech_threshold=leech_threshold,
        )
    finally:
        db.execute("DELETE FROM temp.stats_keys")


def _log_days(db: sqlite3.Connection, sel: _Selection) -> stats_log.Days | None:
    """The review-log sums per day of the selection (see :mod:`pyflash.core.query.stats_log`);
    None when both sides of the selection are too many keys to read their grades key by key."""
    if sel.whole_log or (sel.excluding and sel.empty):
        return stats_log.all_days(db)
    if sel.count > KEYS_BY_KEY:
        return None
    if sel.excluding:
        return stats_log.without(stats_log.all_days(db), stats_log.key_days(db))
    return stats_log.key_days(db)


def _from_days(log: stats_log.Days, today: int, new: int) -> tuple[Today, dict[int, int], Retention, int]:
    t = stats_log.window(log, today, today)
    r = stats_log.window(log, today - RETENTION_DAYS + 1, today)
    return (
        Today(t[stats_log.GRADES], new, t[stats_log.AGAIN], t[stats_log.ANSWER_MS] / 1000),
        stats_log.calendar(log, today - CALENDAR_DAYS + 1, today),
        Retention(r[stats_log.YOUNG_PASSED], r[stats_log.YOUNG], r[stats_log.MATURE_PASSED], r[stats_log.MATURE]),
        stats_log.streak(log, today),
    )


def open_read_only(path: Path) -> sqlite3.Connection:
    """A read-only connection to the review database at ``path`` (for a worker thread); StoreError if unusable."""
    try:
        db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, isolation_level=None)
        db.execute("SELECT 1 FROM cards LIMIT 1")
    except sqlite3.Error as exc:
        raise explain(exc, path, "read the review database for stats") from None
    return db


def states_with_memory(db: sqlite3.Connection) -> list[CardState]:
    """The cards that have an FSRS memory (``Store.states_with_memory`` on any connection)."""
    sql = f"SELECT {COLUMNS} FROM cards INDEXED BY cards_memory WHERE memory IS NOT NULL"
    return [row_state(r) for r in db.execute(sql)]


def empty_database() -> sqlite3.Connection:
    """An empty store in memory (for a read-only workspace with no database yet)."""
    db = sqlite3.connect(":memory:", isolation_level=None)
    migrate(db, 0)
    return db


class _Selection:
    """The selected cards as SQL conditions on a key column.

    The smaller side goes into ``temp.stats_keys``: the selected keys, or (for
    every loaded card) the store's keys of cards no longer in any deck.
    ``size`` counts the selected cards, with or without a row in the store.
    """

    def __init__(self, db: sqlite3.Connection, keys: Iterable[str], whole_log: bool) -> None:
        wanted = set(keys)
        self.size = len(wanted)
        self.whole_log = whole_log
        if whole_log:
            rows = _keys(db, "cards") - wanted
            self.excluding = True
        else:
            rows = wanted
            self.excluding = False
            if len(wanted) * 2 > db.execute("SELECT COUNT(*) FROM cards").fetchone()[0]:
                # Most cards are selected: the keys *not* selected are the smaller side. Every key
                # of the cards and of the log that is not wanted (the log's keys with no card row
                # are the orphans), so "not one of them" is exact for card rows and log rows alike
                # (a deck holding every card: an empty table).
                rows = (_keys(db, "cards") | _keys(db, "review_orphans")) - wanted
                self.excluding = True
        self.empty = not rows
        self.count = len(rows)
        db.execute("PRAGMA temp_store = MEMORY")
        db.execute("CREATE TEMP TABLE IF NOT EXISTS stats_keys (key TEXT PRIMARY KEY) WITHOUT ROWID")
        db.execute("BEGIN")
        try:
            db.execute("DELETE FROM temp.stats_keys")
            db.executemany("INSERT INTO temp.stats_keys VALUES (?)", ((k,) for k in sorted(rows)))
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise

    def cards(self, column: str) -> str:
        """The condition that ``column`` (a key) is one of the selected cards."""
        if self.excluding:
            return "1" if self.empty else f"+{column} NOT IN (SELECT key FROM temp.stats_keys)"
        return f"+{column} IN (SELECT key FROM temp.stats_keys)"  # "+": look rows up by day, not by key


def _keys(db: sqlite3.Connection, table: str) -> set[str]:
    """The keys of ``table``, in one string from SQLite (a row per key costs several times more)."""
    count, joined = db.execute(f"SELECT COUNT(*), group_concat(key, char(31)) FROM {table}").fetchone()
    keys = set(joined.split("\x1f")) if joined is not None else set()
    if len(keys) != count:  # a key holding the separator: one row per key
        keys = {r[0] for r in db.execute(f"SELECT key FROM {table}")}
    return keys


def _interval_label(lo: int) -> str:
    i = INTERVAL_BINS.index(lo) if lo in INTERVAL_BINS else -1
    if lo == 0:
        return "0"
    if i == len(INTERVAL_BINS) - 1:
        return f"{lo}+"
    hi = INTERVAL_BINS[i + 1] - 1
    return str(lo) if hi == lo else f"{lo}-{hi}"


def _card_figures(
    db: sqlite3.Connection, sel: _Selection, today: int, days: int
) -> tuple[CardCounts, list[int], list[tuple[str, int]], list[tuple[str, int]]]:
    sums = stats_cards.card_sums(db, stats_cards.args(today, days), excluding=sel.excluding, empty=sel.empty)
    states: dict[str, int] = {}
    forecast = [0] * days
    ivl: dict[int, int] = {}
    ease: dict[int, int] = {}
    leech = 0
    for (what, value), n in sums.items():
        if not n:
            continue
        if what == "state":
            states[str(value)] = n
        elif what == "leech":
            leech = n
        elif what == "ivl":
            ivl[int(value)] = n
        elif what == "ease":
            ease[int(value)] = n
        else:
            forecast[int(value) - today] = n
    stored = sum(n for state, n in states.items() if state != "new")
    counts = CardCounts(
        new=sel.size - stored, learning=states.get("learning", 0), young=states.get("young", 0),
        mature=states.get("mature", 0), suspended=states.get("suspended", 0), buried=states.get("buried", 0),
        leech=leech,
    )
    intervals = [(_interval_label(lo), n) for lo, n in sorted(ivl.items())]
    easiness = [
        (f"{t / 10:.1f}+" if t >= EASINESS_TOP else f"{t / 10:.1f}", n) for t, n in sorted(ease.items())
    ]
    return counts, forecast, intervals, easiness


# The log read by day, for a selection of many keys on both sides (a deck of half the cards).
_GRADES = "r.kind IN ('review', 'repeat') AND r.id NOT IN (SELECT undoes FROM reviews WHERE undoes IS NOT NULL)"


def _today(db: sqlite3.Connection, sel: _Selection, today: int, new: int) -> Today:
    reviews, again, ms = db.execute(
        f"SELECT COUNT(*), COALESCE(SUM(r.grade < {PASS}), 0), COALESCE(SUM(r.answer_ms), 0)"
        f" FROM reviews r WHERE r.day = ? AND {_GRADES} AND {sel.cards('r.key')}",
        (today,),
    ).fetchone()
    return Today(int(reviews), new, int(again), int(ms) / 1000)


def _calendar(db: sqlite3.Connection, sel: _Selection, first: int, last: int) -> dict[int, int]:
    """Grades per day; undone grades are counted apart and taken off (there are few)."""
    where = f"r.day BETWEEN ? AND ? AND r.kind IN ('review', 'repeat') AND {sel.cards('r.key')}"
    days = {int(d): int(n) for d, n in db.execute(f"SELECT r.day, COUNT(*) FROM reviews r WHERE {where} GROUP BY r.day", (first, last))}
    undone = db.execute(
        f"SELECT r.day, COUNT(*) FROM reviews u JOIN reviews r ON r.id = u.undoes"
        f" WHERE u.undoes IS NOT NULL AND {where} GROUP BY r.day",
        (first, last),
    )
    for d, n in undone:
        days[int(d)] -= int(n)
    return {d: n for d, n in days.items() if n}


def _retention(db: sqlite3.Connection, sel: _Selection, today: int) -> Retention:
    row = db.execute(
        f"""
        SELECT
            COALESCE(SUM(ivl < :mature AND grade >= :pass), 0), COALESCE(SUM(ivl < :mature), 0),
            COALESCE(SUM(ivl >= :mature AND grade >= :pass), 0), COALESCE(SUM(ivl >= :mature), 0)
        FROM (
            SELECT r.grade AS grade, r.prev_interval AS ivl FROM reviews r
            WHERE r.day BETWEEN :first AND :today AND r.kind = 'review' AND {_GRADES} AND {sel.cards("r.key")}
              AND r.prev_interval > 0
        )
        """,
        {"mature": MATURE_DAYS, "pass": PASS, "first": today - RETENTION_DAYS + 1, "today": today},
    ).fetchone()
    return Retention(*(int(v) for v in row))


def _streak(db: sqlite3.Connection, sel: _Selection, today: int, calendar: dict[int, int]) -> int:
    """Consecutive days with a grade, ending today (or yesterday, while today is still to come)."""
    day = today if calendar.get(today) else today - 1
    streak = 0
    first = today - CALENDAR_DAYS + 1
    while day >= first and calendar.get(day):
        streak += 1
        day -= 1
    if day >= first:
        return streak
    # The streak goes back past the calendar: one look-up per day (an index seek each).
    sql = f"SELECT EXISTS (SELECT 1 FROM reviews r WHERE r.day = ? AND {_GRADES} AND {sel.cards('r.key')})"
    while db.execute(sql, (day,)).fetchone()[0]:
        streak += 1
        day -= 1
    return streak
