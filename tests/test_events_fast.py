"""The replay's shortcuts give what the plain fold gives: the state text writer, the store's
incremental ingest (a card continued from its row, its earlier history read in bulk)."""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import fields, replace
from datetime import datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import pyflash.core.events as events_module
import pyflash.core.events.replay as replay_module
from pyflash.core.events import STATE_FIELDS, Event, EventError, decode, encode
from pyflash.core.events.replay import replay
from pyflash.core.review import ingest
from pyflash.core.review.records import CardState, utc_now_iso
from pyflash.core.review.statetext import KEYS, dump, dump_textless, quick
from pyflash.core.review.store import Store
from pyflash.core.scheduling.easiness import Easiness
from pyflash.core.scheduling.schedule import SM2
from strategies_events import T0, action, day, play, store_settings

_value = st.one_of(st.text(), st.integers(), st.booleans(), st.none(), st.floats(allow_nan=False), st.lists(st.integers()))


@settings(max_examples=300, deadline=None)
@given(st.fixed_dictionaries(dict.fromkeys(KEYS, _value)), st.sampled_from([None, "drop", "add"]))
def test_the_state_writer_writes_what_json_dumps_writes(data, shape):
    if shape == "drop":
        data.pop("memory")
    elif shape == "add":
        data["extra"] = 1
    assert dump(data) == json.dumps(data, ensure_ascii=False, sort_keys=True)


@settings(max_examples=300, deadline=None)
@given(st.fixed_dictionaries(dict.fromkeys(KEYS, st.one_of(st.text(), st.integers(), st.booleans(), st.none()))),
       st.sampled_from([None, "drop text", "drop memory", "swap text", "swap memory", "add", "defaultdict"]))
def test_the_quick_state_writer_writes_the_state_text_or_nothing(data, shape):
    """quick: dump of a complete state, dump_textless of one without its text, None for anything else
    (the keys told by their number and look-up)."""
    if shape is not None and shape.startswith(("drop", "swap")):
        data.pop(shape.split()[1])
        if shape.startswith("swap"):
            data["extra"] = 1  # as many keys, one of them not a field
    elif shape == "add":
        data["extra"] = 1
    elif shape == "defaultdict":
        data = defaultdict(int, data)
        data.pop("memory")
        data["extra"] = 1
    got = quick(data)
    if shape is None:  # (a float or a list is left to json.dumps: the test above)
        assert got == dump(data)
    elif shape == "drop text":
        assert got == dump_textless(data)
    else:
        assert got is None


@given(st.from_regex(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-2][0-9]:[0-6][0-9]:[0-6][0-9]Z", fullmatch=True))
def test_a_whole_second_utc_time_is_made_canonical_as_the_parse_makes_it(ts):
    assert events_module.canonical_ts(ts) == events_module._parsed_ts(ts)


def test_whole_second_utc_times_at_the_edges():
    for ts in ("2024-02-29T23:59:59Z", "2023-02-29T08:00:00Z", "0000-01-01T00:00:00Z", "9999-12-31T24:00:00Z",
               "2026-03-02T08:00:60Z", "2026-03-02T08:00:00z", "2026-13-02T08:00:00Z", "2026-03-02 08:00:00Z"):
        assert events_module.canonical_ts(ts) == events_module._parsed_ts(ts), ts
    assert events_module.canonical_ts("2026-03-02T08:00:00Z") == "2026-03-02T08:00:00.000+00:00"


def test_the_state_keys_are_the_card_state_fields_sorted():
    assert list(KEYS) == sorted(f.name for f in fields(CardState))


@given(st.text(), st.integers(1, 400), st.booleans(), st.one_of(st.none(), st.text()))
def test_to_json_is_the_sorted_dump_of_the_fields(text, cents, flag, memory):
    state = CardState("k\u2028", "d\"eck", text, Easiness.from_cents(cents), 3, 2, 9, flag, None, "t", 1, 4, 0, memory, not flag)
    data = {f.name: getattr(state, f.name) for f in fields(CardState)}
    data["easiness"] = cents
    assert state.to_json() == json.dumps(data, ensure_ascii=False, sort_keys=True)
    assert CardState.from_json(state.to_json()) == state


_KINDS = ["grade", "grade", "grade", "grade", "undo", "suspend", "bury", "forget", "sync", "reschedule"]
_action = action(["c1", "c2", "c3"], _KINDS, 3000)


@store_settings(30)
@given(st.lists(_action, min_size=2, max_size=18), st.lists(st.integers(0, 40), max_size=4))
def test_ingest_in_time_order_chunks_gives_the_plain_fold(tmp_path_factory, actions, cuts):
    """Chunks that each come after the ones before take the continuing path (with the history read
    in bulk); the states are the fold of the whole log, and the same as one ingest of everything."""
    folder = tmp_path_factory.mktemp("devices")
    stores = [Store(folder / f"{i}.sqlite3", leech_threshold=2) for i in range(3)]
    try:
        play(stores, actions)
        everything = sorted((e for s in stores for e in s.outbox()), key=lambda e: e.sort_key)
        rules = stores[0].rules
        folded = {k: v for k, v in replay(everything, rules).items() if v is not None}
        at_once = Store(folder / "once.sqlite3", leech_threshold=2)
        in_chunks = Store(folder / "chunks.sqlite3", leech_threshold=2)
        try:
            at_once.ingest(everything)
            start = 0
            for cut in sorted(cuts) + [len(everything)]:
                in_chunks.ingest(everything[start:cut])
                start = max(start, cut)
            assert in_chunks.states() == at_once.states() == folded
        finally:
            at_once.close()
            in_chunks.close()
    finally:
        for s in stores:
            s.close()


def _grade(store: Store, g: int, when: datetime) -> None:
    row = store.get("k")
    result = SM2.review(row or CardState("k", "D", "t"), g, day=day(when), now=when)
    store.record(row, result.after, grade=g, kind=result.kind, ts=utc_now_iso(when), day=day(when), answer_ms=900)


def _reschedule(store: Store, when: datetime) -> None:
    row = store.get("k")
    assert row is not None
    store.reschedule([replace(row, interval=row.interval + 9, due_day=(row.due_day or 0) + 9)])


# (device, what, grade); "|" is where the second chunk starts
_RESCHEDULED = [("a", "grade", 5), ("a", "grade", 4), ("a", "reschedule", 0), "|", ("a", "grade", 4)]
_LAPSED = [("a", "grade", 5), ("a", "grade", 4), ("a", "grade", 1), ("a", "grade", 5), "|", ("b", "grade", 5), ("b", "grade", 1)]


@pytest.mark.parametrize("script", [_RESCHEDULED, _LAPSED], ids=["own-unlogged-change", "lapses-before"])
def test_a_later_chunk_continues_from_the_rows_with_the_history_read_in_bulk(tmp_path, monkeypatch, script):
    """The second chunk takes the continuing path and needs the card's history before it: its last
    event (the device's own change since is not a conflict) or its lapses (a conflicting lapse makes it
    a leech); both are read by prefetch, and the result is the plain fold and the one-shot ingest."""
    stores = {n: Store(tmp_path / f"{n}.sqlite3", leech_threshold=2) for n in "ab"}
    fetched: list[tuple[set[str], set[str]]] = []
    real = ingest._Before.prefetch

    def spy(self: ingest._Before, last: set[str], lapses: set[str]) -> None:
        fetched.append((set(last), set(lapses)))
        real(self, last, lapses)

    monkeypatch.setattr(ingest._Before, "prefetch", spy)
    try:
        when, cut = T0, None
        for item in script:
            when += timedelta(days=3)
            if item == "|":
                cut = when
                continue
            device, what, g = item
            if what == "grade":
                _grade(stores[device], g, when)
            else:
                _reschedule(stores[device], when)
        everything = sorted(stores["a"].outbox() + stores["b"].outbox(), key=lambda e: e.sort_key)
        first = [e for e in everything if e.ts < utc_now_iso(cut)]
        fresh, once = Store(tmp_path / "fresh.sqlite3", leech_threshold=2), Store(tmp_path / "once.sqlite3", leech_threshold=2)
        try:
            fresh.ingest(first)
            fetched.clear()
            fresh.ingest(everything[len(first) :])
            once.ingest(everything)
            assert any("k" in last and "k" in lapses for last, lapses in fetched)
            folded = {k: v for k, v in replay(everything, fresh.rules).items() if v is not None}
            assert fresh.states() == once.states() == folded
            if script is _RESCHEDULED:  # verbatim: the device's recorded state, not a re-grade
                assert folded["k"] == stores["a"].get("k")
            else:
                assert folded["k"].leech
        finally:
            fresh.close()
            once.close()
    finally:
        for store in stores.values():
            store.close()


def _fits_reference(value: object, want: str) -> bool:
    if value is None:
        return want.endswith("or null")
    if want == "true/false" or isinstance(value, bool):
        return want == "true/false" and isinstance(value, bool)
    return isinstance(value, int) if want.startswith("int") else isinstance(value, str)


_scalar = st.one_of(st.none(), st.booleans(), st.integers(-3, 3), st.floats(allow_nan=False, allow_infinity=False),
                    st.text(max_size=3), st.sampled_from(["k", "D"]), st.lists(st.integers(), max_size=1))


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(sorted(STATE_FIELDS)), _scalar, st.sampled_from(["before", "after"]))
def test_a_complete_state_with_one_field_changed_is_checked_as_the_format_says(field, value, which):
    """decode checks a complete state (encode's order) at once: a field of the wrong type, the wrong key
    or an easiness not above 0 is refused, as for any other state."""
    state = {"key": "k", "deck": "D", "text": "t", "easiness": 250, "interval": 1, "repetitions": 1, "due_day": 9,
             "suspended": False, "buried_until": None, "last_review": "2026-03-02T10:00:00.000+00:00", "last_day": 8,
             "last_grade": 4, "first_day": 8, "memory": None, "leech": False}
    data = {"deck": "D", "day": 8, "grade": 4, "before": dict(state), "after": dict(state)}
    data[which][field] = value
    line = encode(Event("d-1", "d", 1, "2026-03-02T10:00:00.000+00:00", "k", "review", data))
    ok = _fits_reference(value, STATE_FIELDS[field])
    ok = ok and (field != "key" or value == "k") and (field != "easiness" or value > 0)
    if ok:
        assert decode(line, "f:1").data[which][field] == value
    else:
        with pytest.raises(EventError, match=rf"^f:1: data\.{which}"):
            decode(line, "f:1")


_states = st.builds(
    CardState, st.sampled_from(["k", 'k"text": "x']), st.sampled_from(["D", 'D", "text": "']),
    st.text(max_size=6) | st.sampled_from(['", "a": "', '"text": "', "\\"]),
    st.builds(Easiness.from_cents, st.integers(130, 300)), st.integers(0, 3), st.integers(0, 2),
)


@settings(max_examples=300, deadline=None)
@given(_states, _states)
def test_states_compare_textless_as_the_slow_comparison_does(a, b):
    x, y = a.to_json(), b.to_json()
    slow = replay_module._TEXT.sub(replay_module._NO_TEXT, x, count=1) == replay_module._TEXT.sub(replay_module._NO_TEXT, y, count=1)
    assert replay_module._same(x, y) == slow == (replace(a, text="") == replace(b, text=""))
    assert replay_module._same(x, replace(a, text=b.text).to_json())
