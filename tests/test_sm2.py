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


@settings(max_examples=2000, deadline=None)
@given(grades_lists)
def test_matches_reference_model(grades):
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
