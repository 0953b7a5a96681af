"""TEMPORARY stand-in for pyflash.core.events until the core lands it (removed then)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any


class EventError(ValueError):
    pass


@dataclass(frozen=True)
class Event:
    id: str
    device: str
    seq: int
    ts: str
    card: str
    kind: str
    data: dict[str, Any] = field(default_factory=dict)


def encode(event: Event) -> str:
    return json.dumps(
        {"id": event.id, "device": event.device, "seq": event.seq, "ts": event.ts, "card": event.card,
         "kind": event.kind, "data": event.data},
        ensure_ascii=False, separators=(",", ":"), sort_keys=True,
    )


def decode(line: str, where: str) -> Event:
    try:
        raw = json.loads(line)
    except json.JSONDecodeError as exc:
        raise EventError(f"{where}: not a JSON event ({exc.msg}) (fix or delete that line; it is skipped until then)") from None
    if not isinstance(raw, dict):
        raise EventError(f"{where}: not a JSON object")
    try:
        return Event(str(raw["id"]), str(raw["device"]), int(raw["seq"]), str(raw["ts"]), str(raw["card"]),
                     str(raw["kind"]), dict(raw.get("data") or {}))
    except (KeyError, TypeError, ValueError) as exc:
        raise EventError(f"{where}: bad event ({exc})") from None
