"""A bulk ingest: a large batch of events into a store whose log is empty (a new device's first sync).

The same result as :func:`~pyflash.core.review.ingest.ingest_events` (a test compares them), in the
same transaction, faster:

* the log's rows are inserted with ``reviews``' secondary indexes and triggers dropped, and both
  created again after (their SQL as the schema has it, read from ``sqlite_master``); what the
  triggers keep (``review_days``, ``review_orphans``) is then summed from the log in one statement
  each. All of it is DDL and DML in the ingest's transaction: a crash leaves the store as before;
* a card the batch takes no undo and no relink for continues from its row (as the incremental
  ingest does; with an empty log there is no history before) by the fast fold
  (:mod:`pyflash.core.events.fastfold`), over the batch's own rows sorted in time order; any other
  card is replayed from its first event by the plain fold, as the incremental ingest does it;
* the changed rows are written as the incremental ingest writes them.

It is used only when the store's ``reviews`` triggers are the ones it knows how to sum again, so a
schema change elsewhere makes it step aside rather than leave a derived table stale.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Container, Iterable
from typing import Any

from pyflash.core.events import Event, IngestResult
from pyflash.core.events.fastfold import _Fold, row_of, with_objs
from pyflash.core.events.replay import Rules, replay_steps
from pyflash.core.review.event_log import key_chunks
from pyflash.core.review.events_io import families, steps_for
from pyflash.core.review.ingest import Texts, _resolve_undos, _rows, _values, insert_rows, log_rows, new_events
from pyflash.core.review.records import COLUMNS, CardState, row_state
from pyflash.core.review.schema import DAY_COLUMNS, GRADE_KINDS, SUM_DAYS

__all__ = ["BULK_MIN", "bulk_ingest", "can_bulk"]

BULK_MIN = 2000  # fewer events than this go through the incremental ingest
KNOWN_TRIGGERS = frozenset({"review_days_grade", "review_days_undo", "review_days_undo_late", "review_days_edit",
                            "review_orphans_logged"})


def can_bulk(db: sqlite3.Connection, count: int) -> bool:
    """Whether a batch of ``count`` events goes through :func:`bulk_ingest` (an empty log, triggers it knows)."""
    if count < BULK_MIN or db.execute("SELECT 1 FROM reviews LIMIT 1").fetchone() or db.execute(
        "SELECT 1 FROM relinks LIMIT 1"
    ).fetchone():
        return False
    triggers = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'reviews'")}
    return triggers == KNOWN_TRIGGERS


def _insert(db: sqlite3.Connection, reviews: list[tuple[Any, ...]], relinks: list[tuple[Any, ...]]) -> None:
    """Insert the rows with ``reviews``' secondary indexes and triggers dropped, then make them again
    and sum what the triggers keep from the log."""
    schema = db.execute(
        "SELECT type, name, sql FROM sqlite_master WHERE tbl_name = 'reviews' AND type IN ('index', 'trigger')"
        " AND sql IS NOT NULL"
    ).fetchall()
    for kind, name, _sql in schema:
        db.execute(f'DROP {kind.upper()} "{name}"')
    insert_rows(db, reviews, relinks)
    for kind, _name, sql in schema:
        if kind == "index":
            db.execute(sql)
    if any(r[5] == "undo" for r in reviews):
        _resolve_undos(db)
    for kind, _name, sql in schema:
        if kind == "trigger":
            db.execute(sql)
    cols = ", ".join(DAY_COLUMNS)
    add = ", ".join(f"{c} = {c} + excluded.{c}" for c in DAY_COLUMNS)  # as the triggers add to a day
    db.execute(f"INSERT INTO review_days (day, {cols}) {SUM_DAYS} ON CONFLICT(day) DO UPDATE SET {add}")
    # a day whose every grade was taken back keeps its row of zeros, as the triggers leave it
    db.execute(f"INSERT OR IGNORE INTO review_days (day) SELECT DISTINCT day FROM reviews WHERE kind IN {GRADE_KINDS}")
    db.execute("INSERT OR IGNORE INTO review_orphans (key) SELECT DISTINCT key FROM reviews"
               " WHERE key NOT IN (SELECT key FROM cards)")


MANY_ROWS = 5000  # from this many card rows on, put_rows drops and makes again the card table's indexes
_NAMES = [c.strip() for c in COLUMNS.split(",")]
_UPDATE = "UPDATE cards SET " + ", ".join(f"{c} = ?" for c in _NAMES[1:]) + " WHERE key = ?"
_INSERT = f"INSERT INTO cards ({COLUMNS}) VALUES ({', '.join('?' * len(_NAMES))})"


def put_rows(db: sqlite3.Connection, rows: list[tuple[Any, ...]], existing: Container[str]) -> None:
    """Write whole card rows (in the order of ``COLUMNS``): an UPDATE of each key in ``existing``, an INSERT
    of each other. From :data:`MANY_ROWS` rows on, the card table's secondary indexes are dropped first and
    made again after (their SQL as the schema has it): about four times cheaper than updating ten indexes
    row by row. ``db`` is in a transaction."""
    indexes: list[tuple[str, str]] = []
    if len(rows) >= MANY_ROWS:
        indexes = db.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'cards' AND sql IS NOT NULL"
        ).fetchall()
        for name, _sql in indexes:
            db.execute(f'DROP INDEX "{name}"')
    db.executemany(_UPDATE, [(*r[1:], r[0]) for r in rows if r[0] in existing])
    db.executemany(_INSERT, [r for r in rows if r[0] not in existing])
    for _name, sql in indexes:
        db.execute(sql)


def bulk_ingest(db: sqlite3.Connection, events: Iterable[Event], rules: Rules, texts: Texts | None = None) -> IngestResult:
    """:func:`~pyflash.core.review.ingest.ingest_events` of a large batch into an empty log (``db`` is in a
    transaction; see the module's doc)."""
    fresh, skipped = new_events(db, events)
    if not fresh:
        return IngestResult(0, skipped, frozenset())
    reviews, relinks = log_rows(fresh, texts)
    review_events = [e for e in fresh if e.kind != "relink"]
    _insert(db, reviews, relinks)
    touched = {e.card for e in fresh} | {str(e.data["new"]) for e in fresh if e.kind == "relink"}
    keys = families(db, touched)
    linked = {k for r in relinks for k in (r[0], r[1])}
    if linked:
        linked = families(db, linked)
    slow = linked | {r[0] for r in reviews if r[5] == "undo"}
    states: dict[str, CardState | None] = dict(replay_steps(steps_for(db, slow), rules)) if slow else {}
    rows = _rows(db, keys)
    fold = _Fold(rules)
    cards = fold.cards
    for key in keys - slow:
        row = rows.get(key)
        cards[key] = [row_state(row).to_json() if row is not None else None, None, None, None, 0, "", 0, None, None, None]
    ordered = [(r[2], r[10], r[11], r[0], r[5], r[4], r[3], r[6], r[7], e.data.get("after"))
               for r, e in zip(reviews, review_events, strict=True) if r[0] not in slow]
    ordered.sort()
    fold_rows, objs = with_objs(ordered)
    fold.rows(fold_rows, set(), set(), None, objs)
    new_rows = {k: _values(s) for k, s in states.items() if s is not None}
    for key, c in cards.items():
        v = fold.values(c)
        if v is not None:
            new_rows[key] = row_of(v)
        else:
            new_rows.pop(key, None)
    gone = sorted(k for k in keys if k not in new_rows and k in rows)
    for marks, chunk in key_chunks(gone):
        db.execute(f"DELETE FROM cards WHERE key IN ({marks})", chunk)
    put_rows(db, [r for k in sorted(keys) if (r := new_rows.get(k)) is not None and r != rows.get(k)], rows)
    return IngestResult(len(fresh), skipped, frozenset(keys))
