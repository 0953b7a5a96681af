"""The whole log's replay on two cores: the cards split in two by key, each half folded by its own process.

A card's state depends on its own events only (a relink family's, on the family's: those are folded
apart, see :func:`~pyflash.core.events.fastfold.fold_log`), so the fast fold of two halves of the
cards gives the fold of all. The halves are the keys below and from the log's median key (read from
the key index), so each holds about half the rows; each process still scans the whole table, but
tells its rows apart by one comparison of the key (``+key``: by the scan, not through the index).
The half this process does not fold is folded by a forked child, on its
own read-only connection to the same file, and sent back over a pipe. Used for a large log in a
file that is not in a transaction here (what the child reads is the same committed log), on a
machine with two cores or more and ``fork``; otherwise, or if the child fails, one process folds all.

Both halves are read on their own read-only connections with the file memory-mapped (``mmap_size``):
each process reads the whole table once, and through ``mmap`` its pages cost no ``read`` system
call each (about 0.25 s of system time per process on a 1M-event log; docs/benchmarks.md). If this
process cannot open one, it reads its half on ``db``.
"""

from __future__ import annotations

import os
import sqlite3
import sys
from typing import Any

from pyflash.core.events.fastfold import Values, fold_part
from pyflash.core.events.replay import Rules

__all__ = ["SPLIT_MIN", "fold_split"]

SPLIT_MIN = 200_000  # log rows from which the fold is split over two processes
MMAP_SIZE = 1 << 32  # bytes of the file each reader maps (SQLite caps it at its build's maximum, 2 GiB by default)


def _file(db: sqlite3.Connection) -> str | None:
    for _seq, name, path in db.execute("PRAGMA database_list"):
        if name == "main":
            return str(path) or None
    return None


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _reader(path: str) -> sqlite3.Connection:
    """A read-only connection to the store's file, memory-mapped."""
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        con.execute(f"PRAGMA mmap_size = {MMAP_SIZE}")
    except BaseException:
        con.close()
        raise
    return con


def _median_key(db: sqlite3.Connection, top: int) -> tuple[str] | None:
    """The key at the middle of the log's rows in key order (``top``: the highest row id, the row count
    when no row was ever deleted), by the key index."""
    sql = "SELECT key FROM reviews ORDER BY key LIMIT 1 OFFSET ?"
    row = db.execute(sql, (top // 2,)).fetchone()
    if row is None:  # ids with gaps
        row = db.execute(sql, (db.execute("SELECT COUNT(*) FROM reviews").fetchone()[0] // 2,)).fetchone()
    return (row[0],) if row is not None else None


def fold_split(db: sqlite3.Connection, rules: Rules, skip: set[str], undone: set[str]) -> dict[str, Values | None]:
    """:func:`~pyflash.core.events.fastfold.fold_part` of every row, on two processes when it pays."""
    path = _file(db)
    top = db.execute("SELECT MAX(id) FROM reviews").fetchone()[0] or 0
    if path is None or db.in_transaction or top < SPLIT_MIN or _cores() < 2 or not sys.platform.startswith("linux"):
        return fold_part(db, rules, skip, undone)
    middle = _median_key(db, top)
    if middle is None:
        return fold_part(db, rules, skip, undone)
    mine, theirs_where = "WHERE +key < ?", "WHERE +key >= ?"
    import multiprocessing  # deferred: only a large log's replay

    ctx = multiprocessing.get_context("fork")
    reader, writer = ctx.Pipe(duplex=False)

    def child() -> None:
        con = None
        try:
            con = _reader(path)
            result: Any = fold_part(con, rules, skip, undone, theirs_where, middle)
        except BaseException as exc:
            result = exc
        writer.send(result)  # first: closing unmaps the file, which takes a while (~35 ms for 800 MB)
        if con is not None:
            con.close()

    proc = ctx.Process(target=child, daemon=True)
    proc.start()
    writer.close()
    try:
        own = _reader(path)
    except sqlite3.Error:
        own = db
    try:
        out = fold_part(own, rules, skip, undone, mine, middle)
    finally:
        if own is not db:
            own.close()
    try:
        theirs = reader.recv()
    except EOFError:
        theirs = None
    proc.join()
    reader.close()
    if not isinstance(theirs, dict):
        theirs = fold_part(db, rules, skip, undone, theirs_where, middle)
    out.update(theirs)
    return out
