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

_ESCAPED = r'"[^"\\\x00-\x1f]*(?:\\(?:["\\bfnrt]|u00(?:0[0-7bef]|1[0-9a-f]))[^"\\\x00-\x1f]*)*"'  # what dumps writes
_PLAIN = r'"[^"\\\x00-\x1f]*"'  # the same without a backslash (one run: no group repeated, no mark saved)
_I = r"(?:0|-?[1-9][0-9]{0,30})"  # as int.__repr__ writes it (not -0, no leading zero)
_OI = rf"(?:{_I}|null)"
_B = r"(?:true|false)"


def _line(s: str) -> re.Pattern[str]:
    """The line's pattern, its strings written ``s``."""
    fields = {"buried_until": _OI, "deck": s, "due_day": _OI, "easiness": _I, "first_day": _OI, "interval": _I,
              "key": s, "last_day": _OI, "last_grade": _OI, "last_review": f"(?:{s}|null)", "leech": _B,
              "memory": f"(?:{s}|null)", "repetitions": _I, "suspended": _B}
    assert tuple(fields) == KEYS[:-1]
    state = "\\{" + ",".join(f'"{k}":({v})' for k, v in fields.items()) + f'(?:,"text":({s}))?\\}}'
    return re.compile(
        f'\\{{"card":({s}),"data":\\{{"after":{state}(?:,"answer_ms":({_OI}))?(?:,"before":(?:(null)|{state}))?'
        f',"day":({_I}),"deck":({s}),"grade":({_I})(?:,"typed":({s}|null))?\\}},"device":({s}),"id":({s}),'
        f'"kind":"(review|repeat)","seq":({_I}),"ts":({s})\\}}'
    )


# Python's re saves every group's mark each time a repeated group is entered: with 42 groups and a string
# pattern that may repeat an escape, that was half the match's work. A line without a backslash (nearly
# every one) is matched with strings of one run of characters.
_LINE, _LINE_ESCAPED = _line(_PLAIN), _line(_ESCAPED)
# The groups: card 1; after 2-16; answer_ms 17; before null 18, before 19-33; day 34; deck 35; grade 36;
# typed 37; device 38; id 39; kind 40; seq 41; ts 42.
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
        tx = _NOTHING
    else:
        state["text"] = _str(tx)
    # statetext's frame (KEYS, ", " and ": "), as an f-string: a third of what "%" costs with 15 values
    return state, (f'{{"buried_until": {bu}, "deck": {dk}, "due_day": {dd}, "easiness": {ea}, "first_day": {fd}, '
                   f'"interval": {iv}, "key": {ky}, "last_day": {ld}, "last_grade": {lg}, "last_review": {lr}, '
                   f'"leech": {le}, "memory": {me}, "repetitions": {rp}, "suspended": {su}, "text": {tx}}}')


def read_line(line: str) -> tuple[Event, str | None, str] | None:
    """(``decode(line)``, the stored text of its ``before`` (None: none), of its ``after``) for a grade event
    of the exact shape ``encode`` writes; None for any other line (then ``decode`` it)."""
    m = (_LINE if "\\" not in line else _LINE_ESCAPED).fullmatch(line)
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
