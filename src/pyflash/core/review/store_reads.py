"""The store's read queries (:class:`StoreReads`, a base of :class:`~pyflash.core.review.store.Store`).

Card states, keys by status (for counting without loading states), the review
log, today's counts and the relinks: reads only, each in one statement or a few;
no transaction of their own (a write reads through them inside its own).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from typing import TYPE_CHECKING

from pyflash.core.review.records import COLUMNS as _COLUMNS
from pyflash.core.review.records import LOG_COLUMNS as _LOG_COLUMNS
from pyflash.core.review.records import CardState, LogEntry, Relink
from pyflash.core.review.records import log_entry as _log_entry
from pyflash.core.review.records import row_state as _row
from pyflash.core.review.schema import COUNT_LAPSES
from pyflash.core.review.transaction import guarded as _guarded

if TYPE_CHECKING:
    from pyflash.core.errors import StoreError


def _keys(db: sqlite3.Connection, where: str, *args: object) -> set[str]:
    """The keys of the cards ``where`` says, in one string from SQLite (a row per key costs several times more)."""
    count, joined = db.execute(f"SELECT COUNT(*), group_concat(key, char(31)) FROM cards WHERE {where}", args).fetchone()
    keys = set(joined.split("\x1f")) if joined is not None else set()
    if len(keys) != count:  # a key holding the separator: a row per key
        keys = {r[0] for r in db.execute(f"SELECT key FROM cards WHERE {where}", args)}
    return keys


class StoreReads:
    """The store's read queries (a base of :class:`~pyflash.core.review.store.Store`, which opens ``_db``)."""

    _db: sqlite3.Connection

    if TYPE_CHECKING:

        def _fault(self, exc: sqlite3.Error, doing: str) -> StoreError: ...

    @_guarded("read a card's state")
    def get(self, key: str) -> CardState | None:
        row = self._db.execute(f"SELECT {_COLUMNS} FROM cards WHERE key = ?", (key,)).fetchone()
        return _row(row) if row else None

    @_guarded("read the card states")
    def states(self, keys: Iterable[str] | None = None) -> dict[str, CardState]:
        """Every stored card state, by key (optionally only ``keys``)."""
        rows = self._db.execute(f"SELECT {_COLUMNS} FROM cards").fetchall()
        result = {r[0]: _row(r) for r in rows}
        if keys is not None:
            wanted = set(keys)
            result = {k: v for k, v in result.items() if k in wanted}
        return result

    @_guarded("read the learned cards")
    def learned_states(self) -> list[CardState]:
        """The state of every card with review history."""
        return [_row(r) for r in self._db.execute(f"SELECT {_COLUMNS} FROM cards WHERE due_day IS NOT NULL")]

    @_guarded("read the cards' FSRS states")
    def states_with_memory(self) -> list[CardState]:
        """The cards that have an FSRS memory (through the partial index ``cards_memory``)."""
        sql = f"SELECT {_COLUMNS} FROM cards INDEXED BY cards_memory WHERE memory IS NOT NULL"
        return [_row(r) for r in self._db.execute(sql)]

    @_guarded("read the learned cards")
    def learned_keys(self) -> set[str]:
        """Keys of every card with review history."""
        return _keys(self._db, "due_day IS NOT NULL")

    @_guarded("count the cards")
    def key_sets(self, day: int) -> dict[str, set[str]]:
        """Keys by status on ``day``, for fast counting without loading states.

        ``suspended``, ``buried``, ``learned`` (reviewed at least once) and
        ``due`` (learned, due by ``day`` and not already graded that day).
        """
        return {
            "suspended": _keys(self._db, "suspended != 0"),  # (through its partial index)
            "buried": _keys(self._db, "buried_until > ?", day),
            "learned": _keys(self._db, "due_day IS NOT NULL"),
            "due": _keys(self._db, "due_day <= ? AND (last_day IS NULL OR last_day != ?)", day, day),
        }

    @_guarded("read the review log")
    def log(self, key: str | None = None) -> list[LogEntry]:
        """The review log, oldest first (optionally for one card)."""
        sql = f"SELECT {_LOG_COLUMNS} FROM reviews"
        args: tuple[str, ...] = ()
        if key is not None:
            sql += " WHERE key = ?"
            args = (key,)
        return [_log_entry(r) for r in self._db.execute(sql + " ORDER BY id", args)]

    @_guarded("count the card's lapses")
    def lapses(self, key: str) -> int:
        """How many times the card lapsed (docs/scheduling.md), its relinked history included."""
        return int(self._db.execute(COUNT_LAPSES, {"key": key}).fetchone()[0])

    @_guarded("count today's new cards")
    def new_cards_on(self, day: int) -> int:
        """How many cards had their first review on ``day``."""
        return int(self._db.execute("SELECT COUNT(*) FROM cards WHERE first_day = ?", (day,)).fetchone()[0])

    @_guarded("count today's reviews")
    def reviews_on(self, day: int) -> int:
        """How many already-learned cards were reviewed on ``day``."""
        sql = "SELECT COUNT(*) FROM cards WHERE last_day = ? AND first_day < ?"
        return int(self._db.execute(sql, (day, day)).fetchone()[0])

    @_guarded("count today's new cards per deck")
    def new_by_deck(self, day: int) -> dict[str, int]:
        """New cards studied on ``day``, by the deck each card was in (``pyflash decks`` needs only these)."""
        return dict(self._db.execute("SELECT deck, COUNT(*) FROM cards WHERE first_day = ? GROUP BY deck", (day,)).fetchall())

    @_guarded("count today's cards per deck")
    def studied_by_deck(self, day: int) -> tuple[dict[str, int], dict[str, int]]:
        """(new cards, reviews) studied on ``day``, by the deck each card was in."""
        new = self.new_by_deck(day)
        reviews = dict(
            self._db.execute(
                "SELECT deck, COUNT(*) FROM cards WHERE last_day = ? AND first_day < ? GROUP BY deck", (day, day)
            ).fetchall()
        )
        return new, reviews

    @_guarded("read the relinked cards")
    def relinks(self) -> list[Relink]:
        return [
            Relink(*r)
            for r in self._db.execute("SELECT old_key, new_key, deck, similarity, ts FROM relinks ORDER BY id")
        ]

    @_guarded("read the review log")
    def graded_rows(self, keys: Iterable[str] | None = None) -> list[tuple[str, int, str, int, str, int | None]]:
        """(key, id, ts, grade or -1 for a reset, kind, day) of every grade still in effect (not undone)
        and every ``forget``, in log order: what a scheduler replays."""
        sql = (
            "SELECT key, id, ts, COALESCE(grade, -1), kind, day FROM reviews r"
            " WHERE (grade IS NOT NULL OR kind = 'forget') AND kind NOT IN ('undo', 'cram')"
            " AND NOT EXISTS (SELECT 1 FROM reviews u WHERE u.undoes = r.id)"
        )
        if keys is None:
            return list(self._db.execute(sql + " ORDER BY key, id"))
        rows: list[tuple[str, int, str, int, str, int | None]] = []
        wanted = list(dict.fromkeys(keys))
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            marks = ",".join("?" * len(chunk))
            rows.extend(self._db.execute(sql + f" AND key IN ({marks}) ORDER BY key, id", chunk))
        rows.sort(key=lambda r: (r[0], r[1]))
        return rows

    @_guarded("read the review log")
    def last_undoable(self) -> LogEntry | None:
        row = self._db.execute(
            "SELECT id FROM reviews r WHERE kind != 'undo' AND NOT EXISTS "
            "(SELECT 1 FROM reviews u WHERE u.undoes = r.id) ORDER BY id DESC LIMIT 1"
        ).fetchone()
        if not row:
            return None
        return self._entry(row[0])

    def _entry(self, review_id: int) -> LogEntry | None:
        r = self._db.execute(f"SELECT {_LOG_COLUMNS} FROM reviews WHERE id = ?", (review_id,)).fetchone()
        return _log_entry(r) if r else None
