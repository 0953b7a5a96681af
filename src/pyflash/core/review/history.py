"""A card's review history: every grade and action of the log, as typed records.

One SQL query over the review log (``reviews``) gives the rows of a card,
oldest first, with the schedule each left (read from the row's ``after``
state in SQL). The history follows the card through edits: rows logged under
an older key whose state was carried over to this card (a relink) are its own.

``undo`` rows are never listed. An action that was undone is left out too,
unless ``undone=True`` (then it is listed with ``undone`` set).
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from datetime import UTC, datetime, tzinfo
from typing import NamedTuple

from pyflash.core.clock import day_to_date
from pyflash.core.review.faults import explain
from pyflash.core.review.store import Store

__all__ = ["HistoryEntry", "card_history", "history_keys"]


class HistoryEntry(NamedTuple):
    """One row of a card's history."""

    id: int  # the review log row
    date: dt.date  # the study day it happened on
    at: datetime  # when, in the user's zone
    kind: str  # a ReviewKind: review, repeat, bury, suspend, unbury, unsuspend, forget
    grade: int | None  # 0-5; None for an action that is not a grade
    interval: int | None  # days, after it (None: the card was new after it)
    ease: float | None  # SM-2 easiness after it (None: the card was new after it)
    due: dt.date | None  # due date after it
    answer_ms: int | None  # time from showing the answer to grading
    undone: bool = False

    @property
    def answer_seconds(self) -> float | None:
        return None if self.answer_ms is None else self.answer_ms / 1000


_SQL = """
SELECT r.id, r.day, r.ts, r.kind, r.grade, r.answer_ms,
       CASE WHEN json_valid(r.after) THEN json_extract(r.after, '$.interval') END,
       CASE WHEN json_valid(r.after) THEN json_extract(r.after, '$.easiness') END,
       CASE WHEN json_valid(r.after) THEN json_extract(r.after, '$.due_day') END,
       r.id IN (SELECT undoes FROM reviews WHERE undoes IS NOT NULL) AS undone
FROM reviews r
WHERE r.key IN (SELECT value FROM json_each(:keys)) AND r.kind != 'undo'
  {live}
ORDER BY r.id
"""


def history_keys(db: sqlite3.Connection, key: str) -> list[str]:
    """``key`` and every older key whose history was carried over to it (relinks, followed in chains)."""
    keys = [key]
    seen = {key}
    frontier = [key]
    while frontier:
        rows = db.execute(
            "SELECT old_key FROM relinks WHERE new_key IN (SELECT value FROM json_each(?))"
            " AND old_key NOT IN (SELECT key FROM cards) ORDER BY id",
            (json.dumps(frontier),),
        ).fetchall()
        frontier = [old for (old,) in rows if old not in seen]
        seen.update(frontier)
        keys.extend(frontier)
    return keys


def card_history(store: Store, key: str, *, zone: tzinfo, undone: bool = False) -> list[HistoryEntry]:
    """The history of the card ``key``, oldest first (see the module's doc)."""
    try:
        db = store.connection
        keys = history_keys(db, key)
        live = "" if undone else "AND r.id NOT IN (SELECT undoes FROM reviews WHERE undoes IS NOT NULL)"
        rows = db.execute(_SQL.format(live=live), {"keys": json.dumps(keys)}).fetchall()
    except sqlite3.Error as exc:
        raise explain(exc, store.path, "read the card's review history") from None
    out: list[HistoryEntry] = []
    for rid, day, ts, kind, grade, answer_ms, interval, cents, due_day, was_undone in rows:
        new_after = due_day is None
        out.append(
            HistoryEntry(
                rid,
                day_to_date(day),
                _local(ts, zone),
                kind,
                grade,
                None if new_after else interval,
                None if new_after or cents is None else cents / 100,
                None if new_after else day_to_date(due_day),
                answer_ms,
                bool(was_undone),
            )
        )
    return out


def _local(ts: str, zone: tzinfo) -> datetime:
    at = datetime.fromisoformat(ts)
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return at.astimezone(zone)
