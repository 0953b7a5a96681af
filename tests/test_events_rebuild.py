"""A store with every kind of event, exported as events and rebuilt: the same store, field by field.

Also ``pyflash doctor --rebuild``: no differences on a clean store; a damaged row is named and fixed.
"""

from __future__ import annotations

import os
from dataclasses import replace

import pytest

from conftest import open_workspace, write_deck
from pyflash.core.config import Config, DeckLimit
from pyflash.core.events import decode, encode
from pyflash.core.review.imported import ImportedHistory, ImportedReview
from pyflash.core.review.records import CardState
from pyflash.core.review.store import Store
from pyflash.core.scheduling.states import ReviewKind
from test_events import log_set

SM2_DECK = (
    "deck: D\ncards:\n"
    + "".join(f"  - id: c{i}\n    q: q{i}\n    a: a{i}\n" for i in range(1, 6))
    + "  - q: What does list.append return?\n    a: None\n"
    + "  - id: n\n    cloze: 'x = {{c1::alpha}} + {{c2::beta}} + {{c3::gamma}}'\n"
)
FSRS_DECK = "deck: F\ncards:\n" + "".join(f"  - id: f{i}\n    q: fq{i}\n    a: fa{i}\n" for i in range(1, 4))
CONFIG = Config(deck_limits=(DeckLimit("F", scheduler="fsrs"),))


def _study(ws, clock, grades, typed=None):
    """Grade with ``grades``, then 5 until the session is finished."""
    s = ws.session()
    grades = list(grades)
    for _ in range(200):
        if s.finished:
            break
        s.reveal()
        clock.advance(seconds=9)
        s.grade(grades.pop(0) if grades else 5, typed=typed if s.current.key == "c2" else None)
    assert s.finished
    return s


def _history(key: str) -> ImportedHistory:
    """An Anki card's history: two grades and a suspend at the end."""
    s0 = CardState(key, "D", "anki text")
    s1 = replace(s0, interval=1, repetitions=1, due_day=20000, last_review="2024-01-01T08:00:00.000+00:00",
                 last_day=19999, last_grade=4, first_day=19999)
    s2 = replace(s1, interval=4, repetitions=2, due_day=20005, last_review="2024-01-02T08:00:00.000+00:00",
                 last_day=20001, last_grade=5)
    now = replace(s2, interval=9, due_day=20012)  # Anki's schedule now (rescheduled there)
    flagged = replace(now, suspended=True)
    reviews = (
        ImportedReview("2024-01-01T08:00:00.000+00:00", 19999, 4, ReviewKind.REVIEW, None, s1, 5000),
        ImportedReview("2024-01-02T08:00:00.000+00:00", 20001, 5, ReviewKind.REVIEW, s1, now, None),
        ImportedReview("2024-01-02T08:00:00.001+00:00", 20001, None, ReviewKind.SUSPEND, now, flagged),
    )
    return ImportedHistory(key, "D", "anki text", reviews, flagged)


@pytest.fixture(scope="module")
def full_store(tmp_path_factory):
    """A store with every kind of event (grades new/review/relearn, typed, bury, unbury, suspend, unsuspend,
    forget, an undo of each, a relink of an edited card, a cloze renumbering, imported Anki history, an FSRS deck)."""
    from conftest import FakeClock

    home = tmp_path_factory.mktemp("home")
    mp = pytest.MonkeyPatch()
    mp.setenv("PYFLASH_HOME", str(home))
    clock = FakeClock()
    decks = home / "decks"
    d_path = write_deck(decks, "d.yaml", SM2_DECK)
    write_deck(decks, "f.yaml", FSRS_DECK)
    try:
        with open_workspace([decks], clock=clock, zone=clock.zone, config=CONFIG) as ws:
            _study(ws, clock, [4, 1, 5, 3, 2, 5, 4, 4, 5, 4], typed="a2 typed")
        clock.advance(days=6)
        with open_workspace([decks], clock=clock, zone=clock.zone, config=CONFIG) as ws:
            s = ws.session()
            s.bury()  # and undo it
            s.undo()
            s.suspend()
            s.unsuspend()  # the session's unsuspend, then its undo
            s.undo()
            s.undo()  # the suspend too
            s.bury()
            s.unbury()
            s.reveal()
            s.grade(1)  # a lapse
            s.reveal()
            s.grade(0)
            s.undo()  # an undone grade
            s.reveal()
            s.grade(5)
            _study(ws, clock, [5, 4, 3, 5, 5, 5, 5, 5])
            cards = ws.cards_by_key(["c1", "c3", "c4", "f1"])
            actions = ws.card_actions
            actions.forget(cards[:1])
            actions.undo()  # an undone forget
            actions.forget(cards[1:2])
            actions.suspend(cards[2:])
            actions.unsuspend(cards[2:3])
            actions.undo()
            actions.bury(cards[:2])
            ws.unbury("D")
            clock.advance(hours=1)
        # an edit (relink) and a cloze renumbering (c2 deleted, c3 becomes c2: one rekey of two moves)
        text = d_path.read_text(encoding="utf-8")
        text = text.replace("What does list.append return?", "What does list.append() return?")
        text = text.replace("{{c2::beta}} + {{c3::gamma}}", "beta + {{c2::gamma}}")
        d_path.write_text(text, encoding="utf-8")
        clock.advance(minutes=5)
        with open_workspace([decks], clock=clock, zone=clock.zone, config=CONFIG) as ws:
            assert len(ws.report.relinked) >= 2
            ws.store.add_history([_history("anki-1")])
            clock.advance(days=2)
            _study(ws, clock, [4, 5, 2, 5, 5, 5, 5, 5, 5])
            states = ws.store.states()
            kinds = {e.kind for e in ws.store.outbox()}
            events = ws.store.outbox()
            rules = ws.store.rules
            log = log_set(ws.store)
            path = ws.store.path
        yield path, states, events, kinds, rules, log
    finally:
        mp.undo()


def test_the_store_has_every_kind_of_event(full_store):
    _path, states, events, kinds, _rules, _log = full_store
    assert kinds == {"review", "repeat", "bury", "unbury", "suspend", "unsuspend", "forget", "undo", "relink"}
    undone = {events_by.data["undoes"] for events_by in events if events_by.kind == "undo"}
    undone_kinds = {e.kind for e in events if e.id in undone}
    assert {"review", "bury", "suspend", "unsuspend", "forget"} <= undone_kinds
    assert any(e.kind == "relink" and e.data.get("rekey") for e in events)
    assert any(e.kind == "relink" and not e.data.get("rekey") for e in events)
    assert any(e.data.get("typed") for e in events)
    assert any(s.memory for s in states.values())  # the FSRS deck
    assert "anki-1" in states and states["anki-1"].suspended


def test_events_rebuild_the_same_store_card_by_card(full_store, tmp_path):
    _path, states, events, _kinds, rules, log = full_store
    lines = [encode(e) for e in events]
    decoded = [decode(line, f"x:{n}") for n, line in enumerate(lines, 1)]
    assert decoded == events
    with Store(tmp_path / "fresh.sqlite3") as fresh:
        result = fresh.ingest(decoded, rules)
        assert result.added == len(events)
        rebuilt = fresh.states()
        assert sorted(rebuilt) == sorted(states)
        for key, state in states.items():
            assert rebuilt[key] == state, key
        assert log_set(fresh) == log


def test_the_full_store_rebuilds_without_a_difference(full_store, tmp_path):
    path, states, _events, _kinds, rules, _log = full_store
    copy = tmp_path / "copy.sqlite3"
    with Store(path) as store:
        store.connection.execute(f"VACUUM INTO '{copy}'")
    with Store(copy) as store:
        report = store.rebuild(rules, fix=False)
        assert report.differences == [] and report.cards == len(states) and not report.fixed
        # a row changed by hand is found, field by field, and fixed
        store.connection.execute("UPDATE cards SET interval = 99, leech = 1 WHERE key = 'c1'")
        report = store.rebuild(rules)
        assert [d.key for d in report.differences] == ["c1"]
        assert {name for name, _, _ in report.differences[0].fields} == {"interval", "leech"}
        assert report.fixed and store.states() == states


# -- pyflash doctor --rebuild --------------------------------------------------------------


def _studied(clock):
    from conftest import run_main  # noqa: F401  (the CLI runs in-process below)

    decks = write_deck(clock_dir(), "d.yaml", SM2_DECK)
    with open_workspace([decks], clock=clock, zone=clock.zone) as ws:
        _study(ws, clock, [4, 1, 5, 3])
        return ws.store.path


def clock_dir():
    from pyflash import paths

    return paths.locations().store.parent.parent / "decks"


def test_doctor_rebuild_reports_fixes_and_exits_1(clock, capsys):
    import sqlite3

    from conftest import run_main

    db = _studied(clock)
    code, out, err = run_main(["doctor", "--rebuild"], capsys)
    assert (code, err) == (0, "")
    assert out.strip().endswith("event(s): no differences") and out.startswith(f"{db}: ")
    con = sqlite3.connect(db)
    con.execute("UPDATE cards SET interval = 99 WHERE key = 'c1'")
    con.execute("DELETE FROM cards WHERE key = 'c2'")
    con.execute("INSERT INTO cards (key, deck) VALUES ('zz', 'D')")  # a row no event is about
    con.commit()
    con.close()
    code, out, _ = run_main(["doctor", "--rebuild"], capsys)
    assert code == 1
    lines = out.splitlines()
    assert "1 card row(s) have no event" in lines[0]
    assert lines[1].startswith("card c1: interval: 99 in the store, ") and lines[1].endswith("from the log")
    assert lines[2] == "card c2: no row in the store; its events give one"
    assert "2 card(s) differed from the log; fixed" in lines[3]
    kept = lines[4].removeprefix("the file as it was is kept as ")
    assert ".before-rebuild-" in kept and os.path.exists(kept)
    code, out, _ = run_main(["doctor", "--rebuild"], capsys)
    assert code == 0 and out.strip().endswith("no differences")
    with Store(db) as store:
        assert store.get("zz") is not None  # kept as it was


def test_doctor_rebuild_without_a_store_and_with_another_flag(capsys):
    from conftest import run_main

    code, out, _ = run_main(["doctor", "--rebuild"], capsys)
    assert code == 0 and "nothing to rebuild" in out
    code, _, err = run_main(["doctor", "--rebuild", "--repair"], capsys)
    assert code == 2 and "only one of" in err


def test_a_switch_of_scheduler_between_events_rebuilds_the_same(clock, tmp_path):
    decks = write_deck(tmp_path / "decks", "d.yaml", SM2_DECK)
    with open_workspace([decks], clock=clock, zone=clock.zone) as ws:
        _study(ws, clock, [4, 1, 5, 3])
    clock.advance(days=3)
    fsrs = Config(scheduler="fsrs")
    with open_workspace([decks], clock=clock, zone=clock.zone, config=fsrs) as ws:  # re-derives the schedules
        ws.session()
        s = ws.session()
        for g in (5, 2):
            s.reveal()
            clock.advance(seconds=9)
            s.grade(g)
        states, events, rules = ws.store.states(), ws.store.outbox(), ws.store.rules
        assert ws.store.rebuild(rules, fix=False).differences == []
    with Store(tmp_path / "fresh.sqlite3") as fresh:
        fresh.ingest(events, rules)
        fresh.rebuild(rules)  # what opening a workspace does: the FSRS schedules of the cards not graded since
        assert fresh.states() == states
