"""Rows written in a few statements, and Python work done while SQLite writes them (an ingest's).

:func:`insert_many` inserts rows with one ``INSERT ... VALUES (...), (...), ...`` per
:data:`ROWS`-sized chunk rather than one statement per row (``executemany``): the
same rows, in the same order (so the same row ids, the same triggers fired in the same order),
for about a third less of SQLite's and the sqlite3 module's work per row. Each statement is one
``sqlite3_step``, during which the sqlite3 module lets other threads run Python: :func:`meanwhile`
runs a function in a thread while the caller writes (one that uses no connection of the caller's: an
ingest's reads, on a connection of its own, :func:`reading`, and its fold), so that on a machine with a
second core they overlap with its log insert. Per-row
statements would hand the interpreter back and forth after every row, each time waiting for
the other thread to give it up (``sys.getswitchinterval()``, 5 ms): hence the few large ones.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from itertools import chain
from typing import Any, Generic, TypeVar

__all__ = ["MAX_VARIABLES", "Meanwhile", "database_file", "insert_many", "meanwhile", "reading"]

T = TypeVar("T")

MAX_VARIABLES = 32766  # SQLite's default limit of ? in one statement (since 3.32; 999 before): the most asked for
ROWS = 1000  # rows a statement at most: the statement of a full chunk is compiled once (sqlite3's cache)
MANY = 1_000_000  # as many rows a statement as SQLite's variable limit lets (a bulk ingest's: core/review/bulk.py)


def insert_many(
    db: sqlite3.Connection, head: str, width: int, rows: Sequence[Sequence[Any]], most: int | None = None
) -> None:
    """``db.executemany(head + " VALUES (?,...)", rows)`` (``width`` values a row), in statements of
    ``most`` rows (default :data:`ROWS`; fewer if SQLite's variable limit asks): 10,000 rows are 10 steps,
    and the statement, compiled once, costs a tenth of the rows' work (one of 2,500 rows costs about as
    much to compile as to run)."""
    limit = min(MAX_VARIABLES, db.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER))  # this SQLite's own
    per = max(1, min(most or ROWS, limit // width))
    one = "(" + ",".join("?" * width) + ")"
    for start in range(0, len(rows), per):
        chunk = rows[start : start + per]
        db.execute(f"{head} VALUES {','.join([one] * len(chunk))}", list(chain.from_iterable(chunk)))


class Meanwhile(Generic[T]):
    """A function running in a thread; :meth:`result` waits for it and gives its value (or raises its error)."""

    def __init__(self, fn: Callable[[], T]) -> None:
        self._fn = fn
        self._value: T | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="pyflash-ingest-fold", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            self._value = self._fn()
        except BaseException as exc:  # handed to the caller by result()
            self._error = exc

    def wait(self) -> None:
        """Wait for the function to end (its value or error left aside)."""
        self._thread.join()

    def result(self) -> T:
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._value  # type: ignore[return-value]


def meanwhile(fn: Callable[[], T]) -> Meanwhile[T]:
    """Start ``fn()`` (which uses no connection of the caller's) in a thread; ``.result()`` joins it."""
    return Meanwhile(fn)


def database_file(db: sqlite3.Connection) -> str | None:
    """The file of ``db``'s main database (None: in memory or temporary)."""
    for _seq, name, file in db.execute("PRAGMA database_list"):
        if name == "main":
            return str(file) if file else None
    return None


@contextmanager
def reading(path: str) -> Iterator[sqlite3.Connection]:
    """A read-only connection of its own to the store at ``path``, for a thread: in WAL mode it reads the
    store as last committed (not the rows the store's connection is writing meanwhile), without waiting."""
    db = sqlite3.connect(path, isolation_level=None, timeout=5.0)
    try:
        db.execute("PRAGMA query_only = ON")
        db.execute("PRAGMA cache_size = -65536")  # an ingest's: its reads touch rows all over the card table
        yield db
    finally:
        db.close()
