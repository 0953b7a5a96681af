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
from operator import itemgetter
from typing import Any

__all__ = ["KEYS", "dump", "dump_textless", "dump_values", "quick"]

# CardState's fields, sorted (as sort_keys orders them).
KEYS = (
    "buried_until", "deck", "due_day", "easiness", "first_day", "interval", "key", "last_day",
    "last_grade", "last_review", "leech", "memory", "repetitions", "suspended", "text",
)
_KEYSET = frozenset(KEYS)
_NO_TEXT = _KEYSET - {"text"}
_ALL = itemgetter(*KEYS)  # a state's values in KEYS order, as a tuple
_TEXTLESS = itemgetter(*KEYS[:-1])
_FRAME = "{" + ", ".join(f'"{k}": %s' for k in KEYS) + "}"


class _Other(Exception):
    """A value this writer leaves to json.dumps."""


def _other(value: object) -> str:
    raise _Other


def _text(values: Sequence[Any]) -> str:
    # one comprehension, no calls but the string encoder's (``v.__class__``, not ``type(v)``: no builtin's
    # look-up and call per value); an int is formatted by "%s" (its repr)
    return _FRAME % tuple([
        encode_basestring(v) if v.__class__ is str
        else v if v.__class__ is int
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
            return _text(_ALL(data))
        except _Other:
            pass
    return json.dumps(data, ensure_ascii=False, sort_keys=True)


def dump_textless(data: Mapping[str, Any]) -> str:
    """:func:`dump` of ``data`` (a state's fields but its text, which sorts last) with ``"text": ""``."""
    if data.keys() == _NO_TEXT:
        try:
            return _text((*_TEXTLESS(data), ""))
        except _Other:
            pass
    return json.dumps({**data, "text": ""}, ensure_ascii=False, sort_keys=True)


def dump_values(values: Sequence[Any]) -> str:
    """:func:`dump` of the state whose field values, in :data:`KEYS` order, are ``values``."""
    try:
        return _text(values)
    except _Other:
        return json.dumps(dict(zip(KEYS, values, strict=True)), ensure_ascii=False, sort_keys=True)


def quick(data: object) -> str | None:
    """:func:`dump` of a dict with exactly the state's fields (or :func:`dump_textless` of one with all but
    its text) whose values are text, whole numbers, true/false or null; else None. The keys are checked by
    their number and their look-up, not by comparing key sets: a third of the work of a state's text."""
    if data.__class__ is dict:
        n = len(data)
        try:
            if n == 15:
                return _text(_ALL(data))
            if n == 14:  # 14 of the 15 fields, all but the text (the look-up raises otherwise)
                return _text((*_TEXTLESS(data), ""))
        except (KeyError, _Other):
            pass
    return None
