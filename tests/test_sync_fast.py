"""The per-sync fast paths (docs/benchmarks.md, "Sync"): each gives what the general code gives."""

from __future__ import annotations

from dataclasses import fields, replace
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pyflash.core.events import STATE_FIELDS, Event, EventError, decode, encode
from pyflash.core.events.replay import state_json
from pyflash.core.review.records import CardState
from pyflash.core.scheduling import sm2
from pyflash.core.scheduling.easiness import Easiness
from pyflash.core.scheduling.schedule import SM2, state_of
from pyflash.core.scheduling.states import ReviewKind


def test_the_card_state_fields_are_the_ones_the_positional_copies_name():
    # schedule._repeated/_graded, replay._with_deck_text and CardState.from_data build a CardState field by
    # field, in this order: a new field must be added to them too (then here).
    assert [f.name for f in fields(CardState)] == [
        "key", "deck", "text", "easiness", "interval", "repetitions", "due_day", "suspended", "buried_until",
        "last_review", "last_day", "last_grade", "first_day", "memory", "leech",
    ]


def test_the_event_fields_are_the_ones_without_text_names():
    # pyflash.sync.private.without_text builds an Event field by field, in this order.
    assert [f.name for f in fields(Event)] == ["id", "device", "seq", "ts", "card", "kind", "data"]


_opt_day = st.one_of(st.none(), st.integers(700_000, 700_010))
_cards = st.builds(
    CardState, st.just("k"), st.just("D"), st.text(max_size=3), st.builds(Easiness.from_cents, st.integers(130, 400)),
    st.integers(0, 400), st.integers(0, 9), _opt_day, st.booleans(), _opt_day, st.one_of(st.none(), st.just("t")),
    _opt_day, st.one_of(st.none(), st.integers(0, 5)), _opt_day, st.one_of(st.none(), st.just("{}")), st.booleans(),
)


def _reference(card: CardState, grade: int, day: int, ts: str) -> tuple[CardState, ReviewKind]:
    """SM-2 over a stored card as it was written with dataclasses.replace."""
    if card.last_day == day and card.due_day is not None:
        return replace(card, last_review=ts, last_grade=grade), ReviewKind.REPEAT
    new = sm2.review(state_of(card), grade)
    after = replace(
        card, easiness=sm2.Easiness(new.easiness), interval=new.interval, repetitions=new.repetitions,
        due_day=day + new.interval, buried_until=None, last_review=ts, last_day=day, last_grade=grade,
        first_day=card.first_day if card.first_day is not None else day,
    )
    return after, ReviewKind.REVIEW


@settings(max_examples=200, deadline=None)
@given(_cards, st.integers(0, 5), st.integers(700_000, 700_010))
def test_the_sm2_grade_without_replace_is_the_one_with_it(card, grade, day):
    now = datetime(2026, 3, 2, 10, 0, tzinfo=UTC) + timedelta(days=day - 700_000)
    result = SM2.review(card, grade, day=day, now=now)
    after, kind = _reference(card, grade, day, now.isoformat(timespec="milliseconds"))
    assert (result.after, result.kind, result.again_today) == (after, kind, grade < 4)
    assert result.after.easiness.cents == after.easiness.cents and type(result.after.easiness) is Easiness


def test_an_invalid_sm2_state_is_still_refused():
    bad = CardState("k", "D", interval=-1, due_day=5)
    with pytest.raises(ValueError, match="negative"):
        SM2.review(bad, 4, day=6, now=datetime(2026, 3, 2, tzinfo=UTC))


@settings(max_examples=150, deadline=None)
@given(_cards, st.booleans())
def test_a_state_object_with_or_without_its_text_is_read_and_written_as_the_general_code_does(card, textless):
    data = {f.name: getattr(card, f.name) for f in fields(CardState)}
    data["easiness"] = card.easiness.cents
    if textless:
        del data["text"]
    slow = CardState(**{**data, "easiness": Easiness.from_cents(data["easiness"])})  # from_data's general path
    assert CardState.from_data(dict(data)) == slow
    assert state_json(data) == slow.to_json()


_scalar = st.one_of(st.none(), st.booleans(), st.integers(-3, 3), st.text(max_size=2), st.sampled_from(["k", "D"]))


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(sorted(set(STATE_FIELDS) - {"text"})), _scalar)
def test_a_textless_state_with_one_field_changed_is_checked_as_the_format_says(field, value):
    state = {"key": "k", "deck": "D", "easiness": 250, "interval": 1, "repetitions": 1, "due_day": 9,
             "suspended": False, "buried_until": None, "last_review": "2026-03-02T10:00:00.000+00:00", "last_day": 8,
             "last_grade": 4, "first_day": 8, "memory": None, "leech": False}
    state[field] = value
    line = encode(Event("d-1", "d", 1, "2026-03-02T10:00:00.000+00:00", "k", "review",
                        {"deck": "D", "day": 8, "grade": 4, "after": state}))
    want = STATE_FIELDS[field]
    if value is None:
        ok = want.endswith("or null")
    elif isinstance(value, bool):
        ok = want == "true/false"
    elif isinstance(value, int):
        ok = want.startswith("int")
    else:
        ok = want.startswith("text")
    ok = ok and (field != "key" or value == "k") and (field != "easiness" or value > 0)
    if ok:
        assert decode(line, "f:1").data["after"][field] == value
    else:
        with pytest.raises(EventError, match=r"^f:1: data\.after"):
            decode(line, "f:1")


_GRADE_SPEC = {"deck": "text", "day": "int", "grade": "int", "answer_ms": "int or null", "typed": "text or null",
               "before": "state or null", "after": "state", "undoes": "unknown", "new": "unknown"}


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(sorted(_GRADE_SPEC)), st.one_of(_scalar, st.integers(-9, 9), st.just({})), st.booleans())
def test_a_grade_events_data_is_checked_as_the_format_says(field, value, drop):
    """decode checks a grade's data at once (its fast path): what it lets through is what the general
    checks let through, and a wrong, missing or unknown field is refused with the general message."""
    state = {"key": "k", "deck": "D", "easiness": 250, "interval": 1, "repetitions": 1, "due_day": 9,
             "suspended": False, "buried_until": None, "last_review": "2026-03-02T10:00:00.000+00:00", "last_day": 8,
             "last_grade": 4, "first_day": 8, "memory": None, "leech": False}
    data = {"deck": "D", "day": 8, "grade": 4, "answer_ms": 900, "typed": "x", "before": state, "after": state}
    if drop:
        data.pop(field, None)
    else:
        data[field] = value
    want = _GRADE_SPEC[field]
    if drop:
        ok = field not in ("deck", "day", "grade", "after")
    elif value is None:
        ok = want.endswith("or null")
    elif isinstance(value, bool) or isinstance(value, dict):
        ok = False
    elif isinstance(value, int):
        ok = want == "int" or want == "int or null"
        ok = ok and (field != "grade" or 0 <= value <= 5)
    else:
        ok = want.startswith("text")
    line = encode(Event("d-1", "d", 1, "2026-03-02T10:00:00.000+00:00", "k", "review", data))
    if ok:
        assert decode(line, "f:1").data == data
    else:
        with pytest.raises(EventError, match=r"^f:1: data"):
            decode(line, "f:1")


_texts = st.text(max_size=6) | st.sampled_from(['", "a": "', '"text": "', "\\", '"}', 'x", "text": "'])
_tricky = st.builds(
    CardState, st.sampled_from(["k", 'k"text": "x', 'k", "text": ""}']), st.sampled_from(["D", 'D", "text": "']),
    _texts, st.builds(Easiness.from_cents, st.integers(130, 300)), st.integers(0, 3), st.integers(0, 2),
    memory=st.one_of(st.none(), _texts),
)


@settings(max_examples=150, deadline=None)
@given(_tricky, _tricky)
def test_a_textless_state_keeps_the_text_as_the_slow_way_does(new, cur):
    from pyflash.core.events import replay as replay_module

    a, b = replace(new, text="").to_json(), cur.to_json()
    slow = b if not cur.text else replace(CardState.from_json(a), text=CardState.from_json(b).text).to_json()
    assert replay_module._keep_text(a, b) == (a if not cur.text else slow)
