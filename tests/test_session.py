"""StudySession: the queue, limits, same-day rule, undo, bury, suspend."""

from __future__ import annotations

import pytest

from conftest import open_workspace, write_deck
from pyflash.core.clock import local_day
from pyflash.core.config import Config
from pyflash.core.review.session import SessionError
from pyflash.core.scheduling.sm2 import Easiness


def deck_of(tmp_path, n, name="D"):
    return write_deck(tmp_path / "decks", f"{name}.yaml", f"deck: {name}\ncards:\n" + "".join(f"  - q: q{i}\n    a: a{i}\n" for i in range(n)))


def study(s, grades):
    out = []
    for g in grades:
        s.reveal()
        out.append(s.grade(g))
    return out


def test_new_cards_are_limited_per_day_and_across_restarts(tmp_path, clock):
    path = deck_of(tmp_path, 30)
    with open_workspace([path], clock=clock, zone=clock.zone, config=Config(new_per_day=5)) as ws:
        s = ws.session()
        assert s.counts().new == 5
        study(s, [5, 5])
    with open_workspace([path], clock=clock, zone=clock.zone, config=Config(new_per_day=5)) as ws:
        s = ws.session()
        assert s.counts().new == 3  # not a second day's worth
        assert ws.session(new=10).counts().new == 8  # per-call override
    clock.advance(days=1)
    with open_workspace([path], clock=clock, zone=clock.zone, config=Config(new_per_day=5)) as ws:
        s = ws.session()
        assert s.counts() .review == 2 and s.counts().new == 5


def test_due_reviews_are_limited_and_new_cards_spread_among_them(tmp_path, clock):
    path = deck_of(tmp_path, 6)
    with open_workspace([path], clock=clock, zone=clock.zone) as ws:
        study(ws.session(new=3), [5, 5, 5])
    clock.advance(days=1)
    with open_workspace([path], clock=clock, zone=clock.zone, config=Config(reviews_per_day=2)) as ws:
        s = ws.session()
        # Issue 11: new cards are spread among the reviews (before, they all came after them).
        assert [i.kind for i in s.queue] == ["review", "new", "review", "new", "new"]


def test_grade_needs_reveal(tmp_path, clock):
    with open_workspace([deck_of(tmp_path, 2)], clock=clock, zone=clock.zone) as ws:
        s = ws.session()
        with pytest.raises(SessionError):
            s.grade(4)


def test_failed_card_comes_back_later_not_next(tmp_path, clock):
    with open_workspace([deck_of(tmp_path, 6)], clock=clock, zone=clock.zone) as ws:
        s = ws.session()
        first = s.current
        study(s, [2])
        assert s.current != first
        order = [i.card for i in s.queue]
        assert order.index(first) == 3
        assert s.counts().relearn == 1


def test_only_first_grade_of_the_day_changes_sm2(tmp_path, clock):
    with open_workspace([deck_of(tmp_path, 1)], clock=clock, zone=clock.zone) as ws:
        s = ws.session()
        (first,) = study(s, [1])
        state = ws.store.get(first.card.key)
        assert state.interval == 1 and state.easiness == Easiness(1.96) and state.easiness.cents == 196
        assert s.current == first.card  # only card left, so it comes back
        p = {x.grade: x for x in s.previews()}
        assert p[2].again_today and p[4].interval == 1
        study(s, [3, 5])
        after = ws.store.get(first.card.key)
        assert (after.easiness, after.interval, after.repetitions) == (Easiness(1.96), 1, 0)
        assert [e.kind for e in ws.store.log()] == ["review", "repeat", "repeat"]
        assert s.finished
        summary = s.summary()
        assert summary.reviewed == 3 and summary.cards == 1 and summary.relearned == 1
        assert summary.grades == {1: 1, 3: 1, 5: 1}
        assert summary.next_due_day == s.today + 1


def test_relearn_cards_survive_a_restart(tmp_path, clock):
    path = deck_of(tmp_path, 2)
    with open_workspace([path], clock=clock, zone=clock.zone) as ws:
        study(ws.session(), [2])
    with open_workspace([path], clock=clock, zone=clock.zone) as ws:
        s = ws.session()
        assert [i.kind for i in s.queue] == ["relearn", "new"]


def test_undo_restores_state_and_shows_card_again(tmp_path, clock):
    with open_workspace([deck_of(tmp_path, 3)], clock=clock, zone=clock.zone) as ws:
        s = ws.session()
        card = s.current
        study(s, [2])
        assert s.counts().relearn == 1
        assert s.undo() == card
        assert s.current == card and not s.revealed
        assert s.counts().relearn == 0 and s.counts().new == 3
        assert ws.store.get(card.key) is None
        assert s.summary().reviewed == 0


def test_bury_and_suspend(tmp_path, clock):
    path = deck_of(tmp_path, 3)
    with open_workspace([path], clock=clock, zone=clock.zone) as ws:
        s = ws.session()
        buried = s.bury()
        suspended = s.suspend()
        assert [i.card for i in s.queue] not in ([buried], [suspended])
        assert len(s.queue) == 1
    with open_workspace([path], clock=clock, zone=clock.zone) as ws:
        assert len(ws.session().queue) == 1
    clock.advance(days=1)
    with open_workspace([path], clock=clock, zone=clock.zone) as ws:
        keys = [i.card.key for i in ws.session().queue]
        assert buried.key in keys and suspended.key not in keys
        assert ws.unsuspend("D") == 1  # logged, like every state change
        assert suspended.key in [i.card.key for i in ws.session().queue]


def test_cram_changes_nothing(tmp_path, clock):
    with open_workspace([deck_of(tmp_path, 3)], clock=clock, zone=clock.zone) as ws:
        s = ws.session(cram=True)
        study(s, [5, 1, 4])
        assert ws.store.log() == []


def test_day_rolls_over_at_4am_local():
    from datetime import datetime
    from zoneinfo import ZoneInfo

    berlin = ZoneInfo("Europe/Berlin")
    late = datetime(2026, 3, 3, 3, 59, tzinfo=berlin)
    early = datetime(2026, 3, 3, 4, 0, tzinfo=berlin)
    assert local_day(late, berlin) == local_day(early, berlin) - 1
    assert local_day(late, berlin, day_starts_at=0) == local_day(early, berlin)


def test_a_naive_clock_is_refused():
    from datetime import UTC, datetime

    with pytest.raises(ValueError, match="aware"):
        local_day(datetime(2026, 3, 3, 12), UTC)


def test_answer_time_is_logged(tmp_path, clock):
    with open_workspace([deck_of(tmp_path, 1)], clock=clock, zone=clock.zone) as ws:
        s = ws.session()
        s.reveal()
        clock.advance(seconds=2.5)
        s.grade(4)
        assert ws.store.log()[0].answer_ms == 2500


def test_deck_counts_include_parents(tmp_path, clock):
    write_deck(tmp_path / "decks", "a.yaml", "deck: P::A\ncards:\n  - q: 一\n    a: x\n  - q: 二\n    a: y\n")
    write_deck(tmp_path / "decks", "b.yaml", "deck: P::B\ncards:\n  - q: 三\n    a: z\n")
    with open_workspace([tmp_path / "decks"], clock=clock, zone=clock.zone) as ws:
        study(ws.session(deck="P::A"), [5])
        clock.advance(days=1)
        counts = {d.name: (d.new, d.due, d.total) for d in ws.deck_counts()}
        assert counts == {"P": (2, 1, 3), "P::A": (1, 1, 2), "P::B": (1, 0, 1)}


def test_deck_counts_are_in_tree_order(tmp_path, clock):
    for name in ["P::b", "P::A", "P B", "p::c"]:
        write_deck(tmp_path / "decks", name.replace(":", "_").replace(" ", "-") + ".yaml", f"deck: {name}\ncards:\n  - q: {name}?\n    a: x\n")
    with open_workspace([tmp_path / "decks"], clock=clock, zone=clock.zone) as ws:
        assert [d.name for d in ws.deck_counts()] == ["P", "P::A", "P::b", "p", "p::c", "P B"]


def test_unsuspend_a_deck_and_study_beyond_the_limit(tmp_path, clock):
    path = deck_of(tmp_path, 4)
    with open_workspace([path], clock=clock, zone=clock.zone, config=Config(new_per_day=1)) as ws:
        s = ws.session()
        s.suspend()
        assert ws.session().counts().new == 1
        study(ws.session(), [5])
        assert ws.session().counts().new == 0
        assert ws.session(extra_new=2).counts().new == 2  # two more than done today
        assert ws.unsuspend("D") == 1 and ws.unsuspend("D") == 0
        assert ws.session(extra_new=5).counts().new == 3
