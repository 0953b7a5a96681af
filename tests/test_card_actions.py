"""Actions on chosen cards (the browser's): suspend, unsuspend, bury, unbury, forget,
each logged and undoable; a card's review history; a session of chosen cards."""

from __future__ import annotations

from datetime import date

import pytest

from conftest import open_workspace, write_deck
from pyflash.core import CardAction, HistoryEntry, QueueKind, ReviewKind
from pyflash.core.errors import StoreError
from pyflash.core.scheduling.easiness import INITIAL_EASINESS
from test_actions import DECK, dump


@pytest.fixture
def deck(tmp_path):
    return write_deck(tmp_path / "decks", "d.yaml", DECK)


def grade(s, g):
    s.reveal()
    return s.grade(g)


def studied(deck, clock, grades=(4, 5)):
    """c1 and c2 graded (c1 with ``grades[0]``, c2 with ``grades[1]``), a day ago."""
    with open_workspace([deck], clock=clock, zone=clock.zone) as ws:
        s = ws.session()
        for g in grades:
            clock.advance(seconds=7)
            grade(s, g)
    clock.advance(days=1)


def live_log(ws):
    undone = {e.undoes for e in ws.store.log() if e.undoes is not None}
    return [e for e in ws.store.log() if e.kind != "undo" and e.id not in undone]


@pytest.mark.parametrize(
    ("action", "flag"),
    [
        (CardAction.SUSPEND, lambda st, day: st.suspended),
        (CardAction.BURY, lambda st, day: st.is_buried(day)),
    ],
)
def test_suspend_and_bury_are_logged_and_undone_as_one_step(deck, clock, action, flag):
    studied(deck, clock)
    with open_workspace([deck], clock=clock, zone=clock.zone) as ws:
        before = dump(ws.store.path)["cards"]
        cards = ws.cards_by_key(["c1", "c3", "c1"])  # c3 is new (no row yet); c1 twice counts once
        result = ws.card_actions.apply(action, cards)
        assert result.changed == ("c1", "c3") and result.count == 2
        states = ws.store.states()
        assert flag(states["c1"], ws.today) and flag(states["c3"], ws.today)
        rows = ws.store.log()[-2:]
        assert [(r.key, r.kind, r.grade) for r in rows] == [("c1", action.value, None), ("c3", action.value, None)]
        # The session sees it: neither card is studied today.
        assert {"c1", "c3"}.isdisjoint(i.key for i in ws.session().queue)
        assert ws.card_actions.can_undo and ws.card_actions.last_action is action
        undone = ws.card_actions.undo()
        assert undone is not None and undone.action is action and undone.changed == ("c1", "c3")
        assert dump(ws.store.path)["cards"] == before
        assert [r.kind for r in ws.store.log()[-2:]] == ["undo", "undo"]
        assert not ws.card_actions.can_undo and ws.card_actions.undo() is None


def test_unsuspend_and_unbury_change_only_the_cards_that_were_so(deck, clock):
    studied(deck, clock)
    with open_workspace([deck], clock=clock, zone=clock.zone) as ws:
        acts = ws.card_actions
        acts.suspend(ws.cards_by_key(["c1"]))
        acts.bury(ws.cards_by_key(["c2"]))
        both = ws.cards_by_key(["c1", "c2"])
        result = acts.unsuspend(both)
        assert result.changed == ("c1",) and result.unchanged == ("c2",)
        assert not ws.store.get("c1").suspended
        result = acts.unbury(both)
        assert result.changed == ("c2",) and result.unchanged == ("c1",)
        assert not ws.store.get("c2").is_buried(ws.today)
        # Nothing to change: nothing logged, nothing to undo for it.
        n = len(ws.store.log())
        nothing = acts.unbury(both)
        assert nothing.changed == () and len(ws.store.log()) == n and acts.last_action is CardAction.UNBURY
        # Undo goes back step by step: unbury, unsuspend, bury, suspend.
        assert acts.undo().action is CardAction.UNBURY and ws.store.get("c2").is_buried(ws.today)
        assert acts.undo().action is CardAction.UNSUSPEND and ws.store.get("c1").suspended
        assert acts.undo().action is CardAction.BURY and not ws.store.get("c2").is_buried(ws.today)
        assert acts.undo().action is CardAction.SUSPEND and not ws.store.get("c1").suspended
        assert acts.undo() is None


def test_forget_puts_cards_back_to_new_keeps_the_log_and_is_undone(deck, clock):
    studied(deck, clock)
    with open_workspace([deck], clock=clock, zone=clock.zone) as ws:
        ws.card_actions.suspend(ws.cards_by_key(["c2"]))
        ws.store.update("c1", "D", "q1", memory='{"stability": 3.1, "difficulty": 5.0}')  # as FSRS leaves it
        graded = ws.store.get("c1")
        assert not graded.is_new and graded.interval == 1
        grades_before = [e for e in ws.store.log() if e.grade is not None]
        result = ws.card_actions.forget(ws.cards_by_key(["c1", "c2", "c3"]))
        assert result.changed == ("c1", "c2") and result.unchanged == ("c3",)  # c3 was new already
        for key in ("c1", "c2"):
            st = ws.store.get(key)
            assert st.is_new and st.interval == 0 and st.repetitions == 0 and st.easiness == INITIAL_EASINESS
            assert st.last_day is None and st.first_day is None and st.last_grade is None and st.memory is None
        assert ws.store.get("c2").suspended  # forget keeps the flags
        # The log keeps every grade, and the forget rows with the state before them.
        assert [e for e in ws.store.log() if e.grade is not None] == grades_before
        forget_rows = [e for e in ws.store.log() if e.kind == ReviewKind.FORGET]
        assert [e.key for e in forget_rows] == ["c1", "c2"] and forget_rows[0].before == graded
        # Search sees it as new; a session studies it as a new card.
        assert [h.key for h in ws.search("is:new id:c1")] == ["c1"]
        assert [(i.key, i.kind) for i in ws.session().queue if i.key == "c1"] == [("c1", QueueKind.NEW)]
        ws.card_actions.undo()
        assert ws.store.get("c1") == graded
        assert ws.search("is:new id:c1") == []


def test_undo_is_refused_for_a_card_changed_since_and_can_be_retried(deck, clock):
    with open_workspace([deck], clock=clock, zone=clock.zone) as ws:
        ws.card_actions.suspend(ws.cards_by_key(["c1", "c2"]))
        ws.store.update("c1", "D", "q1", suspended=False)  # changed behind the action's back (unlogged)
        with pytest.raises(StoreError, match="c1 changed after that suspend"):
            ws.card_actions.undo()
        assert ws.store.get("c2") is None  # c2 (last in the action, undone first) had no row before
        assert ws.card_actions.can_undo  # c1 is still to undo
        ws.store.update("c1", "D", "q1", suspended=True)
        assert ws.card_actions.undo().changed == ("c1", "c2")
        assert ws.store.get("c1") is None  # it had no row before the suspend


def test_card_actions_need_a_writable_workspace(deck, clock):
    studied(deck, clock)
    with open_workspace([deck], clock=clock, zone=clock.zone, read_only=True) as ws:
        with pytest.raises(Exception, match="read-only"):
            ws.card_actions.suspend(ws.cards)


def test_history_lists_grades_and_actions_with_their_figures(deck, clock):
    studied(deck, clock, grades=(4, 1))
    with open_workspace([deck], clock=clock, zone=clock.zone) as ws:
        s = ws.session(keys=["c2"])
        clock.advance(seconds=3)
        grade(s, 2)
        s.undo()  # left out of the history
        clock.advance(seconds=9)
        grade(s, 5)
        ws.card_actions.bury(ws.cards_by_key(["c2"]))
        day0 = date(2026, 3, 2)
        history = ws.history("c2")
        assert all(isinstance(e, HistoryEntry) for e in history)
        assert [(e.kind, e.grade, e.date) for e in history] == [
            ("review", 1, day0),
            ("review", 5, date(2026, 3, 3)),
            ("bury", None, date(2026, 3, 3)),
        ]
        first, second, bury = history
        assert (first.interval, first.ease, first.due, first.answer_ms) == (1, 1.96, date(2026, 3, 3), 0)
        assert second.interval == 1 and second.ease == 2.06 and second.answer_ms == 0
        assert bury.interval == 1 and bury.answer_ms is None
        assert first.at.tzinfo is not None and first.at.utcoffset() == clock.zone.utcoffset(first.at)
        with_undone = ws.history("c2", undone=True)
        assert [(e.grade, e.undone) for e in with_undone if e.grade is not None] == [(1, False), (2, True), (5, False)]
        assert ws.history("c6") == []  # never studied
        ws.card_actions.forget(ws.cards_by_key(["c2"]))
        last = ws.history("c2")[-1]
        assert (last.kind, last.interval, last.ease, last.due) == ("forget", None, None, None)


def test_history_keeps_the_answer_time(deck, clock):
    with open_workspace([deck], clock=clock, zone=clock.zone) as ws:
        s = ws.session()
        s.reveal()
        clock.advance(seconds=12)
        s.grade(4)
        (entry,) = ws.history("c1")
        assert entry.answer_ms == 12000 and entry.answer_seconds == 12.0


def test_history_follows_an_edited_card(tmp_path, clock):
    decks = tmp_path / "decks"
    path = write_deck(decks, "d.yaml", "deck: D\ncards:\n  - q: What does list.append return?\n    a: None\n")
    with open_workspace([decks], clock=clock, zone=clock.zone) as ws:
        s = ws.session()
        grade(s, 4)
        old_key = s.summary() and ws.cards[0].key
    path.write_text("deck: D\ncards:\n  - q: What does list.append() return?\n    a: None\n", encoding="utf-8")
    clock.advance(days=1)
    with open_workspace([decks], clock=clock, zone=clock.zone) as ws:
        new_key = ws.cards[0].key
        assert new_key != old_key and ws.report.relinked
        assert [(e.kind, e.grade) for e in ws.history(new_key)] == [("review", 4)]


def test_history_of_a_read_only_workspace_without_a_database_is_empty(deck, clock):
    with open_workspace([deck], clock=clock, zone=clock.zone, read_only=True) as ws:
        assert ws.history("c1") == []


def test_a_session_of_chosen_cards_studies_them_now_in_order(deck, clock):
    studied(deck, clock, grades=(5, 5))  # c1 and c2 not due for days
    with open_workspace([deck], clock=clock, zone=clock.zone) as ws:
        ws.card_actions.suspend(ws.cards_by_key(["c4"]))
        s = ws.session(keys=["c2", "c5", "c4", "c1", "nope"])
        assert [(i.key, i.kind) for i in s.queue] == [("c2", QueueKind.REVIEW), ("c5", QueueKind.NEW), ("c1", QueueKind.REVIEW)]
        assert s.held_back() == []
        due_before = ws.store.get("c2").due_day
        out = grade(s, 4)
        assert out.card.key == "c2" and ws.store.get("c2").due_day > due_before  # graded for real
        grade(s, 1)  # c5 comes back
        assert [i.key for i in s.queue] == ["c1", "c5"]
        # Beyond the daily limits: a new-card limit of 0 does not keep c5 out.
        s2 = ws.session(new=0, keys=["c6"])
        assert [i.key for i in s2.queue] == ["c6"]


def test_a_cram_session_of_chosen_cards_writes_nothing(deck, clock):
    with open_workspace([deck], clock=clock, zone=clock.zone) as ws:
        before = dump(ws.store.path)
        s = ws.session(keys=["c3"], cram=True)
        grade(s, 4)
        assert s.finished and dump(ws.store.path) == before
