"""The review store: durability, undo from the log, migrations, corruption."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap

import pytest

from pyflash import paths
from pyflash.core.errors import StoreError
from pyflash.core.review.store import SCHEMA_VERSION, CardState, Store
from pyflash.core.scheduling.sm2 import Easiness


def test_store_lives_in_pyflash_home(pyflash_home):
    with Store() as store:
        assert store.path == pyflash_home / "data" / "reviews.sqlite3"
        assert store.schema_version == SCHEMA_VERSION
    assert paths.store_path().exists()


def test_record_and_undo_restore_the_exact_state(tmp_path):
    with Store(tmp_path / "r.sqlite3") as store:
        a = CardState("k", "D", "text", due_day=None)
        store.update("k", "D", "text")  # a row for a new card
        before = store.get("k")
        after = CardState("k", "D", "text", easiness=Easiness(2.6), interval=1, repetitions=1, due_day=11, last_day=10, last_grade=5, first_day=10)
        rid = store.record(before, after, grade=5, kind="review", ts="t", day=10, answer_ms=1200)
        assert store.get("k") == after
        undone = store.undo(ts="t2", day=10)
        assert undone.id == rid
        assert store.get("k") == before == a
        log = store.log("k")
        assert [e.kind for e in log] == ["review", "undo"]  # append-only
        assert log[0].answer_ms == 1200 and log[1].undoes == rid
        assert store.undo(ts="t3", day=10) is None  # nothing left to undo


def test_undo_of_a_first_review_removes_the_row(tmp_path):
    with Store(tmp_path / "r.sqlite3") as store:
        after = CardState("k", "D", "t", interval=1, repetitions=1, due_day=2, last_day=1, last_grade=4, first_day=1)
        store.record(None, after, grade=4, kind="review", ts="t", day=1, answer_ms=None)
        store.undo(ts="t", day=1)
        assert store.get("k") is None


def test_record_refuses_a_stale_before_state(tmp_path):
    with Store(tmp_path / "r.sqlite3") as store:
        store.update("k", "D", "t", suspended=True)
        with pytest.raises(StoreError):
            store.record(None, CardState("k", "D"), grade=4, kind="review", ts="t", day=1, answer_ms=None)


@pytest.mark.parametrize("content", [b"this is not a database at all", b"SQLite format 3\x00" + b"\xff" * 200])
def test_corrupt_database_is_reported_and_never_overwritten(tmp_path, content):
    db = tmp_path / "r.sqlite3"
    db.write_bytes(content)
    with pytest.raises(StoreError, match="left untouched"):
        Store(db)
    assert db.read_bytes() == content
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.sqlite3"]


def test_foreign_sqlite_database_is_refused(tmp_path):
    db = tmp_path / "r.sqlite3"
    con = sqlite3.connect(db)
    con.execute("CREATE TABLE other(x)")
    con.commit()
    con.close()
    before = db.read_bytes()
    with pytest.raises(StoreError, match="not a pyflash one"):
        Store(db)
    assert db.read_bytes() == before


def test_newer_schema_is_refused(tmp_path):
    db = tmp_path / "r.sqlite3"
    Store(db).close()
    con = sqlite3.connect(db)
    con.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    con.commit()
    con.close()
    with pytest.raises(StoreError, match="newer pyflash"):
        Store(db)


def test_migrations_run_from_an_empty_database(tmp_path):
    db = tmp_path / "r.sqlite3"
    sqlite3.connect(db).close()  # an empty SQLite file, version 0
    with Store(db) as store:
        assert store.schema_version == SCHEMA_VERSION
        mode = store._db.execute("PRAGMA journal_mode").fetchone()[0]
        assert mode == "wal"


CHILD = textwrap.dedent(
    """
    import os, sys
    from datetime import datetime, timezone
    from pyflash.core.workspace import open_workspace
    ws = open_workspace([sys.argv[1]], clock=lambda: datetime(2026, 3, 2, 10, tzinfo=timezone.utc))
    s = ws.session()
    n = int(sys.argv[2])
    for i in range(n):
        s.reveal()
        s.grade(4 if i % 2 else 5)
        print("graded", i, flush=True)
    print("done", flush=True)
    sys.stdin.readline()  # wait to be killed, with the store still open
    """
)


def test_sigkill_right_after_grading_loses_nothing(tmp_path):
    deck = tmp_path / "d.yaml"
    deck.write_text("deck: D\ncards:\n" + "".join(f"  - q: q{i}\n    a: a{i}\n" for i in range(5)), encoding="utf-8")
    proc = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(deck), "5"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=os.environ.copy(),
    )
    lines = []
    for line in proc.stdout:
        lines.append(line.strip())
        if line.startswith("done"):
            break
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    assert proc.returncode == -signal.SIGKILL
    assert lines[-1] == "done" and len(lines) == 6
    with Store() as store:
        grades = [e.grade for e in store.log() if e.kind != "undo"]
        assert grades == [5, 4, 5, 4, 5]
        assert len(store.states()) == 5
