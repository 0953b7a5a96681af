"""A bulk ingest (core/review/bulk.py) that fails part way leaves the store as it was, and its thread
(core/review/bulkwork.py) ends: an error in the thread (making the log's rows) and one in SQLite's insert."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

import pytest

from pyflash.core.errors import StoreError
from pyflash.core.events import Event
from pyflash.core.review import bulk, bulkwork
from pyflash.core.review.store import Store

T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def _grade(seq: int, card: str, deck: object = "D") -> Event:
    when = T0 + timedelta(minutes=seq)
    after = {"key": card, "deck": "D", "text": "", "easiness": 250, "interval": 1, "repetitions": 1,
             "due_day": 20001, "suspended": False, "buried_until": None,
             "last_review": when.isoformat(timespec="milliseconds"), "last_day": 20000, "last_grade": 4,
             "first_day": 20000, "memory": None, "leech": False}
    data = {"deck": deck, "day": 20000, "grade": 4, "answer_ms": 900, "before": None, "after": after}
    return Event(f"dev-{seq}", "dev", seq, when.isoformat(timespec="milliseconds"), card, "review", data)


def _snapshot(store: Store) -> tuple[object, ...]:
    db = store.connection
    return tuple(db.execute(f"SELECT * FROM {t}").fetchall() for t in ("cards", "reviews", "relinks", "review_days",
                                                                        "review_orphans", "sqlite_master"))


def _threads() -> list[str]:
    return [t.name for t in threading.enumerate() if t.name == "pyflash-bulk-ingest"]


@pytest.fixture
def small_parts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bulk, "BULK_MIN", 1)
    monkeypatch.setattr(bulkwork, "PART", 3)


@pytest.mark.usefixtures("small_parts")
def test_an_error_making_the_rows_is_raised_and_changes_nothing(tmp_path):
    with Store(tmp_path / "s.sqlite3") as store:
        store.update("c1", "D", "text")
        before = _snapshot(store)
        events = [_grade(i, f"c{i % 4}") for i in range(1, 20)]
        events[10] = Event("dev-11", "dev", 11, events[10].ts, "c3", "review", {"day": 20000})  # no deck: a KeyError
        with pytest.raises(KeyError):
            store.ingest(events)
        assert _snapshot(store) == before
        assert _threads() == []
        assert store.ingest(events[:10]).added == 10  # and the store still takes events


@pytest.mark.usefixtures("small_parts")
def test_an_error_inserting_the_rows_stops_the_thread_and_changes_nothing(tmp_path, monkeypatch):
    real = bulkwork.log_rows

    def slow(*args: object, **kwargs: object) -> object:
        time.sleep(0.05)  # the thread is still making parts when the insert fails
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(bulkwork, "log_rows", slow)
    with Store(tmp_path / "s.sqlite3") as store:
        store.update("c1", "D", "text")
        before = _snapshot(store)
        events = [_grade(i, f"c{i % 4}") for i in range(1, 20)]
        events[4] = _grade(5, "c1", deck=None)  # NOT NULL: the insert of the second part fails
        with pytest.raises(StoreError):
            store.ingest(events)
        assert _snapshot(store) == before
        assert _threads() == []
        assert store.ingest(events[:4]).added == 4
