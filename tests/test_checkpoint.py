"""WAL checkpoints run in a background thread, off the grade's commit (core/review/checkpoint.py)."""

from __future__ import annotations

import sqlite3
import time

from pyflash.core.review.checkpoint import SAFETY_PAGES
from pyflash.core.review.store import Store


def _wait(condition, timeout: float = 10.0) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if condition():
            return True
        time.sleep(0.01)
    return condition()


def test_the_grade_path_leaves_checkpoints_to_a_thread(tmp_path):
    path = tmp_path / "r.sqlite3"
    with Store(path) as store:
        assert store.connection.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == SAFETY_PAGES
        store._checkpoints.every = 5
        for i in range(4):
            store.update(f"k{i}", "D", "x" * 2000)
        assert store._checkpoints._thread is None  # short sessions never start it
        store.update("k4", "D", "x" * 2000)
        assert _wait(lambda: store._checkpoints.done >= 1)
        # Everything written so far is in the database file: a passive checkpoint on a
        # fresh connection finds no frame left to copy.
        other = sqlite3.connect(path)
        busy, frames, copied = other.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        other.close()
        assert busy == 0 and frames == copied
        thread = store._checkpoints._thread
        assert thread is not None and thread.is_alive()
    assert not thread.is_alive()  # close() stopped it (other stores' threads may still run)
    with Store(path) as again:  # and nothing was lost
        assert sorted(again.states()) == [f"k{i}" for i in range(5)]
