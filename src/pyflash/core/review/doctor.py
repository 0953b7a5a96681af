"""``pyflash doctor``: check the whole review database, and repair a damaged one.

:func:`examine` runs SQLite's full ``PRAGMA integrity_check`` (every page and
every index) and counts the rows. :func:`repair` copies every row that can
still be read into a fresh file, made by the store's own schema code, keeps
the damaged file aside (``reviews.sqlite3.damaged-YYYYMMDD-HHMMSS``) and puts
the fresh one in its place. A card whose row is lost but whose grades are in
the log gets back the state of its last logged grade.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from pyflash.core.errors import StoreError
from pyflash.core.review.backup import aside_name, exclusive, move_aside
from pyflash.core.review.faults import path_problem
from pyflash.core.review.health import header_problem, integrity_check
from pyflash.core.review.schema import DEFAULT_LEECH_THRESHOLD, MARK_LEECHES, TABLES, migrate, number_events

CHUNK = 500
_COPY = {
    "cards": "key, deck, text, easiness, interval, repetitions, due_day, suspended, "
    "buried_until, last_review, last_day, last_grade, first_day, leech, memory",
    "reviews": "id, key, deck, ts, day, grade, kind, before, after, answer_ms, undoes, typed, device, seq, undoes_event",
    "relinks": "id, old_key, new_key, deck, similarity, ts, device, seq, text, rekey",
}


@dataclass
class Examination:
    path: Path
    problems: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    size: int = 0

    @property
    def whole(self) -> bool:
        return not self.problems


@dataclass
class Repair:
    damaged: Path  # where the damaged file was kept
    copied: dict[str, int] = field(default_factory=dict)
    lost: dict[str, int] = field(default_factory=dict)
    rebuilt_cards: int = 0  # card rows rebuilt from the review log


def _read_only(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True, isolation_level=None)


def examine(path: Path) -> Examination:
    """The full integrity check of the database at ``path`` (StoreError if there is none)."""
    problem = path_problem(path)
    if problem is not None:
        raise StoreError(f"{path}: {problem}")
    if not path.exists():
        raise StoreError(f"{path}: there is no review database yet (it is made by the first `pyflash study`)")
    report = Examination(path, size=path.stat().st_size)
    problem = header_problem(path)
    if problem is not None:
        report.problems.append(problem.removeprefix("is damaged: "))
        return report
    try:
        with closing(_read_only(path)) as db:
            report.problems = integrity_check(db)
            for table in TABLES:
                try:
                    report.counts[table] = int(db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])
                except sqlite3.Error as exc:
                    report.problems.append(f"table {table}: {exc}")
    except sqlite3.Error as exc:
        report.problems.append(str(exc))
    return report


# Columns added by a later schema version, and what a damaged file of an older version reads for them.
_LATER = {
    "typed": "NULL", "leech": "0", "device": "NULL", "seq": "NULL", "undoes_event": "NULL", "text": "NULL", "rekey": "0",
    "memory": "NULL",
}


def _columns(db: sqlite3.Connection, table: str) -> str:
    """The columns of ``table`` to read from ``db``: :data:`_COPY`'s, a default for those it does not have yet."""
    try:
        have = {r[1] for r in db.execute(f"PRAGMA table_info({table})")}
    except sqlite3.DatabaseError:
        have = set()
    cols = [c.strip() for c in _COPY[table].split(",")]
    return ", ".join(c if c in have or c not in _LATER else f"{_LATER[c]} AS {c}" for c in cols)


def _has_leech(db: sqlite3.Connection) -> bool:
    try:
        return any(r[1] == "leech" for r in db.execute("PRAGMA table_info(cards)"))
    except sqlite3.DatabaseError:
        return True  # unreadable: the copy reports it


def _chunks(db: sqlite3.Connection, table: str, order: str, lost: list[int]) -> Iterator[tuple[Any, ...]]:
    """Every readable row of ``table``: forward up to a bad page, then backward from the end to it."""
    cols = _columns(db, table)
    seen: set[Any] = set()
    for direction in ("ASC", "DESC"):
        try:
            for row in db.execute(f"SELECT {cols} FROM {table} ORDER BY {order} {direction}"):
                if row[0] in seen:
                    return  # the backward pass met the forward one
                seen.add(row[0])
                yield row
            return  # read to the end without a bad page
        except sqlite3.DatabaseError:
            lost[0] += 1


def _rows_by_id(db: sqlite3.Connection, table: str, lost: list[int]) -> Iterator[tuple[Any, ...]]:
    """Rows of a table keyed by an integer id, read around bad pages one id at a time."""
    try:
        top = db.execute(f"SELECT seq FROM sqlite_sequence WHERE name = '{table}'").fetchone()
    except sqlite3.DatabaseError:
        top = None
    if top is None:
        yield from _chunks(db, table, "id", lost)
        return
    cols = _columns(db, table)
    for start in range(1, int(top[0]) + 1, CHUNK):
        end = start + CHUNK - 1
        try:
            yield from db.execute(f"SELECT {cols} FROM {table} WHERE id BETWEEN ? AND ? ORDER BY id", (start, end)).fetchall()
            continue
        except sqlite3.DatabaseError:
            pass
        for i in range(start, end + 1):  # this chunk has a bad page: row by row
            try:
                row = db.execute(f"SELECT {cols} FROM {table} WHERE id = ?", (i,)).fetchone()
            except sqlite3.DatabaseError:
                lost[0] += 1
                continue
            if row is not None:
                yield row


def _rebuild_cards(fresh: sqlite3.Connection) -> int:
    """Card rows missing after the copy, from the last logged state of each card."""
    have = {r[0] for r in fresh.execute("SELECT key FROM cards")}
    gone = {r[0] for r in fresh.execute("SELECT old_key FROM relinks")}
    last: dict[str, str | None] = {}
    for key, after in fresh.execute("SELECT key, after FROM reviews ORDER BY id"):
        last[key] = after
    cols = _COPY["cards"]
    marks = ",".join("?" * len(cols.split(",")))
    n = 0
    for key, after in last.items():
        if key in have or key in gone or after is None:
            continue
        s = json.loads(after)
        s["leech"] = bool(s.get("leech"))  # logged before schema 5: no leech field
        fresh.execute(
            f"INSERT INTO cards ({cols}) VALUES ({marks})",
            tuple(s.get(c.strip()) for c in cols.split(",")),
        )
        n += 1
    return n


def _copy_device(source: sqlite3.Connection, fresh: sqlite3.Connection) -> None:
    """Keep the damaged file's device id (its events are this device's), if it can be read."""
    try:
        row = source.execute("SELECT value FROM meta WHERE name = 'device'").fetchone()
    except sqlite3.DatabaseError:
        return
    if row is not None:
        fresh.execute("UPDATE meta SET value = ? WHERE name = 'device'", (str(row[0]),))


def _copy_all(source: sqlite3.Connection, fresh: sqlite3.Connection, report: Repair) -> None:
    for table in TABLES:
        lost = [0]
        rows = _chunks(source, table, "key", lost) if table == "cards" else _rows_by_id(source, table, lost)
        cols = _COPY[table]
        marks = ",".join("?" * len(cols.split(",")))
        n = 0
        for row in rows:
            fresh.execute(f"INSERT OR IGNORE INTO {table} ({cols}) VALUES ({marks})", row)
            n += 1
        report.copied[table] = n
        report.lost[table] = lost[0]
    _copy_device(source, fresh)
    number_events(fresh)  # rows of a file from before events (schema 6) become this device's
    report.rebuilt_cards = _rebuild_cards(fresh)
    if not _has_leech(source):  # a store from before leeches: mark them from the log, as migration 5 does
        fresh.execute(MARK_LEECHES, {"threshold": DEFAULT_LEECH_THRESHOLD})


def repair(path: Path, *, now: datetime) -> Repair:
    """Copy every readable row into a fresh database; keep the damaged one aside."""
    if not path.exists():
        raise StoreError(f"{path}: there is no review database to repair")
    fresh_path = path.with_name(f".{path.name}.repair.tmp")
    fresh_path.unlink(missing_ok=True)
    report = Repair(damaged=aside_name(path, "damaged", now))
    try:
        with closing(_read_only(path)) as source, closing(sqlite3.connect(fresh_path, isolation_level=None)) as fresh:
            migrate(fresh, 0)
            fresh.execute("PRAGMA foreign_keys=OFF")  # an undo row may point at a lost grade
            fresh.execute("BEGIN")
            _copy_all(source, fresh, report)
            fresh.execute("COMMIT")
        with open(fresh_path, "rb") as fh:
            os.fsync(fh.fileno())
        with exclusive(path):
            move_aside(path, report.damaged)
        os.replace(fresh_path, path)
    except (OSError, sqlite3.Error) as exc:
        raise StoreError(f"{path}: cannot repair the database ({exc}); the file was left as it was") from None
    finally:
        fresh_path.unlink(missing_ok=True)
    return report
