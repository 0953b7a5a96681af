"""The store's side of the event log (docs/sync.md): its device id, its own events, ingesting others'.

The review log's rows and the relinks *are* the events: each row has the
``device`` that recorded it and that device's ``seq`` (its event id is
``device-seq``). This device's new rows get the next sequence number in the
write's own transaction (:func:`next_seq`), so a grade costs no extra write;
:func:`outbox` reads them back as :class:`~pyflash.core.events.Event` s for
``pyflash sync`` to write to files. :func:`ingest` stores events from
elsewhere and re-derives the state of every card they touch by replay
(:mod:`pyflash.core.events.replay`), with the card's whole relink family
(:mod:`pyflash.core.review.ingest`).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from pyflash.core.errors import StoreError
from pyflash.core.events import Event, IngestResult, event_id
from pyflash.core.events.replay import Rules, Step
from pyflash.core.events.replay import complete_state as _complete
from pyflash.core.review.records import CardState
from pyflash.core.review.transaction import Transaction, guarded

if TYPE_CHECKING:
    from pyflash.core.review.rebuild import RebuildReport

__all__ = [
    "EventLog",
    "all_steps",
    "device_id",
    "next_seq",
    "read_outbox",
    "steps_for",
]

_REVIEW_COLS = "key, deck, ts, day, grade, kind, before, after, answer_ms, typed, device, seq, undoes_event"
_RELINK_COLS = "old_key, new_key, deck, similarity, ts, device, seq, text, rekey"
CHUNK = 500
INGEST_CACHE_KIB = -65536  # PRAGMA cache_size during an ingest (negative: KiB)


def device_id(db: sqlite3.Connection) -> str:
    return str(db.execute("SELECT value FROM meta WHERE name = 'device'").fetchone()[0])


def next_seq(db: sqlite3.Connection, device: str) -> int:
    """This device's next sequence number (inside the write's transaction: two index look-ups)."""
    a = db.execute("SELECT MAX(seq) FROM reviews WHERE device = ?", (device,)).fetchone()[0]
    b = db.execute("SELECT MAX(seq) FROM relinks WHERE device = ?", (device,)).fetchone()[0]
    return max(a or 0, b or 0) + 1


def _state(text: str | None) -> dict[str, Any] | None:
    if not text:
        return None
    data: dict[str, Any]
    if _complete(text):  # as to_json writes it now: the object as it is
        data = json.loads(text)
        return data
    data = json.loads(CardState.from_json(text).to_json())  # an old row's: with the later fields
    return data


def _review_event(row: tuple[Any, ...]) -> Event:
    key, deck, ts, day, grade, kind, before, after, answer_ms, typed, device, seq, undoes = row
    data: dict[str, Any] = {"deck": deck, "day": day}
    for name, value in (("grade", grade), ("answer_ms", answer_ms), ("typed", typed), ("undoes", undoes)):
        if value is not None:
            data[name] = value
    for name, text in (("before", before), ("after", after)):
        if text:
            data[name] = _state(text)
    return Event(event_id(device, seq), device, seq, ts, key, str(kind), data)


def _relink_event(row: tuple[Any, ...]) -> Event:
    old, new, deck, similarity, ts, device, seq, text, rekey = row
    data: dict[str, Any] = {"deck": deck, "new": new, "similarity": similarity}
    if text is not None:
        data["text"] = text
    if rekey:
        data["rekey"] = True
    return Event(event_id(device, seq), device, seq, ts, old, "relink", data)


def read_outbox(db: sqlite3.Connection, device: str, after_seq: int = 0) -> list[Event]:
    """This device's events with ``seq`` above ``after_seq``, in ``seq`` order."""
    events = [
        _review_event(r)
        for r in db.execute(f"SELECT {_REVIEW_COLS} FROM reviews WHERE device = ? AND seq > ?", (device, after_seq))
    ]
    events += [
        _relink_event(r)
        for r in db.execute(f"SELECT {_RELINK_COLS} FROM relinks WHERE device = ? AND seq > ?", (device, after_seq))
    ]
    events.sort(key=lambda e: e.seq)
    return events


def _review_step(row: tuple[Any, ...]) -> Step:
    key, _deck, ts, day, grade, kind, before, after, _ms, _typed, device, seq, undoes = row
    return Step(ts, device, seq, key, kind, before or None, after or None, grade, day, undoes)


def _relink_step(row: tuple[Any, ...]) -> Step:
    old, new, _deck, _sim, ts, device, seq, text, rekey = row
    return Step(ts, device, seq, old, "relink", None, None, new=new, text=text, rekey=bool(rekey))


def _chunks(keys: list[str]) -> Iterator[tuple[str, list[str]]]:
    for start in range(0, len(keys), CHUNK):
        chunk = keys[start : start + CHUNK]
        yield ",".join("?" * len(chunk)), chunk


def steps_for(db: sqlite3.Connection, keys: Iterable[str]) -> list[Step]:
    """Every event of these cards (their log rows, and the relinks from or to them)."""
    wanted = sorted(set(keys))
    steps: list[Step] = []
    for marks, chunk in _chunks(wanted):
        steps += [_review_step(r) for r in db.execute(f"SELECT {_REVIEW_COLS} FROM reviews WHERE key IN ({marks})", chunk)]
    seen: set[tuple[str, int]] = set()
    for marks, chunk in _chunks(wanted):
        sql = f"SELECT {_RELINK_COLS} FROM relinks WHERE old_key IN ({marks}) OR new_key IN ({marks})"
        for r in db.execute(sql, chunk + chunk):
            if (r[5], r[6]) not in seen:
                seen.add((r[5], r[6]))
                steps.append(_relink_step(r))
    return steps


def all_steps(db: sqlite3.Connection) -> list[Step]:
    """Every event in the store."""
    steps = [_review_step(r) for r in db.execute(f"SELECT {_REVIEW_COLS} FROM reviews")]
    return steps + [_relink_step(r) for r in db.execute(f"SELECT {_RELINK_COLS} FROM relinks")]


def families(db: sqlite3.Connection, keys: Iterable[str]) -> set[str]:
    """``keys`` and every key joined to one of them by relinks (their states move between them)."""
    parent: dict[str, str] = {}

    def find(k: str) -> str:
        root = k
        while parent.get(root, root) != root:
            root = parent[root]
        while parent.get(k, k) != root:
            parent[k], k = root, parent[k]
        return root

    linked: set[str] = set()
    for old, new in db.execute("SELECT old_key, new_key FROM relinks"):
        linked.update((old, new))
        a, b = find(old), find(new)
        if a != b:
            parent[a] = b
    roots = {find(k) for k in keys}
    return {k for k in linked if find(k) in roots} | set(keys)


class EventLog:
    """The store's event methods (mixed into :class:`~pyflash.core.review.store.Store`)."""

    _db: sqlite3.Connection
    _device: str | None
    rules: Rules

    def _fault(self, exc: sqlite3.Error, doing: str) -> StoreError:
        raise NotImplementedError

    def _tx(self) -> Transaction:
        raise NotImplementedError

    def _put(self, state: CardState) -> None:
        raise NotImplementedError

    def _put_all(self, states: list[CardState]) -> None:
        from pyflash.core.review.ingest import put_states  # deferred: import cycle (ingest reads the log here)

        put_states(self._db, states)

    @property
    @guarded("read the device id")
    def device_id(self) -> str:
        """This store's device id (made once, with the store; its events carry it)."""
        if self._device is None:
            self._device = device_id(self._db)
        return self._device

    def _seq(self) -> tuple[str, int]:
        """(device, next sequence number), inside a write transaction."""
        device = self.device_id
        return device, next_seq(self._db, device)

    @guarded("read this device's events")
    def outbox(self, after_seq: int = 0) -> list[Event]:
        """This device's events with ``seq`` above ``after_seq``, in ``seq`` order."""
        return read_outbox(self._db, self.device_id, after_seq)

    @guarded("store the events (nothing was changed)")
    def ingest(self, events: Iterable[Event], rules: Rules | None = None) -> IngestResult:
        """Store the events not stored yet (by id) and re-derive the cards they touch, in one
        durable transaction. ``rules``: how a conflicting grade is graded (default :attr:`rules`)."""
        from pyflash.core.review.ingest import ingest_events  # deferred: import cycle (ingest reads the log here)

        # A sync's ingest touches rows all over the card table and its indexes: a larger page cache for
        # its length (64 MB at most, as pages are needed; then back to what it was) saves re-reading pages.
        size = int(self._db.execute("PRAGMA cache_size").fetchone()[0])
        self._db.execute(f"PRAGMA cache_size = {INGEST_CACHE_KIB}")
        try:
            with self._tx():
                return ingest_events(self._db, events, rules or self.rules)
        finally:
            self._db.execute(f"PRAGMA cache_size = {size}")

    @guarded("read the keys of the logged cards")
    def event_keys(self) -> set[str]:
        """Every card key some event is about (a log row's key, a relink's old or new key)."""
        keys = {r[0] for r in self._db.execute("SELECT DISTINCT key FROM reviews")}
        for old, new in self._db.execute("SELECT old_key, new_key FROM relinks"):
            keys.update((old, new))
        return keys

    @guarded("write the rebuilt card states (nothing was changed)")
    def replace_states(self, states: Iterable[CardState], remove: Iterable[str] = ()) -> None:
        """Write ``states`` and delete the rows of ``remove``, in one durable transaction (not logged:
        the card rows are a projection of the log)."""
        with self._tx():
            self._put_all(list(states))
            for marks, chunk in _chunks(sorted(set(remove))):
                self._db.execute(f"DELETE FROM cards WHERE key IN ({marks})", chunk)

    def rebuild(self, rules: Rules | None = None, *, fix: bool = True) -> RebuildReport:
        """Derive every card state from the log, list the differences, and (``fix``) write the derived
        states (``pyflash doctor --rebuild``; see :mod:`pyflash.core.review.rebuild`)."""
        from pyflash.core.review import rebuild  # deferred: import cycle (rebuild reads the store through this module)

        try:
            return rebuild.rebuild(self, rules or self.rules, fix=fix)  # type: ignore[arg-type]
        except sqlite3.Error as exc:
            raise self._fault(exc, "rebuild the card states from the log") from None
