"""The event API this package codes against (``pyflash.core.events`` and the store's log).

``EventLog`` is what a sync needs from the review store: this device's id,
its events after a sequence number (the outbox), and an idempotent ingest of
other devices' events that replays the cards they touch.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from pyflash.core.events import Event, EventError, decode, encode
from pyflash.core.events.fastline import read_line

__all__ = ["Event", "EventError", "EventLog", "Ingested", "decode", "encode", "read_line"]


class Ingested(Protocol):
    @property
    def added(self) -> int: ...

    @property
    def skipped_known(self) -> int: ...

    @property
    def cards(self) -> frozenset[str]: ...


class EventLog(Protocol):
    @property
    def device_id(self) -> str: ...

    def outbox(self, after_seq: int = 0) -> list[Event]: ...

    def ingest(self, events: Sequence[Event]) -> Ingested: ...
