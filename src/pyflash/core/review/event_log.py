"""The store's event methods (:class:`EventLog`, mixed into :class:`~pyflash.core.review.store.Store`).

This device's id and sequence numbers are read here (every write numbers its
rows); the event log's machinery (making events of rows, ingesting other
devices' events, replay) is in :mod:`pyflash.core.review.events_io`, imported
when an event is read or ingested: opening the store for study never needs it
(start-up time).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING

from pyflash.core.errors import StoreError
from pyflash.core.review.transaction import Transaction, guarded

if TYPE_CHECKING:
    from pyflash.core.events import Event, IngestResult
    from pyflash.core.review.rebuild import RebuildReport
    from pyflash.core.review.records import CardState
    from pyflash.core.review.rules import Rules

CHUNK = 500
INGEST_CACHE_KIB = -65536  # PRAGMA cache_size during an ingest (negative: KiB)


def device_id(db: sqlite3.Connection) -> str:
    return str(db.execute("SELECT value FROM meta WHERE name = 'device'").fetchone()[0])


def next_seq(db: sqlite3.Connection, device: str) -> int:
    """This device's next sequence number (inside the write's transaction: two index look-ups)."""
    a = db.execute("SELECT MAX(seq) FROM reviews WHERE device = ?", (device,)).fetchone()[0]
    b = db.execute("SELECT MAX(seq) FROM relinks WHERE device = ?", (device,)).fetchone()[0]
    return max(a or 0, b or 0) + 1


def key_chunks(keys: list[str]) -> Iterator[tuple[str, list[str]]]:
    """``keys`` in chunks of :data:`CHUNK`, each with its ``?,?,...`` placeholders."""
    for start in range(0, len(keys), CHUNK):
        chunk = keys[start : start + CHUNK]
        yield ",".join("?" * len(chunk)), chunk


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
        from pyflash.core.review.ingest import (
            put_states,  # deferred: start-up time, and an import cycle (ingest reads the log here)
        )

        put_states(self._db, states)

    @property
    @guarded("read the device id")
    def device_id(self) -> str:
        """This store's device id (made once, with the store; its events carry it)."""
        if self._device is None:
            self._device = device_id(self._db)
        return self._device

    @property
    @guarded("read the device id")
    def former_devices(self) -> tuple[str, ...]:
        """The ids this store had before (``doctor --restore`` gives a restored store a new one), oldest first."""
        row = self._db.execute("SELECT value FROM meta WHERE name = 'former_devices'").fetchone()
        return tuple(str(row[0]).split()) if row is not None else ()

    def _seq(self) -> tuple[str, int]:
        """(device, next sequence number), inside a write transaction."""
        device = self.device_id
        return device, next_seq(self._db, device)

    @guarded("read this device's events")
    def outbox(self, after_seq: int = 0, *, device: str | None = None) -> list[Event]:
        """This device's events (``device``: a former id's) with ``seq`` above ``after_seq``, in ``seq`` order."""
        from pyflash.core.review.events_io import read_outbox  # deferred: start-up time (the event log's machinery)

        return read_outbox(self._db, device or self.device_id, after_seq)

    @guarded("read this device's events")
    def outbox_lines(
        self, after_seq: int = 0, *, keep_text: bool = False, device: str | None = None
    ) -> list[tuple[str, str]]:
        """(time stamp, line) of each event of :meth:`outbox`, in ``seq`` order: the line ``encode`` writes for it
        (``keep_text=False``: for ``without_text`` of it), made from the log's rows (pyflash.core.events.lines)."""
        from pyflash.core.events.lines import outbox_lines  # deferred: start-up time (the event log's machinery)

        return outbox_lines(self._db, device or self.device_id, after_seq, keep_text=keep_text)

    def ingest_decoded(
        self, events: Sequence[Event], texts: Sequence[tuple[str | None, str] | None]
    ) -> IngestResult:
        """:meth:`ingest` of events read from lines with their states' stored texts (``texts[i]``: those of
        ``events[i]``'s ``before`` and ``after``, as :func:`~pyflash.core.events.fastline.read_line` gives
        them; None: made here), what a sync's read of the event files gives."""
        return self.ingest(events, texts=texts)

    @guarded("store the events (nothing was changed)")
    def ingest(
        self, events: Iterable[Event], rules: Rules | None = None, *,
        texts: Sequence[tuple[str | None, str] | None] | None = None,
    ) -> IngestResult:
        """Store the events not stored yet (by id) and re-derive the cards they touch, in one
        durable transaction. ``rules``: how a conflicting grade is graded (default :attr:`rules`);
        ``texts``: see :meth:`ingest_decoded`."""
        from pyflash.core.review.bulk import bulk_ingest, can_bulk  # deferred: start-up time
        from pyflash.core.review.ingest import (
            ingest_events,  # deferred: start-up time, and an import cycle (ingest reads the log here)
        )

        # A sync's ingest touches rows all over the card table and its indexes: a larger page cache for
        # its length (64 MB at most, as pages are needed; then back to what it was) saves re-reading pages.
        size = int(self._db.execute("PRAGMA cache_size").fetchone()[0])
        self._db.execute(f"PRAGMA cache_size = {INGEST_CACHE_KIB}")
        try:
            with self._tx():
                batch = list(events)
                # by the events' identity: each is alive in ``batch`` until the end
                made = {id(e): t for e, t in zip(batch, texts, strict=True) if t is not None} if texts else None
                if can_bulk(self._db, len(batch)):  # a large batch into an empty log (a first sync)
                    return bulk_ingest(self._db, batch, rules or self.rules, made)
                return ingest_events(self._db, batch, rules or self.rules, made)
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
            for marks, chunk in key_chunks(sorted(set(remove))):
                self._db.execute(f"DELETE FROM cards WHERE key IN ({marks})", chunk)

    def rebuild(self, rules: Rules | None = None, *, fix: bool = True) -> RebuildReport:
        """Derive every card state from the log, list the differences, and (``fix``) write the derived
        states (``pyflash doctor --rebuild``; see :mod:`pyflash.core.review.rebuild`)."""
        from pyflash.core.review import rebuild  # deferred: import cycle (rebuild reads the store through this module)

        try:
            return rebuild.rebuild(self, rules or self.rules, fix=fix)  # type: ignore[arg-type]
        except sqlite3.Error as exc:
            raise self._fault(exc, "rebuild the card states from the log") from None
