"""Events (core/events): encode/decode, the store's outbox and ingest, replay across devices."""

from __future__ import annotations

import contextlib
import json
import random
import sqlite3
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from pyflash.core.errors import PyflashError, StoreError
from pyflash.core.events import Event, EventError, decode, encode
from pyflash.core.events.replay import replay
from pyflash.core.review.records import CardState, utc_now_iso
from pyflash.core.review.store import Store
from pyflash.core.scheduling.schedule import SM2
from strategies_events import T0, action, store_settings


def grade(store: Store, key: str, g: int, when: datetime, deck: str = "D") -> int:
    """Grade like a session does (SM-2, the stored row as before)."""
    row = store.get(key)
    day = (when - datetime(2026, 1, 1, tzinfo=UTC)).days
    current = row or CardState(key, deck, f"text of {key}")
    result = SM2.review(current, g, day=day, now=when)
    return store.record(row, result.after, grade=g, kind=result.kind, ts=utc_now_iso(when), day=day, answer_ms=900)


def flag(store: Store, key: str, kind: str, when: datetime, **changes: object) -> int:
    day = (when - datetime(2026, 1, 1, tzinfo=UTC)).days
    return store.change([(key, "D", f"text of {key}")], kind=kind, ts=utc_now_iso(when), day=day, **changes)[0][0]


def log_set(store: Store) -> set[str]:
    """Every event in the store, as lines: what two stores must share after a sync."""
    db = store.connection
    rows = db.execute(
        "SELECT event_id, key, deck, ts, day, grade, kind, before, after, answer_ms, typed, undoes_event FROM reviews"
    ).fetchall()
    links = db.execute("SELECT event_id, old_key, new_key, deck, similarity, ts, text, rekey FROM relinks").fetchall()
    return {json.dumps(r) for r in rows} | {json.dumps(r) for r in links}


# -- encode / decode -------------------------------------------------------------


def test_encode_decode_round_trip_and_the_line_is_sorted_json(tmp_path):
    with Store(tmp_path / "a.sqlite3") as store:
        grade(store, "k1", 4, T0)
        rid = grade(store, "k1", 1, T0 + timedelta(days=3))
        store.undo(rid, ts=utc_now_iso(T0 + timedelta(days=3, seconds=5)), day=3)
        events = store.outbox()
    assert [e.kind for e in events] == ["review", "review", "undo"]
    assert [e.seq for e in events] == [1, 2, 3]
    for e in events:
        line = encode(e)
        assert "\n" not in line and list(json.loads(line)) == sorted(json.loads(line))
        assert decode(line, "f:1") == e
    assert events[2].data["undoes"] == events[1].id


def test_encode_escapes_line_separators_and_keeps_other_text():
    e = Event("dev-1", "dev", 1, "2026-03-02T10:00:00.000+00:00", "k", "review",
              {"deck": "D", "day": 1, "grade": 4, "typed": "a\u2028b é\n",
               "after": {"key": "k", "deck": "D"}})
    line = encode(e)
    assert "\u2028" not in line and "é" in line and len(line.splitlines()) == 1
    assert decode(line, "x:1").data["typed"] == "a\u2028b é\n"


@pytest.mark.parametrize(
    ("line", "says"),
    [
        ("{not json", "not valid JSON"),
        ("[1]", "must be a JSON object"),
        ('{"id": "d-1"}', "no 'device' field"),
        ('{"id":"d-1","device":"d","seq":"1","ts":"2026-03-02T10:00:00+00:00","card":"k","kind":"bury"}', "'seq' must be"),
        ('{"id":"d-2","device":"d","seq":1,"ts":"2026-03-02T10:00:00+00:00","card":"k","kind":"bury"}', "must be 'd-1'"),
        ('{"id":"d-1","device":"d","seq":1,"ts":"yesterday","card":"k","kind":"bury","data":{}}', "not an ISO-8601"),
        ('{"id":"d-1","device":"d","seq":1,"ts":"2026-03-02T10:00:00","card":"k","kind":"bury","data":{}}', "no time zone"),
        ('{"id":"d-1","device":"d","seq":1,"ts":"2026-03-02T10:00:00+00:00","card":"k","kind":"fly","data":{}}', "unknown kind"),
        ('{"id":"d-1","device":"d","seq":1,"ts":"2026-03-02T10:00:00+00:00","card":"k","kind":"review",'
         '"data":{"deck":"D","day":1,"grade":9,"after":{"key":"k","deck":"D"}}}', "grade must be 0 to 5"),
        ('{"id":"d-1","device":"d","seq":1,"ts":"2026-03-02T10:00:00+00:00","card":"k","kind":"review",'
         '"data":{"deck":"D","day":1,"grade":3,"after":{"key":"other","deck":"D"}}}', "about card 'k'"),
        ('{"id":"d-1","device":"d","seq":1,"ts":"2026-03-02T10:00:00+00:00","card":"k","kind":"review",'
         '"data":{"deck":"D","day":1,"grade":3,"after":{"key":"k","deck":"D","interval":"x"}}}', "interval must be int"),
        ('{"id":"d-1","device":"d","seq":1,"ts":"2026-03-02T10:00:00+00:00","card":"k","kind":"undo",'
         '"data":{"deck":"D","day":1,"undoes":"nonsense"}}', "not an event id"),
        ('{"id":"a/b-1","device":"a/b","seq":1,"ts":"2026-03-02T10:00:00+00:00","card":"k","kind":"bury","data":{}}', "device"),
        ('{"id":"d-1","device":"d","seq":1,"ts":"2026-03-02T10:00:00+00:00","card":"k","kind":"review",'
         '"data":{"deck":"D","day":NaN,"grade":3}}', "not valid JSON"),
    ],
)
def test_decode_names_the_place_and_the_problem(line, says):
    with pytest.raises(EventError) as caught:
        decode(line, "events/d/2026-03.jsonl:7")
    message = str(caught.value)
    assert message.startswith("events/d/2026-03.jsonl:7: ") and says in message
    assert message.endswith(")") and "\n" not in message
    assert isinstance(caught.value, PyflashError)


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=4),
    max_leaves=12,
)
_field_names = st.sampled_from(["id", "device", "seq", "ts", "card", "kind", "data", "grade", "after", "before", "deck", "day"])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(
    st.text(max_size=60),
    _json.map(json.dumps),
    st.dictionaries(_field_names, _json, max_size=8).map(json.dumps),
    st.dictionaries(st.sampled_from(["deck", "day", "grade", "after", "before", "undoes", "new", "typed"]), _json).map(
        lambda d: json.dumps({"id": "d-1", "device": "d", "seq": 1, "ts": "2026-03-02T10:00:00+00:00", "card": "k",
                              "kind": "review", "data": d})),
))
def test_decode_never_raises_anything_but_event_error(line):
    try:
        decode(line, "f:1")
    except EventError as exc:
        assert str(exc).startswith("f:1: ")


def test_decode_of_deep_nesting_is_an_event_error():
    with pytest.raises(EventError):
        decode("[" * 100_000, "f:1")


# -- the store: device id, outbox, ingest ---------------------------------------------


def test_device_id_is_made_once_and_kept(tmp_path):
    with Store(tmp_path / "a.sqlite3") as store:
        device = store.device_id
    with Store(tmp_path / "a.sqlite3") as store:
        assert store.device_id == device and len(device) == 12
    with Store(tmp_path / "b.sqlite3") as other:
        assert other.device_id != device


def test_outbox_after_seq_and_every_kind_is_an_event(tmp_path):
    with Store(tmp_path / "a.sqlite3") as store:
        grade(store, "k1", 4, T0)
        flag(store, "k1", "bury", T0, buried_until=70)
        flag(store, "k1", "unbury", T0, buried_until=None)
        flag(store, "k2", "suspend", T0, suspended=True)
        store.relink("k1", "k1b", "new text", 0.9, utc_now_iso(T0 + timedelta(minutes=1)))
        events = store.outbox()
        assert [e.kind for e in events] == ["review", "bury", "unbury", "suspend", "relink"]
        assert [e.seq for e in events] == [1, 2, 3, 4, 5]
        assert events[-1].data == {"deck": "D", "new": "k1b", "similarity": 0.9, "text": "new text"}
        assert [e.seq for e in store.outbox(after_seq=3)] == [4, 5]
        assert {e.device for e in events} == {store.device_id}


def test_ingest_is_idempotent_and_copies_a_device(tmp_path):
    with Store(tmp_path / "a.sqlite3") as a, Store(tmp_path / "b.sqlite3") as b:
        grade(a, "k1", 5, T0)
        grade(a, "k1", 4, T0 + timedelta(days=1))
        flag(a, "k2", "suspend", T0, suspended=True)
        first = b.ingest(a.outbox())
        assert (first.added, first.skipped_known, first.cards) == (3, 0, frozenset({"k1", "k2"}))
        again = b.ingest(a.outbox())
        assert (again.added, again.skipped_known, again.cards) == (0, 3, frozenset())
        assert b.states() == a.states()
        assert log_set(b) == log_set(a)
        assert b.outbox() == []  # not b's own


def test_two_devices_grading_one_card_offline_merge_by_time(tmp_path):
    with Store(tmp_path / "a.sqlite3") as a, Store(tmp_path / "b.sqlite3") as b:
        grade(a, "k", 5, T0)
        b.ingest(a.outbox())
        grade(a, "k", 5, T0 + timedelta(days=1))  # offline on both: the same card
        grade(b, "k", 1, T0 + timedelta(days=2))
        a_events, b_events = a.outbox(), b.outbox()
        a.ingest(b_events)
        b.ingest(a_events)
        assert a.states() == b.states()
        assert log_set(a) == log_set(b)
        graded = [e.grade for e in a.log("k")]
        assert graded == [5, 5, 1]  # both reviews kept
        # the state is the replay of both in time order: 5, then 5, then the failed 1 (from the second 5's state)
        s = SM2.review(CardState("k", "D", "text of k"), 5, day=60, now=T0).after
        s = SM2.review(s, 5, day=61, now=T0).after
        s = SM2.review(s, 1, day=62, now=T0 + timedelta(days=2)).after
        assert a.get("k") == replace(s, text="text of k")
        assert s.repetitions == 0 and s.easiness.cents == 270 - 54  # the lapse counted from the second 5's state
        assert next(e for e in b.log("k") if e.grade == 1).after.easiness.cents == 260 - 54  # b's own result, recorded before the merge


def test_a_concurrent_suspend_sets_only_its_flag(tmp_path):
    with Store(tmp_path / "a.sqlite3") as a, Store(tmp_path / "b.sqlite3") as b:
        grade(a, "k", 5, T0)
        b.ingest(a.outbox())
        grade(a, "k", 5, T0 + timedelta(days=1))
        flag(b, "k", "suspend", T0 + timedelta(days=2), suspended=True)  # b has not seen a's second grade
        a_events, b_events = a.outbox(), b.outbox()
        a.ingest(b_events)
        b.ingest(a_events)
        assert a.states() == b.states()
        assert a.get("k") == replace(a.log("k")[1].after, suspended=True)  # a's grade kept, and suspended


def test_a_devices_own_unlogged_change_between_its_events_is_not_a_conflict(tmp_path):
    with Store(tmp_path / "a.sqlite3") as a, Store(tmp_path / "b.sqlite3") as b:
        grade(a, "k", 5, T0)
        a.reschedule([replace(a.get("k"), due_day=99, interval=30)])  # e.g. a change of scheduler: not logged
        grade(a, "k", 3, T0 + timedelta(days=40))
        b.ingest(a.outbox())
        assert b.get("k") == a.get("k")  # a's recorded result, not a re-grade of the logged state


def test_an_undo_undoes_only_its_own_event(tmp_path):
    with Store(tmp_path / "a.sqlite3") as a, Store(tmp_path / "b.sqlite3") as b:
        grade(a, "k", 5, T0)
        b.ingest(a.outbox())
        rid = grade(a, "k", 1, T0 + timedelta(days=6))
        grade(b, "k", 5, T0 + timedelta(days=6, hours=1))
        a.undo(rid, ts=utc_now_iso(T0 + timedelta(days=6, hours=2)), day=66)
        a_events, b_events = a.outbox(), b.outbox()
        b.ingest(a_events)
        a.ingest(b_events)
        assert a.states() == b.states()
        # a's failed grade is gone; b's 5 counts, from a's first 5
        s = SM2.review(CardState("k", "D", "text of k"), 5, day=60, now=T0).after
        s = SM2.review(s, 5, day=66, now=T0).after
        assert a.get("k").repetitions == s.repetitions == 2 and a.get("k").interval == s.interval
        undone = [e for e in b.log("k") if e.kind == "undo"]
        assert len(undone) == 1 and b.log("k")[undone[0].undoes - 1].grade == 1  # the local row id is resolved


def test_an_undo_that_arrives_before_its_event_still_takes_it_back(tmp_path):
    with Store(tmp_path / "a.sqlite3") as a, Store(tmp_path / "b.sqlite3") as b:
        rid = grade(a, "k", 4, T0)
        a.undo(rid, ts=utc_now_iso(T0 + timedelta(seconds=3)), day=60)
        events = a.outbox()
        b.ingest(events[1:])
        b.ingest(events[:1])
        assert b.get("k") is None and a.get("k") is None
        undo, graded = b.log("k")  # the undo came first: row 1
        assert undo.kind == "undo" and undo.undoes == graded.id == 2


def test_relinks_travel_and_move_the_state(tmp_path):
    with Store(tmp_path / "a.sqlite3") as a, Store(tmp_path / "b.sqlite3") as b:
        grade(a, "old", 5, T0)
        a.relink("old", "new", "edited text", 0.8, utc_now_iso(T0 + timedelta(hours=1)))
        grade(a, "new", 4, T0 + timedelta(days=1))
        b.ingest(a.outbox())
        assert b.get("old") is None and b.get("new") == a.get("new")
        assert b.get("new").text == "edited text"


def test_replay_is_pure_and_a_single_device_replays_bit_for_bit(tmp_path):
    with Store(tmp_path / "a.sqlite3") as a:
        for i in range(6):
            grade(a, "k", [5, 4, 1, 3, 5, 2][i], T0 + timedelta(days=2 * i))
        events = a.outbox()
        assert replay(events) == {"k": a.get("k")}
        assert replay(list(reversed(events))) == {"k": a.get("k")}


# -- order independence (three devices) ------------------------------------------------

_action = action(["c1", "c2"], ["grade", "grade", "grade", "undo", "suspend", "unsuspend", "bury", "sync", "relink"], 5000)


@store_settings(25)
@given(st.lists(_action, min_size=1, max_size=14), st.randoms(use_true_random=False))
@example(  # found by hypothesis: undoing a grade followed by an unsuspend that changed nothing (the store now refuses)
    actions=[(1, "c2", "grade", 2, 119), (2, "c2", "relink", 2, 540), (1, "c2", "unsuspend", 3, 504), (0, "c1", "bury", 1, 129),
             (1, "c2", "undo", 5, 935), (1, "c1", "suspend", 0, 687), (1, "c1", "unsuspend", 4, 99)],
    rnd=random.Random(0),
)
def test_three_devices_merge_to_the_same_state_whatever_the_order(tmp_path_factory, actions, rnd):
    folder = tmp_path_factory.mktemp("devices")
    stores = [Store(folder / f"{i}.sqlite3") for i in range(3)]
    try:
        when = T0
        last: list[int | None] = [None, None, None]
        for device, card, what, g, minutes in actions:
            when += timedelta(minutes=minutes)
            s = stores[device]
            if what == "grade":
                last[device] = grade(s, card, g, when)
            elif what == "undo" and last[device] is not None:
                with contextlib.suppress(StoreError):  # the card changed since (the store refuses)
                    s.undo(last[device], ts=utc_now_iso(when), day=1)
                last[device] = None
            elif what in ("suspend", "unsuspend"):
                flag(s, card, what, when, suspended=what == "suspend")
            elif what == "bury":
                flag(s, card, "bury", when, buried_until=200)
            elif what == "relink":  # the card was edited: its state moves to the new key (if it has none)
                s.relink(card, f"{card}-edited", "edited text", 0.9, utc_now_iso(when))
            elif what == "sync":  # this device takes in the other devices' events so far
                for other in stores:
                    if other is not s:
                        s.ingest(other.outbox())
        everything = [e for s in stores for e in s.outbox()]
        results = []
        for n in range(3):
            order = list(everything)
            rnd.shuffle(order)
            fresh = Store(folder / f"fresh{n}.sqlite3")
            try:
                cut = rnd.randint(0, len(order))
                fresh.ingest(order[:cut])
                fresh.ingest(order[cut:])
                fresh.ingest(order[: cut // 2])  # again: nothing changes
                results.append((fresh.states(), log_set(fresh)))
            finally:
                fresh.close()
        # and every device, once it has everything
        for s in stores:
            for other in stores:
                if other is not s:
                    s.ingest(other.outbox())
            results.append((s.states(), log_set(s)))
        for r in results[1:]:
            assert r[0] == results[0][0]
            assert r[1] == results[0][1]
        assert replay(everything) == {k: results[0][0].get(k) for k in replay(everything)}
    finally:
        for s in stores:
            s.close()


def test_the_grade_path_writes_device_and_seq_in_the_same_row(tmp_path):
    with Store(tmp_path / "a.sqlite3") as store:
        grade(store, "k", 4, T0)
        row = store.connection.execute("SELECT device, seq, event_id FROM reviews").fetchone()
        assert row == (store.device_id, 1, f"{store.device_id}-1")


def test_event_data_is_not_shared_with_the_store(tmp_path):
    with Store(tmp_path / "a.sqlite3") as a, Store(tmp_path / "b.sqlite3") as b:
        grade(a, "k", 4, T0)
        events = a.outbox()
        b.ingest(events)
        b.ingest([replace(events[0], data={**events[0].data, "grade": 0})])  # same id: skipped
        assert b.log("k")[0].grade == 4
    with pytest.raises(sqlite3.ProgrammingError):
        b.connection.execute("SELECT 1")


# -- migration from schema 5 ---------------------------------------------------------------


def _schema5(path):
    from pyflash.core.review.schema import MIGRATIONS

    db = sqlite3.connect(path, isolation_level=None)
    script = "".join(MIGRATIONS[v].replace("{leech_threshold}", "8") for v in range(5))
    db.executescript(f"BEGIN;{script}PRAGMA user_version = 5; COMMIT;")
    return db


def test_migration_from_schema_5_keeps_every_row_and_gives_each_an_event_id(tmp_path):
    path = tmp_path / "old.sqlite3"
    db = _schema5(path)
    s1 = CardState("a", "D", "ta", interval=1, repetitions=1, due_day=11, last_day=10, last_grade=4, first_day=10,
                   last_review="2026-03-02T10:00:00.000+00:00")
    s2 = replace(s1, interval=6, repetitions=2, due_day=17, last_day=11, last_review="2026-03-03T10:00:00.000+00:00")
    rows = [
        ("a", "2026-03-02T10:00:00.000+00:00", 10, 4, "review", None, s1.to_json(), None),
        ("a", "2026-03-03T10:00:00.000+00:00", 11, 4, "review", s1.to_json(), s2.to_json(), None),
        ("a", "2026-03-03T10:00:05.000+00:00", 11, None, "undo", s2.to_json(), s1.to_json(), 2),
    ]
    for key, ts, day, g, kind, before, after, undoes in rows:
        db.execute("INSERT INTO reviews (key, deck, ts, day, grade, kind, before, after, undoes) VALUES (?,?,?,?,?,?,?,?,?)",
                   (key, "D", ts, day, g, kind, before, after, undoes))
    # the card was edited at the same millisecond as its next grade: the relink goes first
    moved = replace(s1, key="b", text="tb")
    db.execute("INSERT INTO relinks (old_key, new_key, deck, similarity, ts) VALUES ('a','b','D',0.8,'2026-03-04T10:00:00.000+00:00')")
    s3 = replace(moved, interval=6, repetitions=2, due_day=18, last_day=12, last_review="2026-03-04T10:00:00.000+00:00")
    db.execute("INSERT INTO reviews (key, deck, ts, day, grade, kind, before, after) VALUES (?,?,?,?,?,?,?,?)",
               ("b", "D", "2026-03-04T10:00:00.000+00:00", 12, 5, "review", moved.to_json(), s3.to_json()))
    db.execute("INSERT INTO cards (key, deck, text, easiness, interval, repetitions, due_day, last_review, last_day,"
               " last_grade, first_day) VALUES ('b','D','tb',250,6,2,18,'2026-03-04T10:00:00.000+00:00',12,4,10)")
    db.close()
    with Store(path) as store:
        device = store.device_id
        got = store.connection.execute(
            "SELECT id, key, kind, device, seq, event_id, undoes, undoes_event FROM reviews ORDER BY id").fetchall()
        assert [(r[0], r[1], r[2]) for r in got] == [(1, "a", "review"), (2, "a", "review"), (3, "a", "undo"), (4, "b", "review")]
        assert all(r[3] == device and r[5] == f"{device}-{r[4]}" for r in got)
        assert [r[4] for r in got] == [1, 2, 3, 5]  # time order; the relink (4) before the grade of its new key
        assert got[2][6:] == (2, f"{device}-2")
        link = store.connection.execute("SELECT device, seq, text, rekey FROM relinks").fetchone()
        assert link == (device, 4, "tb", 0)
        events = store.outbox()
        assert [e.kind for e in events] == ["review", "review", "undo", "relink", "review"]
        assert replay(events)["b"] == store.get("b")
        assert replay(events)["a"] is None
        # new events continue the numbering
        grade(store, "b", 4, T0 + timedelta(days=30))
        assert store.outbox(after_seq=5)[0].seq == 6


def _textless(events):
    """The events as `pyflash sync` sends them without sync.include_decks (no card text)."""
    from pyflash.sync.private import without_text

    return [without_text(e) for e in events]


def _grade_with_text(store: Store, key: str, g: int, when: datetime) -> None:
    """Grade as a session does: the stored row, with the text of the card in its deck file."""
    row = store.get(key)
    day = (when - datetime(2026, 1, 1, tzinfo=UTC)).days
    current = replace(row, text=f"text of {key}") if row else CardState(key, "D", f"text of {key}")
    result = SM2.review(current, g, day=day, now=when)
    store.record(row, result.after, grade=g, kind=result.kind, ts=utc_now_iso(when), day=day, answer_ms=900)


class _NoRegrade:
    """A scheduler that fails the test if replay takes an event for a conflict and grades it again."""

    def review(self, *args, **kwargs):
        raise AssertionError("an event without card text was taken for a conflict")


def test_events_without_card_text_keep_the_local_text_and_are_not_conflicts(tmp_path):
    from pyflash.core.events.replay import Rules

    with Store(tmp_path / "a.sqlite3") as a, Store(tmp_path / "b.sqlite3") as b:
        _grade_with_text(b, "k", 5, T0)  # b studies the card first
        a.ingest(_textless(b.outbox()))
        assert a.get("k").text == ""  # a has no text for it yet: it never studied it
        _grade_with_text(a, "k", 4, T0 + timedelta(days=1))  # a's session writes the card's text (its deck file's)
        b.rules = Rules(scheduler=_NoRegrade())  # a's grade followed b's: taken as recorded, never graded again
        b.ingest(_textless(a.outbox()))
        assert b.get("k") == replace(a.get("k"), text="text of k")  # a's result, with b's own text kept
        # a real conflict: both grade offline; each keeps its own text through the re-grade
        b.rules = Rules()
        _grade_with_text(a, "k", 4, T0 + timedelta(days=5))
        _grade_with_text(b, "k", 3, T0 + timedelta(days=6))
        a.ingest(_textless(b.outbox()))
        b.ingest(_textless(a.outbox()))
        assert a.states() == b.states() and b.get("k").text == "text of k"
        assert b.rebuild(fix=False).differences == []
