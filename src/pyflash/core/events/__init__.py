"""The review history as events: one immutable record per state change (docs/sync.md).

Every grade, bury, unbury, suspend, unsuspend, forget, undo and relink is an
:class:`Event`. Each has a globally unique ``id`` (``f"{device}-{seq}"``), the
``device`` that recorded it, that device's increasing sequence number ``seq``,
the UTC time ``ts`` (as the review log writes it), the ``card`` key and its
``kind``; everything else is in ``data`` (deck, day, grade, answer time, typed
answer, the card's state ``before`` and ``after``, the undone event's id in
``undoes``, a relink's ``new`` key, ``text`` and ``similarity``).

Events are ordered by :attr:`Event.sort_key`, ``(ts, device, seq)``; the
store's card states are their replay (:mod:`pyflash.core.events.replay`).

:func:`encode` writes one event as one JSON line; :func:`decode` reads one back
and raises :class:`EventError` (naming the place given) for anything else, so a
caller can report a bad line and skip it.
"""

from __future__ import annotations

import itertools
import json
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from pyflash.core.errors import PyflashError

__all__ = [
    "FLAG_KINDS",
    "GRADE_KINDS",
    "KINDS",
    "STATE_FIELDS",
    "Event",
    "EventError",
    "IngestResult",
    "canonical_ts",
    "decode",
    "encode",
]

GRADE_KINDS = frozenset({"review", "repeat"})
FLAG_KINDS = frozenset({"bury", "unbury", "suspend", "unsuspend"})
KINDS = GRADE_KINDS | FLAG_KINDS | {"forget", "undo", "relink"}

DEVICE = re.compile(r"[A-Za-z0-9_-]{1,64}")

# A card state in an event (``before``/``after``): CardState's fields, as CardState.to_json writes them.
_INT, _OPT_INT, _STR, _OPT_STR, _BOOL = "int", "int or null", "text", "text or null", "true/false"
STATE_FIELDS: dict[str, str] = {
    "key": _STR,
    "deck": _STR,
    "text": _STR,
    "easiness": _INT,
    "interval": _INT,
    "repetitions": _INT,
    "due_day": _OPT_INT,
    "suspended": _BOOL,
    "buried_until": _OPT_INT,
    "last_review": _OPT_STR,
    "last_day": _OPT_INT,
    "last_grade": _OPT_INT,
    "first_day": _OPT_INT,
    "memory": _OPT_STR,
    "leech": _BOOL,
}
_REQUIRED_STATE = ("key", "deck")


class EventError(PyflashError):
    """An event line that cannot be read: ``where: what is wrong (how to fix)``."""


@dataclass(frozen=True, slots=True)
class Event:
    """One state change of one card (see the module's doc). Not hashable: use ``id``."""

    id: str
    device: str
    seq: int
    ts: str
    card: str
    kind: str
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def sort_key(self) -> tuple[str, str, int]:
        """The replay order: time, then device, then sequence."""
        return (self.ts, self.device, self.seq)


@dataclass(frozen=True, slots=True)
class IngestResult:
    """What :meth:`Store.ingest <pyflash.core.review.store.Store.ingest>` did."""

    added: int  # events stored
    skipped_known: int  # events already in the store (by id), or repeated in the batch
    cards: frozenset[str]  # card keys whose state was re-derived


def event_id(device: str, seq: int) -> str:
    return f"{device}-{seq}"


def canonical_ts(ts: str) -> str:
    """``ts`` as the review log writes times (``2026-03-01T08:00:00.000+00:00``: UTC, milliseconds),
    so that times sort as text; a text that is not a time with a zone is returned as it is."""
    if len(ts) == 29 and ts.endswith("+00:00") and ts[19] == "." and ts[10] == "T":
        return ts
    if len(ts) == 20 and _WHOLE_Z.fullmatch(ts):  # "...T08:00:00Z": the parse below, with its dates remembered
        valid = _DATES.get(ts[:10])
        if valid is None:
            valid = _valid_date(ts[:10])
            if len(_DATES) < 100_000:
                _DATES[ts[:10]] = valid
        return ts[:19] + ".000+00:00" if valid else ts
    return _parsed_ts(ts)


# A time in whole seconds with a "Z" (as datetime.isoformat writes it, with "+00:00" replaced): its time
# fields in range; datetime.fromisoformat takes it if and only if its date is a date.
_WHOLE_Z = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]Z")
_DATES: dict[str, bool] = {}  # "YYYY-MM-DD" -> whether it is a date


def _valid_date(text: str) -> bool:
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


def _parsed_ts(ts: str) -> str:
    """:func:`canonical_ts` by parsing ``ts``."""
    try:
        when = datetime.fromisoformat(ts)
    except ValueError:
        return ts
    if when.tzinfo is None:
        return ts
    return when.astimezone(UTC).isoformat(timespec="milliseconds")


def encode(event: Event) -> str:
    """One JSON line (no newline at the end), keys sorted, non-ASCII kept as is.

    U+2028 and U+2029 are escaped, so the line holds no line break of any kind;
    text that is not valid Unicode (a lone surrogate) is written escaped.
    """
    record = {
        "id": event.id,
        "device": event.device,
        "seq": event.seq,
        "ts": event.ts,
        "card": event.card,
        "kind": event.kind,
        "data": event.data,
    }
    line = _ENCODER.encode(record)
    if line.isascii():  # no line separator, no lone surrogate
        return line
    try:
        line.encode("utf-8")
    except UnicodeEncodeError:
        line = _ASCII_ENCODER.encode(record)
    return line.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not allowed")


# What encode and decode use, made once (json.dumps and json.loads with options make new ones each call).
_ENCODER = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False)
_ASCII_ENCODER = json.JSONEncoder(ensure_ascii=True, sort_keys=True, separators=(",", ":"), allow_nan=False)
_DECODER = json.JSONDecoder(parse_constant=_no_constant)


def _type_name(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


# The exact types a decoded JSON value of each kind has (json.loads makes no subclasses): the checks'
# fast path; anything else goes through _fits, which says what is wrong.
_EXACT: dict[str, frozenset[type]] = {
    _INT: frozenset({int}),
    _OPT_INT: frozenset({int, type(None)}),
    _STR: frozenset({str}),
    _OPT_STR: frozenset({str, type(None)}),
    _BOOL: frozenset({bool}),
}
_STATE_EXACT = {key: _EXACT[want] for key, want in STATE_FIELDS.items()}
_STATE_ORDER = tuple(sorted(STATE_FIELDS))
_STATE_SIGNATURES = frozenset(itertools.product(*(_STATE_EXACT[key] for key in _STATE_ORDER)))
_STATE_ORDER_NO_TEXT = tuple(key for key in _STATE_ORDER if key != "text")
_STATE_SIGNATURES_NO_TEXT = frozenset(itertools.product(*(_STATE_EXACT[key] for key in _STATE_ORDER_NO_TEXT)))


def _fits(value: object, want: str) -> bool:
    if want == _BOOL:
        return isinstance(value, bool)
    nullable = want.endswith("or null")
    if value is None:
        return nullable
    if want.startswith("int"):
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, str)


class _Bad(Exception):
    """One problem in a line (turned into an EventError with its place)."""


def _fine_state(value: object, card: str) -> bool:
    """Whether ``value`` is a valid state of ``card`` (the common case, checked fast)."""
    if type(value) is not dict or "deck" not in value or value.get("key") != card:
        return False
    order = tuple(value)
    if order == _STATE_ORDER:  # complete, in encode's order: its types at once
        if tuple(map(type, value.values())) not in _STATE_SIGNATURES:
            return False
    elif order == _STATE_ORDER_NO_TEXT:  # the same without its text (as a sync writes it)
        if tuple(map(type, value.values())) not in _STATE_SIGNATURES_NO_TEXT:
            return False
    else:
        for key, item in value.items():
            allowed = _STATE_EXACT.get(key)
            if allowed is None or type(item) not in allowed:
                return False
    cents = value.get("easiness")
    return cents is None or cents > 0


def _check_state(name: str, value: object, card: str) -> None:
    if value is None or _fine_state(value, card):
        return
    if not isinstance(value, dict):
        raise _Bad(f"data.{name} must be a card state object, not {_type_name(value)}")
    for key, item in value.items():
        want = STATE_FIELDS.get(key)
        if want is None:
            raise _Bad(f"data.{name} has an unknown field '{key}' (written by a newer pyflash? upgrade pyflash)")
        if not _fits(item, want):
            raise _Bad(f"data.{name}.{key} must be {want}, not {_type_name(item)}")
    for key in _REQUIRED_STATE:
        if key not in value:
            raise _Bad(f"data.{name} has no '{key}'")
    if value["key"] != card:
        raise _Bad(f"data.{name}.key is '{value['key']}' but the event is about card '{card}'")
    cents = value.get("easiness")
    if cents is not None and cents <= 0:
        raise _Bad(f"data.{name}.easiness must be above 0 (hundredths), not {cents}")


# data fields every kind may have, with their types; kinds add their own below.
_DATA_COMMON = {"deck": _STR, "day": _INT}
_DATA = {
    "grade": {**_DATA_COMMON, "grade": _INT, "answer_ms": _OPT_INT, "typed": _OPT_STR},
    "state": dict(_DATA_COMMON),
    "undo": {**_DATA_COMMON, "undoes": _STR},
    "relink": {"deck": _STR, "new": _STR, "text": _OPT_STR, "similarity": "number", "rekey": _BOOL},
}


def _data_kind(kind: str) -> str:
    if kind in GRADE_KINDS:
        return "grade"
    if kind in ("undo", "relink"):
        return kind
    return "state"


_GRADE_KEYS = frozenset(_DATA["grade"]) | {"before", "after"}
_OPT_INT_TYPES, _OPT_STR_TYPES = _EXACT[_OPT_INT], _EXACT[_OPT_STR]


def _fine_grade(data: dict[str, Any], card: str) -> bool:
    """Whether ``data`` is a valid grade event's (the common case, checked fast; False: the general
    checks then say what is wrong)."""
    grade, before = data.get("grade"), data.get("before")
    return (
        type(grade) is int and 0 <= grade <= 5 and type(data.get("day")) is int and type(data.get("deck")) is str
        and data.keys() <= _GRADE_KEYS and _fine_state(data.get("after"), card)
        and (before is None or _fine_state(before, card))
        and type(data.get("answer_ms")) in _OPT_INT_TYPES and type(data.get("typed")) in _OPT_STR_TYPES
    )


def _check_data(kind: str, data: dict[str, Any], card: str) -> None:
    if kind in GRADE_KINDS and _fine_grade(data, card):
        return
    spec = _DATA[_data_kind(kind)]
    states = kind != "relink"
    for key, item in data.items():
        if states and key in ("before", "after"):
            _check_state(key, item, card)
            continue
        want = spec.get(key)
        if want is None:
            raise _Bad(f"data has an unknown field '{key}' for a {kind} event (written by a newer pyflash? upgrade pyflash)")
        exact = _EXACT.get(want)
        if exact is not None and type(item) in exact:
            continue
        if want == "number":
            ok = isinstance(item, int | float) and not isinstance(item, bool)
        else:
            ok = _fits(item, want)
        if not ok:
            raise _Bad(f"data.{key} must be {want}, not {_type_name(item)}")
    needed = ["deck"] + (["new"] if kind == "relink" else ["day"])
    if kind in GRADE_KINDS:
        needed += ["grade", "after"]
    elif kind in FLAG_KINDS or kind == "forget":
        needed.append("after")
    elif kind == "undo":
        needed.append("undoes")
    for key in needed:
        if data.get(key) is None:
            raise _Bad(f"data has no '{key}', which a {kind} event needs")
    if kind in GRADE_KINDS and not 0 <= data["grade"] <= 5:
        raise _Bad(f"data.grade must be 0 to 5, not {data['grade']}")
    if kind == "undo":
        _split_id(data["undoes"], "data.undoes")


def _split_id(text: str, name: str) -> tuple[str, int]:
    device, _, seq = text.rpartition("-")
    if not DEVICE.fullmatch(device) or not seq.isdigit() or seq != str(int(seq)) or int(seq) < 1:
        raise _Bad(f"{name} '{text[:80]}' is not an event id (DEVICE-SEQ)")
    return device, int(seq)


def split_id(text: str) -> tuple[str, int] | None:
    """(device, seq) of an event id, or None if it is not one."""
    try:
        return _split_id(text, "id")
    except _Bad:
        return None


_TOP = {"id": _STR, "device": _STR, "seq": _INT, "ts": _STR, "card": _STR, "kind": _STR}
_RECORD_KEYS = frozenset(_TOP) | {"data"}
_TOP_EXACT = {key: int if want == _INT else str for key, want in _TOP.items()}
_TOP_TYPES = tuple(_TOP_EXACT.values())


def _parse(line: str) -> Event:
    try:
        record = _DECODER.decode(line)
    except (ValueError, RecursionError) as exc:
        raise _Bad(f"not valid JSON ({str(exc)[:120]})") from None
    if not isinstance(record, dict):
        raise _Bad(f"an event must be a JSON object, not {_type_name(record)}")
    if tuple(map(type, map(record.get, _TOP))) != _TOP_TYPES:  # else every field is there, of its type
        for key, want in _TOP.items():
            if key not in record:
                raise _Bad(f"no '{key}' field")
            if type(record[key]) is not _TOP_EXACT[key] and not _fits(record[key], want):
                raise _Bad(f"'{key}' must be {want}, not {_type_name(record[key])}")
    data = record.get("data", {})
    if not isinstance(data, dict):
        raise _Bad(f"'data' must be an object, not {_type_name(data)}")
    if not record.keys() <= _RECORD_KEYS and (extra := set(record) - _RECORD_KEYS):
        raise _Bad(f"unknown field '{sorted(extra)[0]}' (written by a newer pyflash? upgrade pyflash)")
    device, seq, kind, card, ts = record["device"], record["seq"], record["kind"], record["card"], record["ts"]
    if not DEVICE.fullmatch(device):
        raise _Bad(f"device '{device[:80]}' must be 1 to 64 letters, digits, '-' or '_'")
    if seq < 1:
        raise _Bad(f"seq must be 1 or more, not {seq}")
    if record["id"] != event_id(device, seq):
        raise _Bad(f"id '{record['id'][:80]}' must be '{event_id(device, seq)}' (DEVICE-SEQ)")
    if kind not in KINDS:
        raise _Bad(f"unknown kind '{kind[:40]}' (written by a newer pyflash? upgrade pyflash)")
    if not card:
        raise _Bad("'card' is empty")
    try:
        when = datetime.fromisoformat(ts)
    except ValueError:
        raise _Bad(f"ts '{ts[:40]}' is not an ISO-8601 time") from None
    if when.tzinfo is None:
        raise _Bad(f"ts '{ts[:40]}' has no time zone (events are in UTC, like 2026-03-01T08:00:00.000+00:00)")
    _check_data(kind, data, card)
    return Event(record["id"], device, seq, ts, card, kind, data)


def decode(line: str, where: str) -> Event:
    """The event on ``line``; :class:`EventError` ``f"{where}: ..."`` if it is not one."""
    try:
        return _parse(line)
    except _Bad as exc:
        raise EventError(f"{where}: {exc} (fix or delete that line; it is skipped until then)") from None
