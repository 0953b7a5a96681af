"""This device's events as the lines of its event files, made from the log's rows (docs/sync.md).

The general way to send an event is to read its row as an :class:`~pyflash.core.events.Event`
(its two state texts parsed back into objects), leave the card's text out (:func:`without_text`),
and :func:`~pyflash.core.events.encode` it, which sorts every object's keys again: about 60 µs
an event. :func:`outbox_lines` writes the same line straight from the row: a stored state text is
``json.dumps(..., ensure_ascii=False, sort_keys=True)`` of the state (``statetext``), so its
compact form is the same values with the compact separators, taken by one match of the exact
shape a state has (:data:`_STATE`). A row that does not have that shape (an old row's state, a
relink, a value of another type) is sent the general way, so every line is what ``encode`` gives
(tests/test_sync_fast.py compares them).
"""

from __future__ import annotations

import re
import sqlite3
from json.encoder import encode_basestring
from typing import Any

from pyflash.core.events import Event, encode
from pyflash.core.review.statetext import KEYS

__all__ = ["outbox_lines", "without_text"]


def without_text(event: Event) -> Event:
    """``event`` with no card text in its states or its relink data (what leaves the machine unless
    ``sync.include_decks`` is set: pyflash.sync.private)."""
    data: dict[str, Any] | None = None
    for name in ("before", "after"):
        state = event.data.get(name)
        if isinstance(state, dict) and "text" in state:
            data = dict(event.data) if data is None else data
            data[name] = {k: v for k, v in state.items() if k != "text"}
    if event.kind == "relink" and "text" in event.data:
        data = dict(event.data) if data is None else data
        del data["text"]
    if data is None:
        return event
    # Event(...) rather than dataclasses.replace: a sync sends thousands (replace looks the fields up each time)
    return Event(event.id, event.device, event.seq, event.ts, event.card, event.kind, data)


# One JSON value as json.dumps writes it with ensure_ascii=False: a whole number, null, true, false, or a
# string whose escapes are the ones the encoder makes (a quote, a backslash, \b \f \n \r \t, and \u00XX, in
# lower case, for the other control characters). Anything else (a float, \/, \u00e9) is not matched, and
# the row is sent the general way, which writes such a value as the encoder does.
_CHARS = r'[^"\\\x00-\x1f]*'  # a run of characters written as they are (the loop unrolled: a run, then escape-run pairs)
_VALUE = rf'(-?(?:0|[1-9][0-9]*)|null|true|false|"{_CHARS}(?:(?:\\["\\bfnrt]|\\u00(?:0[0-7bef]|1[0-9a-f])){_CHARS})*")'
_STATE = re.compile("\\{" + ", ".join(f'"{k}": {_VALUE}' for k in KEYS) + "\\}")
_COMPACT = "{" + ",".join(f'"{k}":%s' for k in KEYS) + "}"
_COMPACT_TEXTLESS = "{" + ",".join(f'"{k}":%s' for k in KEYS[:-1]) + "}"
_COLUMNS = "key, deck, ts, day, grade, kind, before, after, answer_ms, typed, device, seq, undoes_event"
_STR, _INT = str, int


def _compact(text: str, keep_text: bool) -> str | None:
    """The state ``text`` (a stored state) as ``encode`` writes its object (without its text unless
    ``keep_text``); None when ``text`` is not a state of the exact shape ``statetext`` writes."""
    m = _STATE.fullmatch(text)
    if m is None:
        return None
    return (_COMPACT % m.groups()) if keep_text else (_COMPACT_TEXTLESS % m.groups()[:-1])


def _fast_line(row: tuple[Any, ...], keep_text: bool) -> str | None:
    """The line of a review row (``_COLUMNS``), or None to send it the general way."""
    key, deck, ts, day, grade, kind, before, after, answer_ms, typed, device, seq, undoes = row
    if (key.__class__ is not _STR or deck.__class__ is not _STR or ts.__class__ is not _STR or kind.__class__ is not _STR
            or device.__class__ is not _STR or seq.__class__ is not _INT or day.__class__ is not _INT):
        return None
    parts = []
    if after:
        a = _compact(after, keep_text) if after.__class__ is _STR else None
        if a is None:
            return None
        parts.append('"after":' + a)
    if answer_ms is not None:
        if answer_ms.__class__ is not _INT:
            return None
        parts.append(f'"answer_ms":{answer_ms}')
    if before:
        b = _compact(before, keep_text) if before.__class__ is _STR else None
        if b is None:
            return None
        parts.append('"before":' + b)
    parts.append(f'"day":{day},"deck":{encode_basestring(deck)}')
    if grade is not None:
        if grade.__class__ is not _INT:
            return None
        parts.append(f'"grade":{grade}')
    if typed is not None:
        if typed.__class__ is not _STR:
            return None
        parts.append('"typed":' + encode_basestring(typed))
    if undoes is not None:
        if undoes.__class__ is not _STR:
            return None
        parts.append('"undoes":' + encode_basestring(undoes))
    line = (
        f'{{"card":{encode_basestring(key)},"data":{{{",".join(parts)}}},"device":{encode_basestring(device)},'
        f'"id":{encode_basestring(f"{device}-{seq}")},"kind":{encode_basestring(kind)},"seq":{seq},'
        f'"ts":{encode_basestring(ts)}}}'
    )
    if line.isascii():
        return line
    try:  # as encode: a lone surrogate is written escaped (the general way), U+2028 and U+2029 escaped
        line.encode("utf-8")
    except UnicodeEncodeError:
        return None
    return line.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def outbox_lines(db: sqlite3.Connection, device: str, after_seq: int = 0, *, keep_text: bool = False) -> list[tuple[str, str]]:
    """(time stamp, line) of each of ``device``'s events with ``seq`` above ``after_seq``, in ``seq`` order:
    ``encode(e)`` (``keep_text``) or ``encode(without_text(e))`` of each event ``read_outbox`` gives."""
    from pyflash.core.review.events_io import _relink_event, _review_event  # deferred: import cycle

    out: list[tuple[int, str, str]] = []
    for row in db.execute(f"SELECT {_COLUMNS} FROM reviews WHERE device = ? AND seq > ?", (device, after_seq)):
        line = _fast_line(row, keep_text)
        if line is None:
            event = _review_event(row)
            line = encode(event if keep_text else without_text(event))
        out.append((row[11], row[2], line))
    sql = "SELECT old_key, new_key, deck, similarity, ts, device, seq, text, rekey FROM relinks WHERE device = ? AND seq > ?"
    for row in db.execute(sql, (device, after_seq)):
        event = _relink_event(row)
        out.append((event.seq, event.ts, encode(event if keep_text else without_text(event))))
    out.sort(key=lambda item: item[0])
    return [(ts, line) for _seq, ts, line in out]
