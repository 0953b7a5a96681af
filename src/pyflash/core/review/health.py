"""Is the review database whole? A bounded check at every open, a full one on demand.

``PRAGMA quick_check`` reads every page: about 0.75 s for 1,000,000 reviews
(870 MB), too slow for every start (see docs/benchmarks.md). So every open
runs :func:`open_check`, whose cost does not grow with the review history:

* the file header (SQLite's magic and page size; a file shorter than its
  header says is truncated);
* ``PRAGMA quick_check`` of the ``cards`` table and its index (one row per
  card, not per review);
* the newest review rows, where every grade is appended;
* the whole ``quick_check`` while the file is small (up to
  :data:`FULL_CHECK_BYTES`, a few milliseconds).

A bigger file gets the full ``quick_check`` once a day, before the daily backup
(so a damaged file never replaces a good backup), and ``pyflash doctor`` runs
the full ``integrity_check``.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

MAGIC = b"SQLite format 3\x00"
FULL_CHECK_BYTES = 16 << 20  # up to 16 MiB, quick_check takes < 15 ms at every open
TAIL_ROWS = 64


def header_problem(path: Path) -> str | None:
    """What is wrong with the SQLite header of ``path`` (None if nothing is, or the file is empty)."""
    with open(path, "rb") as fh:
        header = fh.read(100)
    if not header:
        return None
    if header[:16] != MAGIC:
        return "is not a pyflash review database (not SQLite)"
    if len(header) < 100:
        return "is damaged: the SQLite header is cut short"
    page_size = int.from_bytes(header[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    if page_size < 512 or page_size & (page_size - 1):
        return "is damaged: the SQLite header has no valid page size"
    pages = int.from_bytes(header[28:32], "big")
    valid = header[24:28] == header[92:96]
    if valid and pages and path.stat().st_size < pages * page_size:
        return "is damaged: the file is shorter than its header says (truncated)"
    return None


def _messages(rows: list[tuple[object, ...]]) -> list[str]:
    return [str(r[0]) for r in rows if r and r[0] != "ok"]


def quick_check(db: sqlite3.Connection, table: str | None = None, limit: int = 10) -> list[str]:
    """``PRAGMA quick_check``: every page, without cross-checking indexes. [] means whole."""
    arg = table if table is not None else str(limit)
    return _messages(db.execute(f"PRAGMA quick_check({arg})").fetchall())


def integrity_check(db: sqlite3.Connection, limit: int = 100) -> list[str]:
    """``PRAGMA integrity_check``: everything, indexes included. [] means whole."""
    return _messages(db.execute(f"PRAGMA integrity_check({int(limit)})").fetchall())


def size_of(db: sqlite3.Connection) -> int:
    pages = int(db.execute("PRAGMA page_count").fetchone()[0])
    return pages * int(db.execute("PRAGMA page_size").fetchone()[0])


def open_check(db: sqlite3.Connection) -> list[str]:
    """The bounded check run at every open (raises sqlite3.DatabaseError on a bad page)."""
    if size_of(db) <= FULL_CHECK_BYTES:
        return quick_check(db, limit=3)
    problems = quick_check(db, "cards")
    if not problems:
        db.execute(f"SELECT * FROM reviews ORDER BY id DESC LIMIT {TAIL_ROWS}").fetchall()
        db.execute("SELECT * FROM relinks ORDER BY id DESC LIMIT 1").fetchall()
    return problems
