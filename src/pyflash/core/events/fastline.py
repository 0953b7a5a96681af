"""A received grade event's line read fast, with the two state texts the store keeps of it (docs/sync.md).

A sync reads the other devices' new lines with :func:`~pyflash.core.events.decode` and the ingest then
writes each event's states as the store's text (``state_json``: ``json.dumps(..., sort_keys=True)``),
about 45 µs a line all told. Nearly every line is a grade event exactly as ``encode`` writes it (the
keys sorted, compact, the states without their text unless the decks are synced), so :func:`read_line`
matches that one shape with one regular expression, in which every value must be of the type the format
asks (a whole number written as ``int`` writes it, null, true/false, or a string with only the escapes
``json.dumps`` makes). Such a value's text is then what ``json.dumps`` writes for it, so a state's stored
text is its values' texts put in the store's frame, and the values are made from the texts directly.
The checks :func:`decode` makes of such a line are made here too; anything else (another kind, another
shape, a value of another type, a bad device, id, time, grade or key) gives None: the caller then uses
:func:`decode`, which reads it or says what is wrong. ``tests/test_events_fastline.py`` compares the two
on random events and on random edits of their lines.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any

from pyflash.core.events import DEVICE, Event
from pyflash.core.review.statetext import KEYS

__all__ = ["read_line"]

_S = r'"[^"\\\x00-\x1f]*(?:\\(?:["\\bfnrt]|u00(?:0[0-7bef]|1[0-9a-f]))[^"\\\x00-\x1f]*)*"'  # what dumps writes
_I = r"(?:0|-?[1-9][0-9]{0,30})"  # as int.__repr__ writes it (not -0, no leading zero)
_OI = rf"(?:{_I}|null)"
_OS = rf"(?:{_S}|null)"
_B = r"(?:true|false)"
_FIELD = {"buried_until": _OI, "deck": _S, "due_day": _OI, "easiness": _I, "first_day": _OI, "interval": _I,
          "key": _S, "last_day": _OI, "last_grade": _OI, "last_review": _OS, "leech": _B, "memory": _OS,
          "repetitions": _I, "suspended": _B}
assert tuple(_FIELD) == KEYS[:-1]
_STATE = "\\{" + ",".join(f'"{k}":({v})' for k, v in _FIELD.items()) + f'(?:,"text":({_S}))?\\}}'
_LINE = re.compile(
    f'\\{{"card":({_S}),"data":\\{{"after":{_STATE}(?:,"answer_ms":({_OI}))?(?:,"before":(?:(null)|{_STATE}))?'
    f',"day":({_I}),"deck":({_S}),"grade":({_I})(?:,"typed":({_OS}))?\\}},"device":({_S}),"id":({_S}),'
    f'"kind":"(review|repeat)","seq":({_I}),"ts":({_S})\\}}'
)
# The groups: card 1; after 2-16; answer_ms 17; before null 18, before 19-33; day 34; deck 35; grade 36;
# typed 37; device 38; id 39; kind 40; seq 41; ts 42.
_FRAME = "{" + ", ".join(f'"{k}": %s' for k in KEYS) + "}"  # statetext's: the stored text of a state
_NOTHING = '""'
_LOADS = json.JSONDecoder().decode


def _str(token: str) -> str:
    return token[1:-1] if "\\" not in token else str(_LOADS(token))


def _state(t: tuple[str, ...], card: str) -> tuple[dict[str, Any], str] | None:
    """(the state object, its stored text) of a state's 15 tokens (the last: its text, or None); None
    unless its key is the event's card and its easiness above 0. Written out field by field (a call
    per field costs as much as the field)."""
    bu, dk, dd, ea, fd, iv, ky, ld, lg, lr, le, me, rp, su, tx = t
    if (ky[1:-1] if "\\" not in ky else _LOADS(ky)) != card:
        return None
    cents = int(ea)
    if cents <= 0:
        return None
    state = {
        "buried_until": None if bu == "null" else int(bu), "deck": dk[1:-1] if "\\" not in dk else _LOADS(dk),
        "due_day": None if dd == "null" else int(dd), "easiness": cents, "first_day": None if fd == "null" else int(fd),
        "interval": int(iv), "key": card, "last_day": None if ld == "null" else int(ld),
        "last_grade": None if lg == "null" else int(lg),
        "last_review": None if lr == "null" else lr[1:-1] if "\\" not in lr else _LOADS(lr), "leech": le == "true",
        "memory": None if me == "null" else me[1:-1] if "\\" not in me else _LOADS(me), "repetitions": int(rp),
        "suspended": su == "true",
    }
    if tx is None:
        return state, _FRAME % (bu, dk, dd, ea, fd, iv, ky, ld, lg, lr, le, me, rp, su, _NOTHING)
    state["text"] = _str(tx)
    return state, _FRAME % t


def read_line(line: str) -> tuple[Event, str | None, str] | None:
    """(``decode(line)``, the stored text of its ``before`` (None: none), of its ``after``) for a grade event
    of the exact shape ``encode`` writes; None for any other line (then ``decode`` it)."""
    m = _LINE.fullmatch(line)
    if m is None:
        return None
    g = m.groups()
    try:
        card, device, ident, ts = _str(g[0]), _str(g[37]), _str(g[38]), _str(g[41])
        seq, grade, day = int(g[40]), int(g[35]), int(g[33])
        if (not card or seq < 1 or not 0 <= grade <= 5 or ident != f"{device}-{seq}" or not DEVICE.fullmatch(device)
                or datetime.fromisoformat(ts).tzinfo is None):
            return None
        after = _state(g[1:16], card)
        if after is None:
            return None
        data: dict[str, Any] = {"after": after[0]}
        if g[16] is not None:
            data["answer_ms"] = None if g[16] == "null" else int(g[16])
        before_text = None
        if g[17] is not None:
            data["before"] = None
        elif g[18] is not None:
            before = _state(g[18:33], card)
            if before is None:
                return None
            data["before"], before_text = before
        data["day"], data["deck"], data["grade"] = day, _str(g[34]), grade
        if g[36] is not None:
            data["typed"] = None if g[36] == "null" else _str(g[36])
    except ValueError:  # a time that is no time, a number too long for int
        return None
    return Event(ident, device, seq, ts, card, g[39], data), before_text, after[1]
