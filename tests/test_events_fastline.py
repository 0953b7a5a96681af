"""read_line (pyflash.core.events.fastline) reads what decode reads, with the stored texts of the states
(state_json), and nothing decode refuses."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pyflash.core.events import Event, EventError, decode, encode
from pyflash.core.events.fastline import read_line
from pyflash.core.events.replay import state_json
from pyflash.core.review.statetext import KEYS
from pyflash.sync.private import without_text

_text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=12) | st.sampled_from(
    ['a"b', "a\\b", "\x00\x1f\x7f", "\u2028x\u2029", "é", ", \"", "/", "\b\f\n\r\t"]
)
_int = st.integers(-3, 10**6) | st.sampled_from([0, -1, 10**40])
_opt_int = st.none() | _int


@st.composite
def _state(draw: st.DrawFn, card: str) -> dict[str, object]:
    return {
        "key": card, "deck": draw(_text), "text": draw(_text), "easiness": draw(st.integers(-1, 400)),
        "interval": draw(_int), "repetitions": draw(_int), "due_day": draw(_opt_int), "suspended": draw(st.booleans()),
        "buried_until": draw(_opt_int), "last_review": draw(st.none() | _text), "last_day": draw(_opt_int),
        "last_grade": draw(_opt_int), "first_day": draw(_opt_int), "memory": draw(st.none() | _text),
        "leech": draw(st.booleans()),
    }


@st.composite
def _events(draw: st.DrawFn) -> Event:
    card = draw(st.sampled_from(["c1", 'c"2', "c\\3", "é4"]))
    device = draw(st.sampled_from(["phone", "lap-top_2", "bad device"]))
    seq = draw(st.integers(0, 10**12))
    data: dict[str, object] = {"after": draw(_state(card)), "day": draw(_int), "deck": draw(_text),
                               "grade": draw(st.integers(-1, 6))}
    if draw(st.booleans()):
        data["before"] = draw(st.none() | _state(card))
    if draw(st.booleans()):
        data["answer_ms"] = draw(_opt_int)
    if draw(st.booleans()):
        data["typed"] = draw(st.none() | _text)
    ts = draw(st.sampled_from(["2026-03-01T08:00:00.000+00:00", "2026-03-01T08:00:00Z", "2026-02-30T08:00:00+00:00",
                               "2026-03-01T08:00:00", "yesterday"]))
    kind = draw(st.sampled_from(["review", "repeat", "bury"]))
    return Event(f"{device}-{seq}", device, seq, ts, card, kind, data)


def _same_as_decode(line: str) -> bool:
    """Whether read_line(line) is decode(line) with the stored texts (or None); True if it read the line."""
    got = read_line(line)
    try:
        want = decode(line, "x")
    except EventError:
        assert got is None
        return False
    if got is None:
        return False
    event, before, after = got
    assert event == want
    assert list(event.data) == list(want.data)  # the same order of keys (json.loads keeps the line's)
    for mine, theirs in ((event.data["after"], want.data["after"]), (event.data.get("before"), want.data.get("before"))):
        assert mine == theirs and (mine is None or list(mine) == list(theirs))
    assert (before, after) == (state_json(want.data.get("before")), state_json(want.data["after"]))
    return True


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_events(), st.booleans())
def test_read_line_reads_what_decode_reads_with_the_stored_texts(event, textless):
    _same_as_decode(encode(without_text(event) if textless else event))


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_events(), st.integers(0, 10**6), st.sampled_from(["drop", "insert", "swap"]), st.sampled_from(list(' ",:{}0-1\\nlte')))
def test_read_line_takes_no_edited_line_that_decode_refuses(event, where, how, char):
    line = encode(without_text(event))
    i = where % len(line)
    if how == "drop":
        line = line[:i] + line[i + 1 :]
    elif how == "insert":
        line = line[:i] + char + line[i:]
    else:
        line = line[:i] + char + line[i + 1 :]
    _same_as_decode(line)


def _ordinary(textless: bool) -> str:
    after = {"key": "k", "deck": "D", "text": "front\nback", "easiness": 250, "interval": 1, "repetitions": 1,
             "due_day": 10, "suspended": False, "buried_until": None, "last_review": "2026-03-01T08:00:00.000+00:00",
             "last_day": 9, "last_grade": 4, "first_day": 9, "memory": None, "leech": False}
    before = {**after, "interval": 0, "repetitions": 0, "due_day": None, "last_review": None, "last_day": None}
    data = {"after": after, "answer_ms": 1200, "before": before, "day": 9, "deck": "D", "grade": 4}
    event = Event("phone-7", "phone", 7, "2026-03-01T08:00:00.000+00:00", "k", "review", data)
    return encode(without_text(event) if textless else event)


@pytest.mark.parametrize("textless", [True, False])
def test_an_ordinary_grade_line_is_read_by_the_fast_path(textless):
    assert _same_as_decode(_ordinary(textless))
    assert read_line(_ordinary(textless).replace('"grade":4', '"grade":4.0')) is None  # a float: decode says
    assert read_line(_ordinary(textless).replace('"day":9,"deck"', '"day":-0,"deck"')) is None  # json.dumps writes 0


def test_the_stored_text_is_the_frame_of_the_store():
    _event, _before, after = read_line(_ordinary(True))
    assert after == json.dumps({**json.loads(after), "text": ""}, ensure_ascii=False, sort_keys=True)
    assert list(json.loads(after)) == list(KEYS)
