"""The outbox's lines made from the log's rows (pyflash.core.events.lines) are the lines the general code
writes: ``encode(without_text(event))`` (or ``encode(event)`` with the decks) of each event ``outbox`` gives."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pyflash.core.events import encode
from pyflash.core.events.lines import _compact, without_text
from pyflash.core.review.records import CardState
from pyflash.core.review.store import Store
from pyflash.core.scheduling.easiness import Easiness

_INSERT = (
    "INSERT INTO reviews (key, deck, ts, day, grade, kind, before, after, answer_ms, typed, device, seq, undoes_event)"
    " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)"
)
# Text with what JSON escapes or a line must not hold: quotes, backslashes, control characters, U+2028,
# non-ASCII, and the separators the compact form changes.
_weird = st.lists(st.sampled_from(['"', "\\", "\n", "\t", "\x01", "\x0b", "\x0f", "\x1f", "\x7f", "\u2028", "é", "€",
                                   ", ", ": ", '", "', "{", "}", "a", "/", "😀"]), max_size=5).map("".join)
_opt_day = st.one_of(st.none(), st.integers(-3, 800_000))
_states = st.builds(
    CardState, _weird, _weird, _weird, st.builds(Easiness.from_cents, st.integers(130, 400)), st.integers(0, 10**6),
    st.integers(0, 99), _opt_day, st.booleans(), _opt_day, st.one_of(st.none(), _weird), _opt_day,
    st.one_of(st.none(), st.integers(0, 5)), _opt_day, st.one_of(st.none(), st.just('{"s": 1.5, "d": "x"}'), _weird),
    st.booleans(),
)
# A stored state text the fast path must leave to the general code (and the general code must read).
_ODD = [
    '{"deck": "D", "key": "k"}',  # an old row's: the later fields missing
    '{"buried_until": null, "deck": "D\\u00e9", "due_day": null, "easiness": 250, "first_day": null, "interval": 0,'
    ' "key": "k", "last_day": null, "last_grade": null, "last_review": null, "leech": false, "memory": null,'
    ' "repetitions": 0, "suspended": false, "text": "a\\/b"}',  # escapes json.dumps does not write
    '{"buried_until": null, "deck": "D", "due_day": null, "easiness": 250, "first_day": null, "interval": 0,'
    ' "key": "k", "last_day": null, "last_grade": null, "last_review": null, "leech": false, "memory": null,'
    ' "repetitions": 0, "suspended": false, "text": "x", "zz": 1}',  # a field after the text
]
_odd_texts = st.sampled_from(_ODD)


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    with Store(tmp_path_factory.mktemp("lines") / "s.sqlite3") as s:
        yield s


def _general(store: Store, after: int, keep_text: bool) -> list[tuple[str, str]]:
    return [(e.ts, encode(e if keep_text else without_text(e))) for e in store.outbox(after)]


_rows = st.lists(
    st.tuples(
        st.one_of(_states, _odd_texts, st.none(), st.just("")), st.one_of(_states, _odd_texts, st.none()),
        st.sampled_from(["review", "repeat", "bury", "undo", "forget"]), st.one_of(st.none(), st.integers(0, 5)),
        st.one_of(st.none(), st.integers(0, 10**7)), st.one_of(st.none(), _weird), st.one_of(st.none(), st.just("d-3")),
        _weird, st.integers(0, 800_000), st.booleans(),
    ),
    min_size=1, max_size=6,
)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(_rows, st.booleans())
def test_the_lines_made_from_rows_are_the_general_codes(store, rows, keep_text):
    db = store.connection
    device = store.device_id
    db.execute("BEGIN")
    try:
        db.execute("DELETE FROM reviews")
        db.execute("DELETE FROM relinks")
        seq = 0
        for before, after, kind, grade, ms, typed, undoes, deck, day, relink in rows:
            seq += 1
            texts = [s.to_json() if isinstance(s, CardState) else s for s in (before, after)]
            key = after.key if isinstance(after, CardState) else "k\u2029"
            ts = f"2026-03-02T10:00:{seq:02d}.000+00:00"
            db.execute(_INSERT, (key, deck, ts, day, grade, kind, *texts, ms, typed, device, seq, undoes))
            if relink:  # a relink between two rows: sent the general way, in seq order
                seq += 1
                db.execute("INSERT INTO relinks (old_key, new_key, deck, similarity, ts, device, seq, text, rekey)"
                           " VALUES (?,?,?,?,?,?,?,?,?)", (key, "n", deck, 0.5, ts, device, seq, "secret", 1))
        for after_seq in (0, 1):
            assert store.outbox_lines(after_seq, keep_text=keep_text) == _general(store, after_seq, keep_text)
    finally:
        db.execute("ROLLBACK")


@settings(max_examples=150, deadline=None)
@given(_states, st.booleans())
def test_a_stored_state_is_written_compact_as_encode_writes_it(state, keep_text):
    data = json.loads(state.to_json())
    if not keep_text:
        del data["text"]
    expected = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    assert _compact(state.to_json(), keep_text) == expected


def test_an_odd_state_is_left_to_the_general_code():
    for text in _ODD:
        assert _compact(text, True) is None and _compact(text, False) is None
    assert _compact('{"deck": "D", "key": "k"}', False) is None
    good = CardState("k", "D", "t").to_json()
    assert _compact(good, False) is not None
    assert _compact(good.replace('"interval": 0', '"interval": 0.0'), False) is None
    assert _compact(good.replace('"deck": "D"', '"deck": "D\\u00e9"'), False) is None
