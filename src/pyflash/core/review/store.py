"""The review store: card state and an append-only review log, in SQLite.

* Each card's state: SM-2 easiness (in hundredths, exact), interval,
  repetitions, due day, suspended, buried-until, and its last review.
* ``reviews``: an append-only log. Every grade is a row with the UTC time,
  the local day, the grade, the full card state before and after, and the
  answer time. A bury, suspend, unbury or unsuspend is a row too (no grade).
  An undo appends an ``undo`` row that points at the action it took back;
  nothing is ever deleted from the log.
* ``relinks``: each time a card's history was carried over to an edited card.
* Every log row and relink is an event (docs/sync.md): it has the ``device``
  that recorded it and that device's ``seq``; :attr:`Store.device_id` is this
  store's. :meth:`Store.outbox` gives this device's events, :meth:`Store.ingest`
  takes others' and replays the cards they touch (:mod:`~pyflash.core.review.events_io`).

Each write is one transaction in WAL mode with ``synchronous=FULL``: a grade
is on disk before the caller goes on, so a killed process loses nothing
graded. A file that is not a pyflash database is reported and never written.

Every SQLite error becomes a :class:`StoreError` that names the file, what
failed and what to do (see :mod:`pyflash.core.review.faults`); a write that
failed leaves the database as it was, so it can simply be tried again. Every
open runs a bounded check for damage (:mod:`pyflash.core.review.health`).

This module opens the file and holds the connection (reopened after some
failed writes) and the write transaction; the methods come from its bases:
the read queries (:mod:`~pyflash.core.review.store_reads`), the write path
(:mod:`~pyflash.core.review.store_writes`: grades, flags, undo, relinks) and
the event methods (:mod:`~pyflash.core.review.event_log`: device id, outbox,
ingest).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from pyflash.core.errors import StoreError
from pyflash.core.review.checkpoint import SAFETY_PAGES, Checkpointer
from pyflash.core.review.event_log import EventLog
from pyflash.core.review.faults import explain
from pyflash.core.review.opening import configure, connect, open_database
from pyflash.core.review.records import CardState, LogEntry, Relink, utc_now_iso
from pyflash.core.review.rules import Rules
from pyflash.core.review.schema import DEFAULT_LEECH_THRESHOLD, MIGRATIONS, SCHEMA_VERSION
from pyflash.core.review.store_writes import StoreWrites
from pyflash.core.review.transaction import Transaction as _Transaction
from pyflash.core.review.transaction import guarded as _guarded

__all__ = ["MIGRATIONS", "SCHEMA_VERSION", "CardState", "LogEntry", "Relink", "Store", "utc_now_iso"]

# After these errors the connection is reopened before the next write (a file
# opened read-only stays read-only until it is reopened).
_REOPEN = ("SQLITE_READONLY", "SQLITE_CANTOPEN", "SQLITE_IOERR")


class Store(StoreWrites, EventLog):
    """The review database. Use as a context manager, or call :meth:`close`.

    ``timeout`` is how long a write waits for another program's lock;
    ``check=False`` skips the bounded damage check (``pyflash doctor`` does
    its own).
    """

    def __init__(
        self, path: str | Path, *, timeout: float = 10.0, check: bool = True, leech_threshold: int = DEFAULT_LEECH_THRESHOLD
    ) -> None:
        self.path = Path(path)
        self.timeout = timeout
        self._reopen = False
        self._db = open_database(self.path, timeout, check=check, leech_threshold=leech_threshold)
        self._device: str | None = None
        # How a conflicting grade is re-graded on ingest (the workspace sets its scheduler and leech settings).
        self.rules = Rules(leech_threshold=leech_threshold)
        self._checkpoints = Checkpointer(self.path)
        self._db.execute(f"PRAGMA wal_autocheckpoint={SAFETY_PAGES}")

    # -- opening ---------------------------------------------------------

    def _fault(self, exc: sqlite3.Error, doing: str) -> StoreError:
        if str(getattr(exc, "sqlite_errorname", "")).startswith(_REOPEN):
            self._reopen = True
        return explain(exc, self.path, doing)

    def _reconnect(self) -> None:
        """Open the file again after a failed write (it may have been made writable since)."""
        db = connect(self.path, self.timeout)
        try:
            configure(db)
        except BaseException:
            db.close()
            raise
        db.execute(f"PRAGMA wal_autocheckpoint={SAFETY_PAGES}")
        self._db.close()
        self._db = db
        self._reopen = False

    def close(self) -> None:
        self._checkpoints.close()
        self._db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def connection(self) -> sqlite3.Connection:
        """The open SQLite connection (for backups and the doctor; read only)."""
        return self._db

    @property
    @_guarded("read the schema version")
    def schema_version(self) -> int:
        return int(self._db.execute("PRAGMA user_version").fetchone()[0])

    def _tx(self) -> _Transaction:
        if self._reopen:
            self._reconnect()
        return _Transaction(self._db, self._checkpoints.committed)
