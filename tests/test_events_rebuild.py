"""A store with every kind of event, exported as events and rebuilt: the same store, field by field.

Also ``pyflash doctor --rebuild``: no differences on a clean store; a damaged row is named and fixed.
"""

from __future__ import annotations

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
