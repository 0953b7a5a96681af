"""Grades, bury, suspend, unbury, unsuspend and undo of any of them; cram writes nothing."""

from __future__ import annotations

import sqlite3
from dataclasses import replace

import pytest

from conftest import open_workspace, write_deck
from pyflash.core.errors import StoreError
from pyflash.core.review.actions import Action

DECK = "deck: D\ncards:\n" + "".join(f"  - id: c{i}\n    q: q{i}\n    a: a{i}\n" for i in range(1, 7))


@pytest.fixture
def deck(tmp_path):
    return write_deck(tmp_path / "decks", "d.yaml", DECK)


def dump(path) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table of the SQLite file (read through a separate connection)."""
    db = sqlite3.connect(path)
    try:
        tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
        return {t: sorted(db.execute(f"SELECT * FROM {t}").fetchall(), key=repr) for t in tables}
    finally:
        db.close()


def keys(s) -> list[str]:
    return [i.card.key for i in s.queue]


def grade(s, g):
    s.reveal()
    return s.grade(g)


def with_history(deck, clock):
    """A store with reviews, an undo, a bury and a suspend, a day ago."""
    with open_workspace([deck], clock=clock, zone=clock.zone) as ws:
        s = ws.session()
        grade(s, 4)
        grade(s, 1)
        s.undo()
        grade(s, 5)
        s.bury()
        s.suspend()
    clock.advance(days=1)


def test_cram_writes_nothing_to_any_table(deck, clock):
    with_history(deck, clock)
    with open_workspace([deck], clock=clock, zone=clock.zone) as ws:
        path = ws.store.path
        before = dump(path)
        assert before["reviews"] and before["cards"]
        s = ws.session(cram=True)
        assert len(s.queue) == 5  # the suspended card stays out
        grade(s, 4)
        grade(s, 0)  # comes back in this session
        s.bury()
        s.suspend()
        assert s.set_aside(Action.BURY) and s.set_aside(Action.SUSPEND)
        grade(s, 5)
        s.undo()
        s.unbury()
        s.unsuspend()
        while not s.finished:
            grade(s, 3 if s.current_kind != "relearn" else 4)
        assert s.summary().reviewed >= 4
        assert dump(path) == before
    assert dump(path) == before  # closing writes nothing either


def test_cram_undo_of_bury_and_suspend_restores_the_queue(deck, clock):
    with open_workspace([deck], clock=clock, zone=clock.zone) as ws:
        s = ws.session(cram=True)
        start = keys(s)
        s.bury()
        s.suspend()
        assert keys(s) == start[2:]
        assert s.undo().key == start[1]
        assert s.undo().key == start[0]
        assert keys(s) == start
        assert ws.store.log() == [] and ws.store.states() == {}


def test_bury_is_logged_and_undo_brings_the_card_back(deck, clock):
    with open_workspace([deck], clock=clock, zone=clock.zone) as ws:
        s = ws.session()
        start = keys(s)
        card = s.bury()
        assert card.key == "c1" and keys(s) == start[1:]
        assert ws.store.get("c1").buried_until == ws.today + 1
        assert [(e.key, e.kind, e.grade) for e in ws.store.log()] == [("c1", "bury", None)]
        assert s.can_undo and s.last_action is Action.BURY
        assert s.undo().key == "c1"
        assert keys(s) == start
        assert ws.store.get("c1") is None  # as before: a new card with no row
        log = ws.store.log()
        assert [e.kind for e in log] == ["bury", "undo"] and log[1].undoes == log[0].id
    # Durable: a new session sees the card, and the log kept both rows.
    with open_workspace([deck], clock=clock, zone=clock.zone) as ws:
        assert keys(ws.session())[0] == "c1"
        assert [e.kind for e in ws.store.log()] == ["bury", "undo"]


def test_buried_card_stays_out_of_a_new_session_until_undone_or_tomorrow(deck, clock):
    with open_workspace([deck], clock=clock, zone=clock.zone) as ws:
        ws.session().bury()
    with open_workspace([deck], clock=clock, zone=clock.zone) as ws:
        assert "c1" not in keys(ws.session())
        assert ws.store.undo(ts="t", day=ws.today).kind == "bury"  # the store's undo knows it too
        assert "c1" in keys(ws.session())


def test_undo_of_suspend_restores_a_reviewed_card_exactly(deck, clock):
    with open_workspace([deck], clock=clock, zone=clock.zone) as ws:
        grade(ws.session(), 5)
    clock.advance(days=1)
    with open_workspace([deck], clock=clock, zone=clock.zone) as ws:
        reviewed = ws.store.get("c1")
        s = ws.session()
        assert keys(s)[0] == "c1"
        s.suspend()
        assert ws.store.get("c1") == replace(reviewed, suspended=True)
        s.undo()
        assert ws.store.get("c1") == reviewed
        assert keys(s)[0] == "c1"
        assert [e.kind for e in ws.store.log()][-2:] == ["suspend", "undo"]
    with open_workspace([deck], clock=clock, zone=clock.zone) as ws:
        assert not ws.store.get("c1").suspended


def test_undo_across_a_mix_of_actions_goes_back_step_by_step(deck, clock):
    with open_workspace([deck], clock=clock, zone=clock.zone) as ws:
        path = ws.store.path
        empty = dump(path)["cards"]
        s = ws.session()
        start = keys(s)
        steps = []
        grade(s, 4)
        steps.append((Action.GRADE, keys(s), dump(path)["cards"]))
        s.bury()
        steps.append((Action.BURY, keys(s), dump(path)["cards"]))
        grade(s, 1)  # c3 comes back later today
        steps.append((Action.GRADE, keys(s), dump(path)["cards"]))
        s.suspend()
        steps.append((Action.SUSPEND, keys(s), dump(path)["cards"]))
        s.unbury()  # c2 is back, next
        assert keys(s)[0] == "c2" and ws.store.get("c2").buried_until is None
        assert s.last_action is Action.UNBURY
        s.undo()
        assert (keys(s), dump(path)["cards"]) == steps[-1][1:]
        for i in range(len(steps) - 1, 0, -1):
            assert s.last_action is steps[i][0]
            s.undo()
            assert (keys(s), dump(path)["cards"]) == steps[i - 1][1:], f"undo of step {i}"
        s.undo()
        assert keys(s) == start and dump(path)["cards"] == empty
        assert not s.can_undo and s.undo() is None
        kinds = [e.kind for e in ws.store.log()]
        assert kinds == ["review", "bury", "review", "suspend", "unbury"] + ["undo"] * 5
        assert s.summary().reviewed == 0


def test_session_unbury_and_unsuspend_bring_cards_back_next(deck, clock):
    with open_workspace([deck], clock=clock, zone=clock.zone) as ws:
        s = ws.session()
        s.bury()
        s.bury()
        s.suspend()
        assert [c.key for c in s.set_aside(Action.BURY)] == ["c1", "c2"]
        assert [c.key for c in s.set_aside(Action.SUSPEND)] == ["c3"]
        s.reveal()  # the card being answered stays current
        assert [c.key for c in s.unbury()] == ["c1", "c2"]
        assert keys(s)[:3] == ["c4", "c1", "c2"] and s.revealed
        assert s.set_aside(Action.BURY) == [] and s.unbury() == []
        assert [c.key for c in s.unsuspend()] == ["c3"]
        assert not ws.store.get("c3").suspended
        assert [e.kind for e in ws.store.log()] == ["bury", "bury", "suspend", "unbury", "unbury", "unsuspend"]
        s.undo()  # the unsuspend: suspended again, out of the queue
        assert ws.store.get("c3").suspended and "c3" not in keys(s)


def test_deck_unbury_and_unsuspend_are_logged(deck, clock):
    with open_workspace([deck], clock=clock, zone=clock.zone) as ws:
        s = ws.session()
        s.bury()
        s.suspend()
        assert ws.unbury("D") == 1 and ws.unbury("D") == 0
        assert ws.unsuspend("D") == 1 and ws.unsuspend("D") == 0
        assert [e.kind for e in ws.store.log()] == ["bury", "suspend", "unbury", "unsuspend"]
        assert keys(ws.session())[:2] == ["c1", "c2"]
        # Undo in the old session now finds the card changed, and says so.
        with pytest.raises(StoreError, match="changed after that suspend"):
            s.undo()
