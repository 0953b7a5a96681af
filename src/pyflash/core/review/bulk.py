"""A bulk ingest: a large batch of events into a store whose log is empty (a new device's first sync).

The same result as :func:`~pyflash.core.review.ingest.ingest_events` (a test compares them), in the
same transaction, faster:

* the log's rows are inserted with ``reviews``' triggers and larger secondary indexes dropped, and both
  created again after (their SQL as the schema has it, read from ``sqlite_master``); what the
  triggers keep (``review_days``, ``review_orphans``) is then summed from the log in one statement
  each. All of it is DDL and DML in the ingest's transaction: a crash leaves the store as before;
* a card the batch takes no undo and no relink for continues from its row (as the incremental
  ingest does; with an empty log there is no history before) by the fast fold
  (:mod:`pyflash.core.events.fastfold`), over the batch's own rows sorted in time order; any other
  card is replayed from its first event by the plain fold, as the incremental ingest does it;
* the changed rows are written as the incremental ingest writes them.

The log's rows are made, and the fast fold run, in a thread while this connection inserts them and
makes the indexes again (:mod:`pyflash.core.review.bulkwork`); the cyclic garbage collector is off
meanwhile.

It is used only when the store's ``reviews`` triggers are the ones it knows how to sum again, so a
schema change elsewhere makes it step aside rather than leave a derived table stale.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Container, Iterable
from typing import Any

from pyflash.core.events import Event, IngestResult
from pyflash.core.events.replay import Rules, replay_steps
from pyflash.core.gcpause import collector_paused
from pyflash.core.review.bulkwork import BulkWork
from pyflash.core.review.event_log import key_chunks
from pyflash.core.review.events_io import joined, steps_for
from pyflash.core.review.ingest import Texts, _resolve_undos, _rows, _values, insert_rows, new_events
from pyflash.core.review.overlap import MANY
from pyflash.core.review.records import COLUMNS, CardState
from pyflash.core.review.schema import DAY_COLUMNS, GRADE_KINDS, SUM_DAYS

__all__ = ["BULK_MIN", "bulk_ingest", "can_bulk"]

BULK_MIN = 2000  # fewer events than this go through the incremental ingest
KEPT = frozenset({"reviews_event"})  # reviews' indexes kept while the log rows are inserted (see _drop)
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


def _drop(db: sqlite3.Connection) -> list[tuple[str, str, str]]:
    """Drop ``reviews``' triggers and its secondary indexes but those it keeps up to date as cheaply row by
    row (the partial ones and :data:`KEPT`); (type, name, SQL) of each, to make them again.

    A partial index takes few of a batch's rows (undos, lapses), and made again it would cost a scan of the
    whole log each; ``reviews_event`` (device, seq) grows at one place per device. Kept, they cost the
    insert a little (which waits for the thread making rows anyway) and save the index builds after it
    (which the fold runs beside): at 400k events the builds took 1.96 s of CPU instead of 2.73, the
    insert 2.42 instead of 2.25."""
    kept = {r[1] for r in db.execute("PRAGMA index_list(reviews)") if r[4] or r[1] in KEPT}
    schema = [r for r in db.execute(
        "SELECT type, name, sql FROM sqlite_master WHERE tbl_name = 'reviews' AND type IN ('index', 'trigger')"
        " AND sql IS NOT NULL"
    ) if r[1] not in kept]
    for kind, name, _sql in schema:
        db.execute(f'DROP {kind.upper()} "{name}"')
    return schema


def _restore(db: sqlite3.Connection, schema: list[tuple[str, str, str]], undo: bool) -> None:
    """Once the rows are in: make the indexes and triggers :func:`_drop` dropped again, and sum what the
    triggers keep from the log (``undo``: some row is an undo, pointed at the row it takes back)."""
    for kind, _name, sql in schema:
        if kind == "index":
            db.execute(sql)
    if undo:
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


def _new_events(db: sqlite3.Connection, events: Iterable[Event]) -> tuple[list[Event], int]:
    """:func:`~pyflash.core.review.ingest.new_events` into an empty log: the batch as it is when no two of its
    events have the same id (a set of the ids; else new_events drops the repeats)."""
    batch = list(events)
    if len({(e.device, e.seq) for e in batch}) == len(batch):
        return batch, 0
    return new_events(db, batch)


def bulk_ingest(db: sqlite3.Connection, events: Iterable[Event], rules: Rules, texts: Texts | None = None) -> IngestResult:
    """:func:`~pyflash.core.review.ingest.ingest_events` of a large batch into an empty log (``db`` is in a
    transaction; see the module's doc)."""
    with collector_paused():  # a bulk ingest makes millions of objects and no cycle
        fresh, skipped = _new_events(db, events)
        if not fresh:
            return IngestResult(0, skipped, frozenset())
        # the log and the relinks are empty: a family is joined by the batch's relinks alone
        pairs = [(e.card, str(e.data["new"])) for e in fresh if e.kind == "relink"]
        keys = joined(pairs, {e.card for e in fresh} | {new for _old, new in pairs})
        linked = joined(pairs, {k for pair in pairs for k in pair}) if pairs else set()
        undo = {e.card for e in fresh if e.kind == "undo"}
        slow = linked | undo
        rows = _rows(db, keys)  # the card rows: inserting the log's rows leaves them as they are
        work = BulkWork(fresh, texts, rules, keys - slow, rows)  # the log's rows, then the fold, in a thread
        schema = _drop(db)
        try:
            for reviews, relinks in work.parts():  # in statements as large as SQLite takes: fewer waits for the GIL
                insert_rows(db, reviews, relinks, MANY)
            _restore(db, schema, bool(undo))
        except BaseException:
            work.stop()
            raise
        folded = work.result()
        states: dict[str, CardState | None] = dict(replay_steps(steps_for(db, slow), rules)) if slow else {}
        new_rows = {k: _values(s) for k, s in states.items() if s is not None}
        for key, row in folded.items():
            if row is not None:
                new_rows[key] = row
            else:
                new_rows.pop(key, None)
        gone = sorted(k for k in keys if k not in new_rows and k in rows)
        for marks, chunk in key_chunks(gone):
            db.execute(f"DELETE FROM cards WHERE key IN ({marks})", chunk)
        put_rows(db, [r for k in sorted(keys) if (r := new_rows.get(k)) is not None and r != rows.get(k)], rows)
        return IngestResult(len(fresh), skipped, frozenset(keys))
