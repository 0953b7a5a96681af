"""Leeches (docs/scheduling.md): marking on the lapse that reaches the threshold, both actions, the
per-deck setting, undo, the migration of an older store (backfill from its log), is:leech and stats."""

from __future__ import annotations

import sqlite3

import pytest

from conftest import open_workspace, run_main, write_deck
from pyflash import paths
from pyflash.core.config import Config, DeckLimit, load_config
from pyflash.core.errors import PyflashError
from pyflash.core.review.schema import MIGRATIONS, SCHEMA_VERSION
from pyflash.core.review.store import CardState, Store

DECKS = {
    "a.yaml": "deck: Lang::Rust\ncards:\n  - {id: own, q: Who owns it?, a: The owner}\n",
    "b.yaml": "deck: Other\ncards:\n  - {id: oth, q: Other?, a: yes}\n",
}


@pytest.fixture
def folder(tmp_path):
    for name, text in DECKS.items():
        write_deck(tmp_path / "decks", name, text)
    return tmp_path / "decks"


def study(ws, clock, deck: str, grade: int):
    """One study day: grade the deck's first card, then move the clock to the next day."""
    session = ws.session(deck)
    assert session.current is not None, f"nothing due in {deck}"
    session.reveal()
    outcome = session.grade(grade)
    clock.advance(days=1)
    return session, outcome


def lapse_until(ws, clock, deck: str, lapses: int):
    """Pass then fail, ``lapses`` times; the session and outcome of the last fail."""
    for _ in range(lapses):
        study(ws, clock, deck, 5)
        session, outcome = study(ws, clock, deck, 1)
    return session, outcome


def test_the_lapse_that_reaches_the_threshold_marks_the_card(ws_factory, folder, clock):
    ws = ws_factory(folder, config=Config(leech_threshold=3))
    _, outcome = lapse_until(ws, clock, "Lang::Rust", 2)
    assert outcome.leech is None and not ws.store.get("own").leech
    assert ws.store.lapses("own") == 2
    study(ws, clock, "Lang::Rust", 5)
    study(ws, clock, "Lang::Rust", 2)  # the third fail: a leech, tagged (the default action)
    row = ws.store.get("own")
    assert row.leech and not row.suspended
    assert ws.store.lapses("own") == 3
    assert {h.key for h in ws.search("is:leech")} == {"own"}
    assert ws.stats().cards.leech == 1
    _, outcome = lapse_until(ws, clock, "Lang::Rust", 1)  # a fourth lapse: already a leech
    assert outcome.leech is None and ws.store.get("own").leech


def test_tag_keeps_the_card_in_todays_study(ws_factory, folder, clock):
    ws = ws_factory(folder, config=Config(leech_threshold=1))
    study(ws, clock, "Lang::Rust", 5)
    session, outcome = study(ws, clock, "Lang::Rust", 1)
    assert outcome.leech == "tag" and outcome.again_today
    assert [item.key for item in session.queue] == ["own"]  # back for relearning, as any failed card
    # A failed first grade and a same-day repeat are no lapses.
    write_deck(folder, "c.yaml", "deck: New\ncards:\n  - {id: new, q: New?, a: n}\n")
    ws.reload()
    session, outcome = study(ws, clock, "New", 0)
    assert outcome.leech is None
    session.reveal()
    assert session.grade(0).leech is None and not ws.store.get("new").leech


def test_suspend_takes_the_card_out_and_undo_puts_everything_back(ws_factory, folder, clock):
    ws = ws_factory(folder, config=Config(leech_threshold=2, leech_action="suspend"))
    lapse_until(ws, clock, "Lang::Rust", 1)
    study(ws, clock, "Lang::Rust", 4)
    before = ws.store.get("own")
    session = ws.session("Lang::Rust")
    session.reveal()
    outcome = session.grade(1)
    assert outcome.leech == "suspend" and not outcome.again_today
    row = ws.store.get("own")
    assert row.leech and row.suspended
    assert session.finished  # not requeued: it is suspended
    assert {h.key for h in ws.search("is:leech is:suspended")} == {"own"}
    assert session.undo().key == "own"
    assert ws.store.get("own") == before and not before.leech and not before.suspended
    assert [item.key for item in session.queue] == ["own"]
    assert ws.search("is:leech") == [] and ws.stats().cards.leech == 0 and ws.stats().cards.suspended == 0
    session.reveal()
    assert session.grade(1).leech == "suspend"  # graded again: a leech again


def test_undo_of_a_tagging_grade_removes_the_mark(ws_factory, folder, clock):
    ws = ws_factory(folder, config=Config(leech_threshold=1))
    study(ws, clock, "Lang::Rust", 5)
    session = ws.session("Lang::Rust")
    session.reveal()
    assert session.grade(0).leech == "tag"
    session.undo()
    assert not ws.store.get("own").leech and ws.store.lapses("own") == 0


def test_the_action_per_deck(ws_factory, folder, clock, tmp_path):
    config_file = tmp_path / "config.toml"
    config_file.write_text(
        'leech_threshold = 1\n\n[deck."Lang"]\nleech_action = "suspend"\nnew_per_day = 5\n', encoding="utf-8"
    )
    config = load_config(config_file)
    assert config.deck_limit("lang") == DeckLimit("Lang", new_per_day=5, leech_action="suspend")
    assert config.leech_action_for("Lang::Rust") == "suspend"  # a parent's setting covers its subdecks
    assert config.leech_action_for("Other") == "tag"
    assert Config(leech_action="suspend", deck_limits=(DeckLimit("Other", leech_action="tag"),)).leech_action_for(
        "Other::Sub") == "tag"
    ws = ws_factory(folder, config=config)
    study(ws, clock, "Lang::Rust", 5)
    study(ws, clock, "Other", 5)
    assert study(ws, clock, "Lang::Rust", 1)[1].leech == "suspend"
    assert study(ws, clock, "Other", 1)[1].leech == "tag"
    assert ws.store.get("own").suspended and not ws.store.get("oth").suspended


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('leech_action = "delete"\n', r"config.toml:1:1: 'leech_action' must be one of 'tag', 'suspend'"),
        ('[deck."A"]\nleech_action = 3\n', r"config.toml:2:1: 'leech_action' must be one of 'tag', 'suspend'"),
    ],
)
def test_config_mistakes(tmp_path, text, message):
    (tmp_path / "config.toml").write_text(text, encoding="utf-8")
    with pytest.raises(PyflashError, match=message):
        load_config(tmp_path / "config.toml")


def test_cli_reports_a_bad_action(folder, capsys):
    paths.config_path().parent.mkdir(parents=True, exist_ok=True)
    paths.config_path().write_text('leech_action = "bury"\n', encoding="utf-8")
    code, _, err = run_main(["stats", str(folder), "--json"], capsys)
    assert code == 2 and "config.toml:1:1: 'leech_action' must be one of" in err


def _v2_store(path, rows):
    """A schema-2 store (before leeches) with card rows and review-log rows."""
    db = sqlite3.connect(path, isolation_level=None)
    db.executescript(f"BEGIN;{MIGRATIONS[0]}{MIGRATIONS[1]}PRAGMA user_version = 2; COMMIT;")
    for key in ("k", "few", "moved-new"):
        db.execute("INSERT INTO cards (key, deck, due_day, repetitions) VALUES (?, 'D', 10, 1)", (key,))
    passed = CardState("x", "D", repetitions=2, interval=6).to_json()
    fresh = CardState("x", "D", repetitions=0).to_json()
    for key, before, grade, kind in rows(passed, fresh):
        db.execute(
            "INSERT INTO reviews (key, deck, ts, day, grade, kind, before) VALUES (?, 'D', 't', 5, ?, ?, ?)",
            (key, grade, kind, before),
        )
    db.execute("INSERT INTO relinks (old_key, new_key, deck, similarity, ts) VALUES ('moved-old', 'moved-new', 'D', 0.9, 't')")
    db.close()


def test_a_version_2_store_gets_its_leeches_marked_from_the_log(tmp_path):
    def rows(passed, fresh):
        yield from [("k", passed, 1, "review")] * 3  # three lapses
        yield ("k", passed, 1, "repeat")  # a repeat: no lapse
        yield ("k", fresh, 1, "review")  # a failed card failed again: no lapse
        yield from [("few", passed, 2, "review")] * 2 + [("few", passed, 3, "review")]  # two lapses, one pass
        yield from [("moved-old", passed, 0, "review")] * 3  # lapses of a card edited since (relinked)

    _v2_store(tmp_path / "old.sqlite3", rows)
    with Store(tmp_path / "old.sqlite3", leech_threshold=3) as store:
        assert store.schema_version == SCHEMA_VERSION >= 5
        assert store.connection.execute("SELECT COUNT(*) FROM reviews").fetchone()[0] == 11  # the log is kept
        assert {k for k, s in store.states().items() if s.leech} == {"k", "moved-new"}
        assert not store.get("k").suspended  # marked only: the backfill never suspends
        assert store.lapses("k") == 3 and store.lapses("moved-new") == 3 and store.lapses("few") == 2
    _v2_store(tmp_path / "other.sqlite3", rows)
    with Store(tmp_path / "other.sqlite3") as store:  # the default threshold (8): none
        assert not any(s.leech for s in store.states().values())


def test_an_undone_lapse_is_not_counted_by_the_backfill(tmp_path):
    def rows(passed, fresh):
        yield from [("k", passed, 1, "review")] * 3

    _v2_store(tmp_path / "old.sqlite3", rows)
    db = sqlite3.connect(tmp_path / "old.sqlite3", isolation_level=None)
    db.execute("INSERT INTO reviews (key, deck, ts, day, kind, undoes) VALUES ('k', 'D', 't', 5, 'undo', 3)")
    db.close()
    with Store(tmp_path / "old.sqlite3", leech_threshold=3) as store:
        assert not store.get("k").leech and store.lapses("k") == 2


def test_workspace_backfills_with_the_configured_threshold(tmp_path, folder):
    def rows(passed, fresh):
        yield from [("k", passed, 1, "review")] * 2

    paths.locations().store.parent.mkdir(parents=True, exist_ok=True)
    paths.config_path().parent.mkdir(parents=True, exist_ok=True)
    _v2_store(paths.locations().store, rows)
    paths.config_path().write_text("leech_threshold = 2\n", encoding="utf-8")
    with open_workspace([str(folder)]) as ws:
        assert ws.store.get("k").leech


async def test_study_screen_says_so_and_undo_takes_it_back(ws_factory, folder, clock):
    from test_ui import app_for, current_key

    ws = ws_factory(folder, config=Config(leech_threshold=1, leech_action="suspend"))
    study(ws, clock, "Lang::Rust", 5)  # passed yesterday: due today
    app = app_for(ws, deck="Lang::Rust")
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await pilot.pause()
        assert current_key(app) == "own"
        await pilot.press("space", "1")
        await pilot.pause()
        notes = [n for n in app._notifications if n.title == "Leech"]
        assert len(notes) == 1 and "forgotten this card 1 time:" in notes[0].message and "suspended" in notes[0].message
        assert ws.store.get("own").suspended
        await pilot.press("u")
        await pilot.pause()
        assert current_key(app) == "own"
        row = ws.store.get("own")
        assert not row.leech and not row.suspended


def test_doctor_repair_keeps_the_marks_and_marks_an_older_store(tmp_path):
    from datetime import datetime

    from pyflash.core.review.doctor import repair

    with Store(tmp_path / "new.sqlite3") as store:
        store.update("k", "D", "k", leech=True)
    repair(tmp_path / "new.sqlite3", now=datetime(2026, 3, 2))
    with Store(tmp_path / "new.sqlite3") as store:
        assert store.get("k").leech

    def rows(passed, fresh):
        yield from [("k", passed, 1, "review")] * 8

    _v2_store(tmp_path / "old.sqlite3", rows)
    repair(tmp_path / "old.sqlite3", now=datetime(2026, 3, 2))
    with Store(tmp_path / "old.sqlite3") as store:
        assert store.get("k").leech and not store.get("few").leech
