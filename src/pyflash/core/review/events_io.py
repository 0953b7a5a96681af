"""The store's side of the event log (docs/sync.md): its device id, its own events, ingesting others'.

The review log's rows and the relinks *are* the events: each row has the
``device`` that recorded it and that device's ``seq`` (its event id is
``device-seq``). This device's new rows get the next sequence number in the
write's own transaction (:func:`next_seq`), so a grade costs no extra write;
:func:`outbox` reads them back as :class:`~pyflash.core.events.Event` s for
``pyflash sync`` to write to files. :func:`ingest` stores events from
elsewhere and re-derives the state of every card they touch by replay
(:mod:`pyflash.core.events.replay`), with the card's whole relink family.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from pyflash.core.errors import StoreError
from pyflash.core.events import Event, IngestResult, event_id, split_id
from pyflash.core.events.replay import Rules, Step, replay_steps, state_json
from pyflash.core.review.records import CardState
from pyflash.core.review.transaction import Transaction, guarded

__all__ = [
    "EventLog",
    "all_steps",
    "device_id",
    "ingest_events",
    "next_seq",
    "read_outbox",
    "steps_for",
]

_REVIEW_COLS = "key, deck, ts, day, grade, kind, before, after, answer_ms, typed, device, seq, undoes_event"
_RELINK_COLS = "old_key, new_key, deck, similarity, ts, device, seq, text, rekey"
CHUNK = 500


def device_id(db: sqlite3.Connection) -> str:
    return str(db.execute("SELECT value FROM meta WHERE name = 'device'").fetchone()[0])


def next_seq(db: sqlite3.Connection, device: str) -> int:
    """This device's next sequence number (inside the write's transaction: two index look-ups)."""
    a = db.execute("SELECT MAX(seq) FROM reviews WHERE device = ?", (device,)).fetchone()[0]
    b = db.execute("SELECT MAX(seq) FROM relinks WHERE device = ?", (device,)).fetchone()[0]
    return max(a or 0, b or 0) + 1


def _state(text: str | None) -> dict[str, Any] | None:
    return json.loads(CardState.from_json(text).to_json()) if text else None


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

    for old, new in db.execute("SELECT old_key, new_key FROM relinks"):
        a, b = find(old), find(new)
        if a != b:
            parent[a] = b
    roots = {find(k) for k in keys}
    members = {k for k in parent if find(k) in roots}
    return members | set(keys)


def _known(db: sqlite3.Connection, device: str, seq: int) -> bool:
    return (
        db.execute("SELECT 1 FROM reviews WHERE device = ? AND seq = ?", (device, seq)).fetchone() is not None
        or db.execute("SELECT 1 FROM relinks WHERE device = ? AND seq = ?", (device, seq)).fetchone() is not None
    )


def _row_id(db: sqlite3.Connection, ident: str) -> int | None:
    parts = split_id(ident)
    if parts is None:
        return None
    row = db.execute("SELECT id FROM reviews WHERE device = ? AND seq = ?", parts).fetchone()
    return int(row[0]) if row else None


def _insert(db: sqlite3.Connection, event: Event) -> list[str]:
    """Store one event; the card keys it touches."""
    d = event.data
    if event.kind == "relink":
        db.execute(
            "INSERT INTO relinks (old_key, new_key, deck, similarity, ts, device, seq, text, rekey)"
            " VALUES (?,?,?,?,?,?,?,?,?)",
            (event.card, d["new"], d["deck"], float(d.get("similarity", 0.0)), event.ts, event.device, event.seq,
             d.get("text"), int(bool(d.get("rekey")))),
        )
        return [event.card, str(d["new"])]
    undoes = d.get("undoes")
    cur = db.execute(
        "INSERT INTO reviews (key, deck, ts, day, grade, kind, before, after, answer_ms, typed, device, seq,"
        " undoes_event, undoes) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        (
            event.card, d["deck"], event.ts, d["day"], d.get("grade"), event.kind,
            state_json(d.get("before")), state_json(d.get("after")), d.get("answer_ms"), d.get("typed"),
            event.device, event.seq, undoes, _row_id(db, undoes) if undoes else None,
        ),
    )
    # an undo of this event that came before it: now it can point at its row
    db.execute(
        "UPDATE reviews SET undoes = ? WHERE undoes_event = ? AND undoes IS NULL", (cur.lastrowid, event.id)
    )
    return [event.card]


def ingest_events(
    db: sqlite3.Connection,
    events: Iterable[Event],
    rules: Rules,
    write: Callable[[CardState], None],
) -> IngestResult:
    """Store the events whose id is new, then replay every card they touch (``db`` is in a transaction).

    ``write`` is the store's own row writer.
    """
    added = skipped = 0
    touched: set[str] = set()
    for event in events:
        if _known(db, event.device, event.seq):
            skipped += 1
            continue
        touched.update(_insert(db, event))
        added += 1
    if not touched:
        return IngestResult(added, skipped, frozenset())
    keys = families(db, touched)
    states = replay_steps(steps_for(db, keys), rules)
    for marks, chunk in _chunks(sorted(keys)):
        db.execute(f"DELETE FROM cards WHERE key IN ({marks})", chunk)
    for key in sorted(keys):
        state = states.get(key)
        if state is not None:
            write(state)
    return IngestResult(added, skipped, frozenset(keys))


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
        with self._tx():
            return ingest_events(self._db, events, rules or self.rules, self._put)
