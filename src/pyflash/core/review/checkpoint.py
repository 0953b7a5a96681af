"""WAL checkpoints off the grade path.

In WAL mode SQLite copies the log back into the database file (a
*checkpoint*) inside whichever commit pushes the log past
``wal_autocheckpoint`` pages. On a large store that copy and its fsync take
~100 ms, so every ~150th grade paused. The store instead raises the automatic
threshold to a safety net (:data:`SAFETY_PAGES`) and, every
:data:`EVERY_COMMITS` commits, asks a background thread to run a ``PASSIVE``
checkpoint on its own connection. A passive checkpoint never blocks a writer
and never waits for a reader, so the grade's commit only pays for its own
fsync. Durability is unchanged: every commit is still synced to the WAL
(``synchronous=FULL``) before the caller goes on; a checkpoint only moves
already-durable pages.

The thread starts on the first request (short-lived processes such as the CLI
never start it) and stops in :meth:`Checkpointer.close`.
"""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

EVERY_COMMITS = 50
SAFETY_PAGES = 4000  # SQLite's own checkpoint, if the thread ever falls behind (~16 MB of WAL)


class Checkpointer:
    """Counts commits and runs a passive checkpoint in a thread every :data:`EVERY_COMMITS`."""

    def __init__(self, path: Path, *, every: int | None = None) -> None:
        self.path = path
        self.every = EVERY_COMMITS if every is None else every
        self.commits = 0
        self.done = 0  # checkpoints completed (for tests and benches)
        self._wake = threading.Event()
        self._stop = False
        self._thread: threading.Thread | None = None

    def committed(self) -> None:
        """Called after each successful commit."""
        self.commits += 1
        if self.commits % self.every:
            return
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="pyflash-checkpoint", daemon=True)
            self._thread.start()
        self._wake.set()

    def _run(self) -> None:
        db: sqlite3.Connection | None = None
        try:
            while True:
                self._wake.wait()
                self._wake.clear()
                if self._stop:
                    return
                try:
                    if db is None:
                        db = sqlite3.connect(self.path, isolation_level=None, timeout=0.5)
                    db.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
                    self.done += 1
                except sqlite3.Error:
                    pass  # best effort: SQLite's own checkpoint at SAFETY_PAGES still runs
        finally:
            if db is not None:
                db.close()

    def close(self) -> None:
        thread = self._thread
        if thread is None:
            return
        self._stop = True
        self._wake.set()
        thread.join(timeout=5)
        self._thread = None
