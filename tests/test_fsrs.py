"""FSRS (the `fsrs` package) behind pyflash's scheduler protocol, and switching without loss."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import fsrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import FakeClock, open_workspace, write_deck
from pyflash.core.clock import local_day
from pyflash.core.config import Config, DeckLimit, load_config
from pyflash.core.errors import PyflashError
from pyflash.core.scheduling.fsrs_scheduler import memory_of, rating


def deck(tmp_path, n=6, name="D"):
    body = "".join(f"  - id: c{i}\n    q: q{i}\n    a: a{i}\n" for i in range(n))
    return write_deck(tmp_path / "decks", f"{name}.yaml", f"deck: {name}\ncards:\n{body}")


def study_days(path, clock, config, plan):
    """Grade the cards in order, day after day: plan is a list of grade lists, one per day."""
    for grades in plan:
        with open_workspace([str(path)], clock=clock, zone=clock.zone, config=config) as ws:
            s = ws.session()
            for g in grades:
                if s.finished:
                    break
                s.reveal()
                s.grade(g)
                clock.advance(minutes=1)
        clock.advance(days=1)


def rows(path, clock, config):
    with open_workspace([str(path)], clock=clock, zone=clock.zone, config=config) as ws:
        return {k: (v.easiness, v.interval, v.repetitions, v.due_day, v.last_review) for k, v in ws.store.states().items()}


def test_grades_map_to_ratings():
    assert [rating(g) for g in range(6)] == [fsrs.Rating.Again] * 3 + [fsrs.Rating.Hard, fsrs.Rating.Good, fsrs.Rating.Easy]


@pytest.mark.parametrize("zone", [ZoneInfo("Pacific/Kiritimati"), ZoneInfo("Pacific/Honolulu")])
def test_intervals_shown_and_given_equal_the_fsrs_librarys(tmp_path, zone):
    clock = FakeClock(zone=zone)
    path = deck(tmp_path, 1)
    cfg = Config(scheduler="fsrs", desired_retention=0.85)
    engine = fsrs.Scheduler(desired_retention=0.85, enable_fuzzing=False)
    card = fsrs.Card(card_id=1)
    grades = [4, 4, 1, 3, 5, 4]
    for g in grades:
        with open_workspace([str(path)], clock=clock, zone=zone, config=cfg) as ws:
            s = ws.session(new=1, reviews=10)
            assert not s.finished, "the card is due when the library says so"
            s.reveal()
            today = ws.today
            shown = {p.grade: p.interval for p in s.previews()}
            expected = {}
            for gg in range(6):
                nxt, _ = engine.review_card(card, rating(gg), review_datetime=clock())
                expected[gg] = max(0, local_day(nxt.due, zone, 4) - today)
            assert shown == expected
            s.grade(g)
            card, _ = engine.review_card(card, rating(g), review_datetime=clock())
            state = ws.store.get("c0")
            assert state.due_day == local_day(card.due, zone, 4)
            assert memory_of(state).card.stability == pytest.approx(card.stability)
            assert memory_of(state).card.difficulty == pytest.approx(card.difficulty)
        clock.now = max(card.due, clock.now + timedelta(minutes=1))


def test_switching_sm2_fsrs_sm2_is_lossless(tmp_path, clock):
    path = deck(tmp_path, 6)
    sm2 = Config()
    plan = [[4, 5, 3, 1, 4, 4, 4, 4], [4, 4, 1, 4, 4], [5, 3, 4]]
    study_days(path, clock, sm2, plan)
    before = rows(path, clock, sm2)
    assert before and all(r[3] is not None for r in before.values())
    on_fsrs = rows(path, clock, Config(scheduler="fsrs"))
    assert on_fsrs != before  # due days follow FSRS now
    back = rows(path, clock, sm2)
    assert back == before


def test_grades_under_fsrs_keep_sm2_exact(tmp_path, clock):
    """After days on FSRS and back, each card's SM-2 figures are SM-2's own replay of the whole log."""
    from pyflash.core.scheduling import sm2

    path = deck(tmp_path, 6)
    plan = [[4, 5, 3, 1, 4, 4, 4, 4], [4, 4, 1, 4, 4, 4], [5, 3, 4, 4], [4, 1, 4, 4, 4], [4, 4, 4]]
    configs = [Config(), Config(scheduler="fsrs"), Config(scheduler="fsrs"), Config(scheduler="fsrs"), Config()]
    for grades, cfg in zip(plan, configs, strict=True):
        study_days(path, clock, cfg, [grades])
    with open_workspace([str(path)], clock=clock, zone=clock.zone, config=Config()) as ws:
        states = ws.store.states()
        log = [e for e in ws.store.log() if e.kind == "review"]
    assert any(memory_of(s) is not None for s in states.values())
    for key, state in states.items():
        ref = sm2.initial_state()
        last_day = None
        for e in (e for e in log if e.key == key):
            ref = sm2.review(ref, e.grade)
            last_day = e.day
        assert (state.easiness, state.interval, state.repetitions) == (ref.easiness, ref.interval, ref.repetitions), key
        assert state.due_day == last_day + ref.interval, key


def test_per_deck_scheduler_covers_subdecks(tmp_path, clock):
    write_deck(tmp_path / "decks", "a.yaml", "deck: A::Sub\ncards:\n  - id: a1\n    q: qa\n    a: aa\n")
    write_deck(tmp_path / "decks", "b.yaml", "deck: B\ncards:\n  - id: b1\n    q: qb\n    a: ab\n")
    cfg = Config(deck_limits=(DeckLimit("a", scheduler="fsrs"),))
    with open_workspace([str(tmp_path / "decks")], clock=clock, zone=clock.zone, config=cfg) as ws:
        s = ws.session()
        while not s.finished:
            s.reveal()
            s.grade(4)
        states = ws.store.states()
    assert memory_of(states["a1"]) is not None
    assert states["b1"].memory is None


def test_config_errors_are_located(tmp_path):
    cfg = tmp_path / "config.toml"
    cfg.write_text('scheduler = "fsrs"\ndesired_retention = 0.9\n[deck."Python"]\nscheduler = "sm2"\n', encoding="utf-8")
    loaded = load_config(cfg)
    assert loaded.scheduler == "fsrs" and loaded.deck_limits[0].scheduler == "sm2"
    cfg.write_text('scheduler = "fsr"\n', encoding="utf-8")
    with pytest.raises(PyflashError, match=r"config.toml:1:1: 'scheduler' must be one of 'sm2', 'fsrs'"):
        load_config(cfg)
    cfg.write_text('desired_retention = 1.5\n', encoding="utf-8")
    with pytest.raises(PyflashError, match=r"config.toml:1:1: 'desired_retention' must be a number"):
        load_config(cfg)


@settings(max_examples=25, deadline=None)
@given(st.lists(st.integers(0, 5), min_size=1, max_size=12), st.lists(st.integers(0, 30), min_size=12, max_size=12))
def test_replay_equals_the_live_state(grades, gaps):
    """Computing a card's FSRS state by replaying its log equals grading it live."""
    from datetime import UTC, datetime

    from pyflash.core.scheduling.fsrs_scheduler import replay

    engine = fsrs.Scheduler(enable_fuzzing=False)
    card = fsrs.Card(card_id=0)
    now = datetime(2026, 1, 1, 9, tzinfo=UTC)
    log = []
    for g, gap in zip(grades, gaps, strict=False):
        now += timedelta(hours=gap * 7)
        card, _ = engine.review_card(card, rating(g), review_datetime=now)
        log.append((now.isoformat(), g))
    again = replay(log, engine)
    assert again is not None
    assert (again.stability, again.difficulty, again.state, again.due) == (card.stability, card.difficulty, card.state, card.due)


def test_stats_show_retrievability_only_with_fsrs(tmp_path, clock, capsys):

    path = deck(tmp_path, 4)
    study_days(path, clock, Config(scheduler="fsrs"), [[4, 4, 3, 5]])
    with open_workspace([str(path)], clock=clock, zone=clock.zone, config=Config(scheduler="fsrs")) as ws:
        figures = ws.stats().to_json()
    assert figures["retrievability"]["cards"] == 4
    assert 0.5 < figures["retrievability"]["mean"] < 1
    with open_workspace([str(path)], clock=clock, zone=clock.zone, config=Config()) as ws:
        assert ws.stats().to_json()["retrievability"] is None
