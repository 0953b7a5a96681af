"""A card state's JSON text, written fast: the bytes ``json.dumps(data, ensure_ascii=False, sort_keys=True)``
writes, for the one shape a state has (its 15 fields; text, whole numbers, true/false, null).

The review log stores a state before and after every event as this text, and the replay compares
states as text (:mod:`pyflash.core.events.replay`), so a sync writes two per event it receives:
the general encoder, sorting the keys of each dict, took about three times as long. Any other
shape or value type is handed to ``json.dumps`` itself, so the text is always the same.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from json.encoder import encode_basestring
from typing import Any

__all__ = ["KEYS", "dump", "dump_textless", "dump_values"]

# CardState's fields, sorted (as sort_keys orders them).
KEYS = (
    "buried_until", "deck", "due_day", "easiness", "first_day", "interval", "key", "last_day",
    "last_grade", "last_review", "leech", "memory", "repetitions", "suspended", "text",
)
_KEYSET = frozenset(KEYS)
_NO_TEXT = _KEYSET - {"text"}
_FRAME = "{" + ", ".join(f'"{k}": %s' for k in KEYS) + "}"


class _Other(Exception):
    """A value this writer leaves to json.dumps."""


def _other(value: object) -> str:
    raise _Other


def _text(values: Sequence[Any]) -> str:
    # one comprehension, no calls but the string encoder's: an int is formatted by "%s" (its repr)
    return _FRAME % tuple([
        encode_basestring(v) if type(v) is str
        else v if type(v) is int
        else "null" if v is None
        else "true" if v is True
        else "false" if v is False
        else _other(v)
        for v in values
    ])


def dump(data: Mapping[str, Any]) -> str:
    """``json.dumps(data, ensure_ascii=False, sort_keys=True)``."""
    if data.keys() == _KEYSET:
        try:
            return _text([data[k] for k in KEYS])
        except _Other:
            pass
    return json.dumps(data, ensure_ascii=False, sort_keys=True)


def dump_textless(data: Mapping[str, Any]) -> str:
    """:func:`dump` of ``data`` (a state's fields but its text, which sorts last) with ``"text": ""``."""
    if data.keys() == _NO_TEXT:
        try:
            return _text([*[data[k] for k in KEYS[:-1]], ""])
        except _Other:
            pass
    return json.dumps({**data, "text": ""}, ensure_ascii=False, sort_keys=True)


def dump_values(values: Sequence[Any]) -> str:
    """:func:`dump` of the state whose field values, in :data:`KEYS` order, are ``values``."""
    try:
        return _text(values)
    except _Other:
        return json.dumps(dict(zip(KEYS, values, strict=True)), ensure_ascii=False, sort_keys=True)
