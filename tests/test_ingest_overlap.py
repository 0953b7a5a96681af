"""An ingest's log insert in a few statements, overlapped with its fold in a thread
(pyflash.core.review.overlap): the same store as the one-after-the-other path."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from pyflash.core.events import Event
from pyflash.core.review import ingest, overlap
from pyflash.core.review.store import Store

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
DAY = T0.date().toordinal()
TABLES = (
    "SELECT * FROM cards ORDER BY key",
    "SELECT id, key, deck, ts, day, grade, kind, before, after, answer_ms, typed, device, seq, undoes_event, undoes"
    " FROM reviews ORDER BY id",
    "SELECT * FROM review_days ORDER BY day",
    "SELECT * FROM review_orphans ORDER BY key",
)


def _grade(device: str, seq: int, n: int, when: datetime, grade: int, first: bool) -> Event:
    key, deck = f"card-{n}", "D"
    after = {"key": key, "deck": deck, "easiness": 250, "interval": 1, "repetitions": 1, "due_day": DAY + 1,
             "suspended": False, "buried_until": None, "last_review": when.isoformat(), "last_day": DAY,
             "last_grade": grade, "first_day": DAY, "memory": None, "leech": False}
    before = {**after, "interval": 0, "repetitions": 0, "due_day": None, "last_review": None, "last_day": None,
              "last_grade": None, "first_day": None} if first else None
    data = {"deck": deck, "day": DAY, "grade": grade, "answer_ms": 1000 + seq, "before": before, "after": after}
    return Event(f"{device}-{seq}", device, seq, when.isoformat(), key, "review", data)


def _batches() -> tuple[list[Event], list[Event]]:
    """devA grades cards 0-29; devB grades 15-44 (on 15-29 some before devA's grade, some after; 40-44 have
    no card row): continued and replayed-from-the-first-event cards, lapses and orphans."""
    a = [_grade("devA", i + 1, i, T0 + timedelta(minutes=2 * i), 3 + i % 3, True) for i in range(30)]
    b = [_grade("devB", i + 1, 15 + i, T0 + timedelta(minutes=2 * i + (40 if i % 2 else -40)), i % 6, i % 3 != 0)
         for i in range(30)]
    return a, b


def _dump(path: Path) -> list[list[tuple[object, ...]]]:
    db = sqlite3.connect(path)
    try:
        return [db.execute(sql).fetchall() for sql in TABLES]
    finally:
        db.close()


def _store(path: Path) -> Store:
    store = Store(path)
    store.connection.executemany("INSERT INTO cards (key, deck) VALUES (?, 'D')", [(f"card-{n}",) for n in range(40)])
    return store


def test_the_overlapped_ingest_stores_what_the_one_after_the_other_ingest_stores(tmp_path, monkeypatch):
    a, b = _batches()
    runs = {}
    folds: list[str] = []
    real = ingest._fold_run

    def counted(fold, ordered):
        folds.append("ran")
        return real(fold, ordered)

    monkeypatch.setattr(ingest, "_fold_run", counted)
    monkeypatch.setattr(ingest, "OVERLAP_MIN", 30)  # this test's batches: apart (29 would be inline)
    for name, sequential in (("overlapped", False), ("inline", None), ("sequential", True)):
        if sequential is None:  # no file for a second connection: read and folded first, then inserted
            monkeypatch.setattr(ingest, "database_file", lambda db: None)
        if sequential:  # a logged undo waiting for its event: the rows are inserted first, as before overlap.py
            monkeypatch.setattr(ingest, "_waiting_undo", lambda db: True)
        with _store(tmp_path / f"{name}.sqlite3") as store:
            store.ingest(a)
            started = [0]
            real_meanwhile = ingest.meanwhile

            def spy(fn, started=started, real_meanwhile=real_meanwhile):
                started[0] += 1
                return real_meanwhile(fn)

            monkeypatch.setattr(ingest, "meanwhile", spy)
            done = store.ingest(b)
            assert started[0] == (0 if sequential in (None, True) else 1)
            assert done.added == 30
        runs[name] = _dump(tmp_path / f"{name}.sqlite3")
    assert runs["overlapped"] == runs["sequential"] == runs["inline"]
    assert len(folds) == 6  # each run's two ingests
    cards = {r[0]: r for r in runs["overlapped"][0]}
    assert cards["card-44"][11] == 5  # a card with no row, graded by devB: stored
    assert len(runs["overlapped"][1]) == 60


def test_a_fold_that_fails_in_its_thread_leaves_the_store_as_it_was(tmp_path, monkeypatch):
    a, b = _batches()
    with _store(tmp_path / "s.sqlite3") as store:
        store.ingest(a)
        before = _dump(tmp_path / "s.sqlite3")

        def broken(fold, ordered):
            raise RuntimeError("fold failed")

        monkeypatch.setattr(ingest, "_fold_run", broken)
        monkeypatch.setattr(ingest, "OVERLAP_MIN", 1)
        with pytest.raises(RuntimeError, match="fold failed"):
            store.ingest(b)
        assert _dump(tmp_path / "s.sqlite3") == before


def test_insert_many_inserts_the_rows_in_order_as_executemany_does(tmp_path, monkeypatch):
    monkeypatch.setattr(overlap, "MAX_VARIABLES", 7)  # 3 values a row: 2 rows a statement
    db = sqlite3.connect(tmp_path / "t.sqlite3", isolation_level=None)
    db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, a, b, c)")
    db.execute("CREATE TABLE seen (id INTEGER PRIMARY KEY, a)")
    db.execute("CREATE TRIGGER t_in AFTER INSERT ON t BEGIN INSERT INTO seen (a) VALUES (NEW.a); END")
    rows = [(i, f"x{i}", None if i % 2 else 1.5) for i in range(5)]
    overlap.insert_many(db, "INSERT INTO t (a, b, c)", 3, rows)
    overlap.insert_many(db, "INSERT INTO t (a, b, c)", 3, [])
    assert db.execute("SELECT id, a, b, c FROM t ORDER BY id").fetchall() == [(i + 1, *r) for i, r in enumerate(rows)]
    assert [r[0] for r in db.execute("SELECT a FROM seen ORDER BY id")] == [r[0] for r in rows]


def test_insert_many_keeps_to_this_sqlites_limit_of_variables(tmp_path):
    db = sqlite3.connect(tmp_path / "t.sqlite3", isolation_level=None)
    db.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, 999)  # an SQLite older than 3.32
    db.execute("CREATE TABLE t (a, b, c)")
    rows = [(i, i, i) for i in range(1500)]  # 4,500 values: more than one statement may take there
    overlap.insert_many(db, "INSERT INTO t (a, b, c)", 3, rows)
    assert db.execute("SELECT a, b, c FROM t ORDER BY rowid").fetchall() == rows


def test_the_second_connection_reads_the_store_as_last_committed(tmp_path):
    path = tmp_path / "s.sqlite3"
    with _store(path) as store:
        db = store.connection
        assert overlap.database_file(db) == str(path)
        assert overlap.database_file(sqlite3.connect(":memory:")) is None
        db.execute("BEGIN IMMEDIATE")
        db.execute("INSERT INTO cards (key, deck) VALUES ('new', 'D')")
        with overlap.reading(str(path)) as other:
            assert other.execute("SELECT COUNT(*) FROM cards").fetchone()[0] == 40
            with pytest.raises(sqlite3.OperationalError):
                other.execute("DELETE FROM cards")
        db.execute("ROLLBACK")


def test_meanwhile_gives_the_value_or_raises_the_error():
    assert overlap.meanwhile(lambda: 42).result() == 42

    def fails() -> int:
        raise ValueError("no")

    running = overlap.meanwhile(fails)
    running.wait()
    with pytest.raises(ValueError, match="no"):
        running.result()


def test_ingest_decoded_stores_the_texts_read_line_made_as_ingest_makes_them(tmp_path):
    from pyflash.core.events import encode
    from pyflash.core.events.fastline import read_line

    a, b = _batches()
    read = [read_line(encode(e)) for e in b]
    assert all(r is not None for r in read)
    with _store(tmp_path / "plain.sqlite3") as plain, _store(tmp_path / "decoded.sqlite3") as decoded:
        plain.ingest(a)
        decoded.ingest(a)
        plain.ingest(b)
        done = decoded.ingest_decoded([r[0] for r in read], [r[1:] for r in read[:-1]] + [None])
        assert done.added == 30
    assert _dump(tmp_path / "plain.sqlite3") == _dump(tmp_path / "decoded.sqlite3")
    with _store(tmp_path / "given.sqlite3") as given:  # the texts given are the ones stored
        event, before, after = read[0]
        given.ingest_decoded([event], [(before, after.replace('"interval": 1', '"interval": 77'))])
        assert '"interval": 77' in given.connection.execute("SELECT after FROM reviews").fetchone()[0]
