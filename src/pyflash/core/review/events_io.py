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
from collections.abc import Callable, Iterable
from typing import Any

from pyflash.core.events import Event, IngestResult, canonical_ts, event_id, split_id
from pyflash.core.events.replay import Prior, Step, replay_steps, state_json
from pyflash.core.events.replay import complete_state as _complete
from pyflash.core.review.event_log import CHUNK, EventLog, device_id, next_seq
from pyflash.core.review.event_log import key_chunks as _chunks
from pyflash.core.review.records import COLUMNS, CardState, row_state
from pyflash.core.review.rules import Rules
from pyflash.core.review.schema import LAPSE_ROWS

__all__ = [
    "CHUNK",
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


def _known(db: sqlite3.Connection, events: list[Event]) -> set[tuple[str, int]]:
    """(device, seq) of the events already stored: one range read per device and table."""
    ranges: dict[str, tuple[int, int]] = {}
    for e in events:
        low, high = ranges.get(e.device, (e.seq, e.seq))
        ranges[e.device] = (min(low, e.seq), max(high, e.seq))
    known: set[tuple[str, int]] = set()
    for device, (low, high) in ranges.items():
        for table in ("reviews", "relinks"):
            sql = f"SELECT seq FROM {table} WHERE device = ? AND seq BETWEEN ? AND ?"
            known.update((device, r[0]) for r in db.execute(sql, (device, low, high)))
    return known


def _resolve_undos(db: sqlite3.Connection) -> None:
    """Point every undo row at the local row of the event it names, once that event is here."""
    waiting = db.execute(
        "SELECT id, undoes_event FROM reviews INDEXED BY reviews_undoes_event"
        " WHERE undoes_event IS NOT NULL AND undoes IS NULL"
    ).fetchall()
    for rid, ident in waiting:
        parts = split_id(ident)
        if parts is None:
            continue
        row = db.execute("SELECT id FROM reviews WHERE device = ? AND seq = ?", parts).fetchone()
        if row is not None:
            db.execute("UPDATE reviews SET undoes = ? WHERE id = ?", (row[0], rid))


def _store(db: sqlite3.Connection, fresh: list[Event]) -> list[Step]:
    """Insert the events; each as a replay step."""
    reviews, relinks, steps = [], [], []
    for event in fresh:
        d = event.data
        ts = canonical_ts(event.ts)
        if event.kind == "relink":
            relinks.append((event.card, d["new"], d["deck"], float(d.get("similarity", 0.0)), ts, event.device,
                            event.seq, d.get("text"), int(bool(d.get("rekey")))))
            steps.append(Step(ts, event.device, event.seq, event.card, "relink", None, None, new=d["new"],
                              text=d.get("text"), rekey=bool(d.get("rekey"))))
        else:
            before, after = state_json(d.get("before")), state_json(d.get("after"))
            reviews.append((event.card, d["deck"], ts, d["day"], d.get("grade"), event.kind, before, after,
                            d.get("answer_ms"), d.get("typed"), event.device, event.seq, d.get("undoes")))
            steps.append(Step(ts, event.device, event.seq, event.card, event.kind, before, after, d.get("grade"),
                              d.get("day"), d.get("undoes")))
    db.executemany(
        "INSERT INTO relinks (old_key, new_key, deck, similarity, ts, device, seq, text, rekey) VALUES (?,?,?,?,?,?,?,?,?)",
        relinks,
    )
    db.executemany(
        "INSERT INTO reviews (key, deck, ts, day, grade, kind, before, after, answer_ms, typed, device, seq, undoes_event)"
        " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
        reviews,
    )
    if any(event.kind == "undo" for event in fresh) or db.execute(
        "SELECT 1 FROM reviews INDEXED BY reviews_undoes_event WHERE undoes_event IS NOT NULL AND undoes IS NULL LIMIT 1"
    ).fetchone():
        _resolve_undos(db)
    return steps


class _Before:
    """The history of a card before this ingest's events (the store's rows up to ``top``), read on demand."""

    def __init__(self, db: sqlite3.Connection, top: int) -> None:
        self.db, self.top = db, top

    def last(self, key: str) -> tuple[str, str | None] | None:
        row = self.db.execute(
            "SELECT device, after FROM reviews r WHERE key = ? AND id <= ? AND kind != 'undo'"
            " AND NOT EXISTS (SELECT 1 FROM reviews u WHERE u.undoes = r.id)"
            " ORDER BY ts DESC, device DESC, seq DESC LIMIT 1",
            (key, self.top),
        ).fetchone()
        return (str(row[0]), row[1]) if row else None

    def lapses(self, key: str) -> int:
        return int(self.db.execute(f"SELECT COUNT(*) FROM reviews r WHERE key = ? AND id <= ? AND {LAPSE_ROWS}",
                                   (key, self.top)).fetchone()[0])


def _appended(db: sqlite3.Connection, fresh: list[Event], keys: set[str], linked: set[str], top: int) -> set[str]:
    """The keys whose new events all come after every event they had (and no relink, no undo of an older
    event): their replay continues from their row instead of starting over."""
    first: dict[str, str] = {}
    for event in fresh:
        if event.kind == "relink" or event.card in linked:
            continue
        ts = canonical_ts(event.ts)
        if event.kind == "undo":
            first[event.card] = ""  # it may take back an older event: start over
        elif event.card not in first or ts < first[event.card]:
            first[event.card] = ts
    ids = [e.id for e in fresh]
    waited: set[str] = set()
    for marks, chunk in _chunks(ids):  # an older undo of one of these events: start over
        waited.update(r[0] for r in db.execute(f"SELECT key FROM reviews WHERE undoes_event IN ({marks})", chunk))
    candidates = sorted(k for k, ts in first.items() if ts and k in keys and k not in waited)
    fast: set[str] = set()
    for marks, chunk in _chunks(candidates):
        latest = dict(db.execute(f"SELECT key, MAX(ts) FROM reviews WHERE key IN ({marks}) AND id <= ? GROUP BY key",
                                 [*chunk, top]))
        fast.update(k for k in chunk if latest.get(k) is None or latest[k] < first[k])
    return fast


def ingest_events(
    db: sqlite3.Connection,
    events: Iterable[Event],
    rules: Rules,
    write: Callable[[CardState], None],
) -> IngestResult:
    """Store the events whose id is new, then replay every card they touch (``db`` is in a transaction).

    A card whose new events all come after its older ones continues from its row (the replay of
    those, by induction); any other card, with its relink family, is replayed from its first event.
    ``write`` is the store's own row writer.
    """
    batch = list(events)
    known = _known(db, batch)
    fresh: list[Event] = []
    for event in batch:
        if (event.device, event.seq) not in known:
            known.add((event.device, event.seq))
            fresh.append(event)
    skipped = len(batch) - len(fresh)
    if not fresh:
        return IngestResult(0, skipped, frozenset())
    top = int(db.execute("SELECT COALESCE(MAX(id), 0) FROM reviews").fetchone()[0])
    steps = _store(db, fresh)
    touched: set[str] = set()
    for event in fresh:
        touched.add(event.card)
        if event.kind == "relink":
            touched.add(str(event.data["new"]))
    keys = families(db, touched)
    linked = keys - touched | {k for e in fresh if e.kind == "relink" for k in (e.card, str(e.data["new"]))}
    linked |= _relinked(db, touched)
    fast = _appended(db, fresh, touched, linked, top)
    slow = keys - fast
    states = replay_steps(steps_for(db, slow), rules) if slow else {}
    if fast:
        rows = _rows(db, fast)
        before = _Before(db, top)
        new_steps = [step for step in steps if step.card in fast]
        states.update(replay_steps(new_steps, rules, rows, Prior(before.last, before.lapses)))
    for marks, chunk in _chunks(sorted(keys)):
        db.execute(f"DELETE FROM cards WHERE key IN ({marks})", chunk)
    for key in sorted(keys):
        state = states.get(key)
        if state is not None:
            write(state)
    return IngestResult(len(fresh), skipped, frozenset(keys))


def _relinked(db: sqlite3.Connection, keys: set[str]) -> set[str]:
    """The keys a relink moved a state from or to."""
    found: set[str] = set()
    for marks, chunk in _chunks(sorted(keys)):
        sql = f"SELECT old_key, new_key FROM relinks WHERE old_key IN ({marks}) OR new_key IN ({marks})"
        for old, new in db.execute(sql, chunk + chunk):
            found.update((old, new))
    return found & keys


def _rows(db: sqlite3.Connection, keys: set[str]) -> dict[str, CardState]:
    rows: dict[str, CardState] = {}
    for marks, chunk in _chunks(sorted(keys)):
        rows.update((r[0], row_state(r)) for r in db.execute(f"SELECT {COLUMNS} FROM cards WHERE key IN ({marks})", chunk))
    return rows
