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
from collections.abc import Iterable
from typing import Any

from pyflash.core.events import Event, event_id
from pyflash.core.events.replay import Step
from pyflash.core.events.replay import complete_state as _complete
from pyflash.core.review.event_log import CHUNK, EventLog, device_id, next_seq
from pyflash.core.review.event_log import key_chunks as _chunks
from pyflash.core.review.records import CardState

__all__ = [
    "CHUNK",
    "EventLog",
    "all_steps",
    "device_id",
    "families",
    "joined",
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
    return joined(db.execute("SELECT old_key, new_key FROM relinks"), keys)


def joined(pairs: Iterable[tuple[str, str]], keys: Iterable[str]) -> set[str]:
    """``keys`` and every key joined to one of them by the (old key, new key) ``pairs``: :func:`families`
    with the relinks given."""
    parent: dict[str, str] = {}

    def find(k: str) -> str:
        root = k
        while parent.get(root, root) != root:
            root = parent[root]
        while parent.get(k, k) != root:
            parent[k], k = root, parent[k]
        return root

    linked: set[str] = set()
    for old, new in pairs:
        linked.update((old, new))
        a, b = find(old), find(new)
        if a != b:
            parent[a] = b
    roots = {find(k) for k in keys}
    return {k for k in linked if find(k) in roots} | set(keys)
