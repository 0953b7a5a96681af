"""The SM-2 engine: published sequences, exact EF arithmetic, properties."""

from __future__ import annotations

import math
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pyflash.core.scheduling import sm2


def run(grades, state=None):
    state = state or sm2.initial_state()
    out = []
    for g in grades:
        state = sm2.review(state, g)
        out.append(state)
    return out


def test_initial_state():
    s = sm2.initial_state()
    assert (s.easiness, s.interval, s.repetitions) == (2.5, 0, 0)
    assert s == sm2.INITIAL == sm2.State()


def test_published_sequence_all_fives():
    states = run([5, 5, 5, 5])
    assert [s.interval for s in states] == [1, 6, 17, 48]
    assert states[-1].easiness == 2.9
    assert states[-1].easiness == Decimal("2.9")
    assert states[-1].easiness == Fraction(29, 10)
    assert [s.repetitions for s in states] == [1, 2, 3, 4]


def test_all_fours_keep_easiness():
    states = run([4, 4, 4, 4])
    assert [s.interval for s in states] == [1, 6, 15, 38]
    assert all(s.easiness == 2.5 for s in states)


def test_ef_update_applies_after_failing_grades():
    # 2.5 + 0.1 - 5 * (0.08 + 5 * 0.02) = 1.7
    assert sm2.review(sm2.initial_state(), 0).easiness == Decimal("1.70")
    assert sm2.review(sm2.initial_state(), 1).easiness == Decimal("1.96")
    assert sm2.review(sm2.initial_state(), 2).easiness == Decimal("2.18")
    assert sm2.review(sm2.initial_state(), 3).easiness == Decimal("2.36")


def test_ef_floor_and_no_cap():
    low = run([0, 0, 0])[-1]
    assert low.easiness == Decimal("1.3")
    high = run([5] * 30)[-1]
    assert high.easiness == Decimal("5.5")


def test_fail_resets_repetitions_and_interval():
    s = run([5, 5, 5])[-1]
    failed = sm2.review(s, 2)
    assert (failed.repetitions, failed.interval) == (0, 1)
    again = sm2.review(failed, 4)
    assert (again.repetitions, again.interval) == (1, 1)


def test_interval_uses_ef_before_the_update():
    # After 5,5 EF is 2.7 and interval 6; a 3 now gives ceil(6 * 2.7) = 17,
    # not ceil(6 * 2.56).
    s = sm2.review(run([5, 5])[-1], 3)
    assert s.interval == 17
    assert s.easiness == Decimal("2.56")


def test_exact_ceiling_350_not_351():
    assert math.ceil(125 * 2.8000000000000003) == 351  # the float trap
    s = sm2.State(easiness=2.8000000000000003, interval=125, repetitions=3)
    assert sm2.review(s, 4).interval == 350
    s = sm2.State(easiness=Decimal("2.8"), interval=125, repetitions=3)
    assert sm2.review(s, 5).interval == 350


def test_review_is_pure():
    s = sm2.State(easiness=2.5, interval=6, repetitions=2)
    before = (s.easiness, s.interval, s.repetitions)
    sm2.review(s, 5)
    assert (s.easiness, s.interval, s.repetitions) == before
    with pytest.raises(AttributeError):
        s.interval = 3  # type: ignore[misc]


@pytest.mark.parametrize("bad", [6, -1, 3.5, True, False, None, "4", 4.0, [4]])
def test_bad_grades_raise_value_error(bad):
    with pytest.raises(ValueError):
        sm2.review(sm2.initial_state(), bad)


def test_intenum_grades_work():
    assert sm2.review(sm2.initial_state(), sm2.Grade.EASY).easiness == 2.6
    assert sm2.Grade(4).label == "good"


def test_dict_round_trip():
    s = run([5, 3, 4])[-1]
    assert sm2.State.from_dict(s.to_dict()) == s


def reference(grades):
    """An independent integer-only model of the spec."""
    ef, interval, reps = 250, 0, 0
    out = []
    for q in grades:
        if q < 3:
            reps, interval = 0, 1
        else:
            reps += 1
            interval = 1 if reps == 1 else 6 if reps == 2 else -(-interval * ef // 100)
        d = 5 - q
        ef = max(130, ef + 10 - d * (8 + d * 2))
        out.append((Fraction(ef, 100), interval, reps))
    return out


grades_lists = st.lists(st.integers(min_value=0, max_value=5), min_size=1, max_size=60)


def test_matches_reference_model_for_every_sequence_of_up_to_5_grades():
    """All 6 + 6**2 + ... + 6**5 sequences, walked as a tree (each step once, from its prefix's state)."""
    checked = 0
    stack = [((), sm2.initial_state())]
    while stack:
        prefix, state = stack.pop()
        for g in range(6):
            grades = (*prefix, g)
            after = sm2.review(state, g)
            assert (after.easiness.as_fraction(), after.interval, after.repetitions) == reference(grades)[-1], grades
            checked += 1
            if len(grades) < 5:
                stack.append((grades, after))
    assert checked == sum(6**n for n in range(1, 6))


@settings(max_examples=400, deadline=None)
@given(grades_lists)
def test_matches_reference_model(grades):
    """Longer runs (up to 60 grades: EF far above 2.5 or at its 1.3 floor, intervals in years)."""
    got = [(s.easiness.as_fraction(), s.interval, s.repetitions) for s in run(grades)]
    assert got == reference(grades)


@settings(max_examples=500, deadline=None)
@given(grades_lists)
def test_properties(grades):
    prev = sm2.initial_state()
    for g in grades:
        s = sm2.review(prev, g)
        assert s.easiness >= 1.3
        assert s.interval >= 1
        if g < 3:
            assert s.repetitions == 0 and s.interval == 1
        else:
            assert s.repetitions == prev.repetitions + 1
            if prev.repetitions >= 2:
                assert s.interval >= prev.interval  # never shrinks on a pass after rep 2
        prev = s


# -- one grade table -------------------------------------------------------


def test_one_table_gives_grade_names_and_labels():
    from pyflash.core.scheduling.grades import GRADES, Grade

    assert [info.grade for info in GRADES] == list(Grade) == list(range(6))
    assert [info.label for info in GRADES] == ["again", "wrong", "almost", "hard", "good", "easy"]
    for info in GRADES:
        assert info.grade.name.lower() == info.label == info.grade.label
        assert info.grade.meaning == info.meaning and info.meaning
    assert sm2.Grade is Grade


def test_the_ui_reads_grade_labels_from_the_table():
    from pathlib import Path

    ui = Path(sm2.__file__).resolve().parents[2] / "ui"
    for path in ui.glob("*.py"):
        src = path.read_text(encoding="utf-8")
        assert "GRADE_LABELS" not in src and '"again"' not in src, path.name


# -- one easiness representation --------------------------------------------


def test_easiness_from_values_and_from_cents():
    assert sm2.Easiness(2.8000000000000003) == Decimal("2.8")
    assert sm2.Easiness(Decimal("2.36")).cents == 236
    assert sm2.Easiness(Fraction(13, 10)) == 1.3
    assert sm2.Easiness.from_cents(250) == 2.5 == sm2.INITIAL_EASINESS
    assert type(sm2.Easiness.from_cents(250)) is sm2.Easiness
    with pytest.raises(ValueError):
        sm2.Easiness.from_cents(2.5)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        sm2.Easiness("2.5")


def test_easiness_survives_copy_and_pickle():
    import copy
    import pickle

    e = sm2.Easiness(1.96)
    for twin in (copy.copy(e), copy.deepcopy(e), pickle.loads(pickle.dumps(e))):
        assert type(twin) is sm2.Easiness and twin.cents == 196


def test_card_state_holds_an_easiness_and_stores_hundredths(tmp_path):
    from pyflash.core.review.store import CardState, Store

    state = CardState("k", "D", easiness=sm2.Easiness(2.36), due_day=3)
    assert '"easiness": 236' in state.to_json()
    assert CardState.from_json(state.to_json()) == state
    with Store(tmp_path / "r.sqlite3") as store:
        store.record(None, state, grade=4, kind="review", ts="t", day=3, answer_ms=None)
        back = store.get("k")
        assert back == state and type(back.easiness) is sm2.Easiness
        raw = store._db.execute("SELECT easiness, typeof(easiness) FROM cards").fetchone()
        assert raw == (236, "integer")


# -- the Scheduler protocol -------------------------------------------------


def test_sm2_scheduler_implements_the_protocol_and_changes_nothing_in_place():
    from datetime import UTC, datetime

    from pyflash.core.review.store import CardState
    from pyflash.core.scheduling.schedule import SM2, SM2Scheduler
    from pyflash.core.scheduling.scheduler import Scheduler
    from pyflash.core.scheduling.states import ReviewKind

    scheduler: Scheduler = SM2
    assert isinstance(SM2, SM2Scheduler)
    new = CardState("k", "D", "text")
    now = datetime(2026, 3, 2, 10, tzinfo=UTC)
    first = scheduler.review(new, 5, day=100, now=now)
    assert new == CardState("k", "D", "text")  # unchanged
    assert first.kind is ReviewKind.REVIEW and not first.again_today
    assert (first.after.due_day, first.after.first_day, first.after.easiness) == (101, 100, 2.6)
    # The same day again: logged as a repeat, the schedule kept.
    again = scheduler.review(first.after, 1, day=100, now=now)
    assert again.kind is ReviewKind.REPEAT and again.again_today
    assert again.after.due_day == 101 and again.after.easiness == 2.6 and again.after.last_grade == 1
    assert scheduler.relearn_today(again.after, 100) and not scheduler.relearn_today(again.after, 101)
    # Previews agree with reviews, and change nothing.
    assert [scheduler.preview(new, g, 100).interval for g in range(6)] == [1, 1, 1, 1, 1, 1]
    assert scheduler.preview(first.after, 4, 100).interval == 1  # due tomorrow, already set today
    assert scheduler.preview(first.after, 4, 101).interval == 6
    assert scheduler.preview(first.after, 4, 101).label == "good"
    with pytest.raises(ValueError):
        scheduler.review(new, 6, day=100, now=now)


def test_state_behaves_as_the_frozen_dataclass_it_was():
    """sm2.State's methods are written out (start-up time): they must do what @dataclass(frozen=True, slots=True) did."""
    import copy
    import dataclasses
    import pickle

    @dataclasses.dataclass(frozen=True, slots=True)
    class State:  # the reference: the old definition, without its checks
        easiness: sm2.Easiness = sm2.INITIAL_EASINESS
        interval: int = 0
        repetitions: int = 0

    for args in [(), (2.36,), (1.3, 6, 2), (2.5, 0, 1)]:
        s, ref = sm2.State(*args), State(*(sm2.Easiness(a) if i == 0 else a for i, a in enumerate(args)))
        assert repr(s) == repr(ref).replace(State.__qualname__, "State")  # (the reference is a local class)
        assert hash(s) == hash(ref) and s == sm2.State(*args) and s != sm2.State(2.0, 9, 9)
        assert s.__eq__(ref) is NotImplemented  # another class is never equal, as with a dataclass
        assert pickle.loads(pickle.dumps(s)) == s and copy.copy(s) == s and copy.deepcopy(s) == s
        with pytest.raises(dataclasses.FrozenInstanceError):
            s.interval = 3  # type: ignore[misc]
        with pytest.raises(dataclasses.FrozenInstanceError):
            del s.repetitions  # type: ignore[misc]
        assert not hasattr(s, "__dict__")
    match sm2.State(2.5, 6, 2):
        case sm2.State(e, i, r):
            assert (float(e), i, r) == (2.5, 6, 2)
    with pytest.raises(ValueError, match="whole number of days"):
        sm2.State(interval=1.5)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="cannot be negative"):
        sm2.State(repetitions=-1)
