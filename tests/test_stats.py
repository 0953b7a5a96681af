"""`pyflash stats`: figures against hand-computed ones, in two time zones, and the CLI's --json."""

from __future__ import annotations

import json
import re
import sqlite3
from dataclasses import replace
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from conftest import FakeClock, open_workspace, run_main, write_deck
from pyflash import paths
from pyflash.core.config import Config, load_config
from pyflash.core.errors import PyflashError
from pyflash.core.review.schema import MIGRATIONS, SCHEMA_VERSION, migrate
from pyflash.core.review.store import CardState, Store
from pyflash.core.scheduling.easiness import Easiness

D = date(2026, 3, 2).toordinal()  # the study day of the fixed clock in UTC
# 15:00 UTC: still 2 March in UTC, but 05:00 on 3 March (after the 04:00 rollover) in Kiritimati (UTC+14).
NOW = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)

DECK = """\
deck: Stats
tags: [s]
cards:
  - {id: a, q: mature?, a: "1"}
  - {id: b, q: young?, a: "2"}
  - {id: c, q: learning?, a: "3", tags: [hot]}
  - {id: d, q: suspended?, a: "4"}
  - {id: e, q: new?, a: "5"}
  - {id: f, q: leech?, a: "6", tags: [hot]}
  - {id: g, q: buried?, a: "7"}
"""


def _state(key: str, *, ivl: int, reps: int, due: int, last: int, grade: int, first: int, ease: int = 250) -> CardState:
    return CardState(
        key, "Stats", key, Easiness.from_cents(ease), ivl, reps, due,
        last_review="t", last_day=last, last_grade=grade, first_day=first,
    )


def _grade(store: Store, after: CardState, grade: int, *, kind: str = "review", ms: int | None = None) -> int:
    assert after.last_day is not None
    return store.record(store.get(after.key), after, grade=grade, kind=kind, ts="t", day=after.last_day, answer_ms=ms)


def _history(store: Store) -> None:
    """The cards' histories; the comments give what the hand-computed figures rely on."""
    # a: mature, due D. Its grade on D-25 is a mature review that passed.
    _grade(store, _state("a", ivl=25, reps=3, due=D - 25, last=D - 50, grade=4, first=D - 50, ease=260), 4)
    _grade(store, _state("a", ivl=25, reps=4, due=D, last=D - 25, grade=5, first=D - 50, ease=260), 5)
    # b: young (6 days), first graded yesterday, due D+5.
    _grade(store, _state("b", ivl=6, reps=2, due=D + 5, last=D - 1, grade=5, first=D - 1), 5, ms=2000)
    # c: first graded today with 1, then a repeat with 2: learning today, due D+1.
    c = _state("c", ivl=1, reps=0, due=D + 1, last=D, grade=1, first=D, ease=230)
    _grade(store, c, 1, ms=3000)
    _grade(store, replace(c, last_grade=2), 2, kind="repeat", ms=1500)
    # f: two lapses (fails after a pass: D-19, D-17) and a third one that was undone (D-10).
    f = _state("f", ivl=1, reps=1, due=D - 19, last=D - 20, grade=4, first=D - 20, ease=150)
    _grade(store, f, 4)
    _grade(store, f := replace(f, repetitions=0, due_day=D - 18, last_day=D - 19, last_grade=2), 2)  # lapse 1 (young review)
    _grade(store, f := replace(f, repetitions=1, due_day=D - 17, last_day=D - 18, last_grade=4), 4)  # young pass
    # lapse 2 (young review): the session marks it a leech (leech_threshold = 2 in these tests)
    _grade(store, f := replace(f, repetitions=0, due_day=D - 16, last_day=D - 17, last_grade=1, leech=True), 1)
    _grade(store, f := replace(f, repetitions=1, interval=19, due_day=D + 3, last_day=D - 16, last_grade=4), 4)  # young pass
    undone = _grade(store, replace(f, repetitions=0, interval=1, due_day=D - 9, last_day=D - 10, last_grade=0), 0)
    assert store.undo(undone, ts="t", day=D - 10) is not None
    # d: suspended, never graded; g: buried until D+1, never graded; e: new.
    store.update("d", "Stats", "d", suspended=True)
    store.update("g", "Stats", "g", buried_until=D + 1)


@pytest.fixture
def stats_deck(tmp_path):
    return write_deck(tmp_path / "decks", "stats.yaml", DECK)


def _workspace(stats_deck, zone, **config):
    ws = open_workspace([str(stats_deck)], clock=FakeClock(NOW, zone), zone=zone, config=Config(**config))
    _history(ws.store)
    return ws


def test_figures_in_utc(stats_deck):
    with _workspace(stats_deck, UTC, leech_threshold=2) as ws:
        assert ws.today == D
        s = ws.stats(days=7).to_json()
        assert s["date"] == "2026-03-02"
        assert s["cards"] == {
            "new": 1, "learning": 1, "young": 2, "mature": 1, "suspended": 1, "buried": 1, "leech": 1,
        }
        assert s["today"] == {"reviews": 2, "new": 1, "again": 2, "again_rate": 1.0, "seconds": 4.5}
        assert [f["due"] for f in s["forecast"]] == [1, 1, 0, 1, 0, 1, 0]  # a today, c, f at +3, b at +5
        assert [f["date"] for f in s["forecast"]][::6] == ["2026-03-02", "2026-03-08"]
        assert s["retention"]["young"] == 0.5 and s["retention"]["young_reviews"] == 4
        assert s["retention"]["mature"] == 1.0 and s["retention"]["mature_reviews"] == 1
        assert s["streak"] == 2  # today and yesterday; the undone grade of D-10 does not count
        calendar = {c["date"]: c["reviews"] for c in s["calendar"]}
        assert sum(calendar.values()) == 10 and calendar["2026-03-02"] == 2 and "2026-02-20" not in calendar
        assert s["intervals"] == [{"days": "1", "cards": 1}, {"days": "3-6", "cards": 1},
                                  {"days": "14-20", "cards": 1}, {"days": "21-59", "cards": 1}]
        assert [e["ease"] for e in s["easiness"]] == ["1.5", "2.3", "2.5", "2.6"]
        due_today = {r.name: r.due for r in ws.deck_counts()}["Stats"]
        assert s["forecast"][0]["due"] == due_today == 1


def test_figures_in_kiritimati(stats_deck):
    """The same log read on the next study day: c is due and young, g is no longer buried."""
    zone = ZoneInfo("Pacific/Kiritimati")
    with _workspace(stats_deck, zone, leech_threshold=2) as ws:
        assert ws.today == D + 1
        s = ws.stats(days=7).to_json()
        assert s["date"] == "2026-03-03"
        assert s["cards"] == {
            "new": 2, "learning": 0, "young": 3, "mature": 1, "suspended": 1, "buried": 0, "leech": 1,
        }
        assert s["today"] == {"reviews": 0, "new": 0, "again": 0, "again_rate": None, "seconds": 0.0}
        assert [f["due"] for f in s["forecast"]] == [2, 0, 1, 0, 1, 0, 0]
        assert s["streak"] == 2  # nothing yet today: the streak up to yesterday
        assert s["retention"]["young"] == 0.5 and s["retention"]["mature"] == 1.0
        assert s["forecast"][0]["due"] == {r.name: r.due for r in ws.deck_counts()}["Stats"] == 2


def test_leeches_are_the_marked_cards(stats_deck):
    with _workspace(stats_deck, UTC, leech_threshold=3) as ws:
        assert ws.stats().cards.leech == 1  # f's mark, whatever the threshold is now
        assert ws.stats().leech_threshold == 3
        ws.store.update("f", "Stats", "f", leech=False)
        assert ws.stats().cards.leech == 0
        ws.store.update("e", "Stats", "e", leech=True)  # a row with only the mark counts too
        assert ws.stats().cards.leech == 1 and ws.stats().cards.new == 1


def test_deck_and_tag_selection(stats_deck, tmp_path):
    write_deck(tmp_path / "decks", "other.yaml", "deck: Other\ncards:\n  - {id: z, q: z?, a: z}\n")
    with open_workspace([str(tmp_path / "decks")], clock=FakeClock(NOW), zone=UTC) as ws:
        _history(ws.store)
        assert ws.stats().cards.new == 2  # e and z
        assert ws.stats("Other").cards.new == 1
        ws.select(tags=["HOT"])  # as `pyflash stats --tag HOT` does (tags match in any case)
        hot = ws.stats()
        assert (hot.cards.learning, hot.cards.young, hot.cards.new) == (1, 1, 0)  # c and f
        assert hot.today.reviews == 2 and hot.retention.young_total == 4 and hot.retention.mature_total == 0
        ws.select()
        with pytest.raises(PyflashError, match="no deck named 'Nope'"):
            ws.stats("Nope")


def test_streak_longer_than_the_calendar(tmp_path):
    write_deck(tmp_path / "decks", "s.yaml", "deck: S\ncards:\n  - {id: s, q: s?, a: s}\n")
    with open_workspace([str(tmp_path / "decks")], clock=FakeClock(NOW), zone=UTC) as ws:
        for day in range(D - 399, D + 1):
            _grade(ws.store, _state("s", ivl=1, reps=1, due=day + 1, last=day, grade=4, first=D - 399), 4)
        s = ws.stats()
        assert s.streak == 400 and len(s.calendar) == 365


def test_leech_threshold_setting(tmp_path):
    cfg = tmp_path / "config.toml"
    cfg.write_text("leech_threshold = 5\n")
    assert load_config(cfg).leech_threshold == 5
    assert Config().leech_threshold == 8
    cfg.write_text("leech_threshold = 0\n")
    with pytest.raises(PyflashError, match=r"config.toml:1:1: 'leech_threshold' must be a whole number"):
        load_config(cfg)


def test_version_1_store_migrates_and_keeps_its_rows(tmp_path):
    db_path = tmp_path / "old.sqlite3"
    db = sqlite3.connect(db_path, isolation_level=None)
    db.executescript(f"BEGIN;{MIGRATIONS[0]}PRAGMA user_version = 1; COMMIT;")  # a version-1 store
    db.execute("INSERT INTO reviews (key, deck, ts, day, grade, kind) VALUES ('k', 'D', 't', 5, 4, 'review')")
    before = _state("k", ivl=6, reps=2, due=5, last=1, grade=4, first=1).to_json()
    db.execute("INSERT INTO reviews (key, deck, ts, day, grade, kind, before) VALUES ('k', 'D', 't', 5, 1, 'review', ?)",
               (before,))
    db.execute("INSERT INTO reviews (key, deck, ts, day, grade, kind, before) VALUES ('k', 'D', 't', 6, 1, 'review', '{x')")
    db.close()
    with Store(db_path) as store:
        assert store.schema_version == SCHEMA_VERSION >= 2
        assert store.connection.execute("SELECT COUNT(*) FROM reviews").fetchone()[0] == 3
        assert store.connection.execute("SELECT prev_interval, prev_repetitions FROM reviews ORDER BY id").fetchall() == [
            (None, None), (6, 2), (None, None)]  # a damaged JSON gives NULL, not an error
        names = {r[0] for r in store.connection.execute("SELECT name FROM sqlite_master WHERE type='index'")}
        assert {"reviews_day_stats", "reviews_lapses", "reviews_undoes", "cards_first_day"} <= names
    fresh = sqlite3.connect(":memory:", isolation_level=None)
    assert migrate(fresh, 0) == SCHEMA_VERSION


# -- the CLI ----------------------------------------------------------------


def _cli_setup(tmp_path):
    """A deck with two cards graded today and one due, on the real clock (zone pinned to UTC by the config)."""
    deck = write_deck(tmp_path / "decks", "cli.yaml", DECK)
    paths.config_path().parent.mkdir(parents=True, exist_ok=True)
    paths.config_path().write_text('timezone = "UTC"\n')
    with open_workspace([str(deck)]) as ws:
        session = ws.session()
        for grade in (5, 4):
            session.reveal()
            session.grade(grade)
        today = ws.today
        ws.store.record(None, _state("f", ivl=3, reps=1, due=today - 1, last=today - 4, grade=4, first=today - 4), grade=4,
                        kind="review", ts="t", day=today - 4, answer_ms=None)
        due = {r.name: r.due for r in ws.deck_counts()}["Stats"]
    return deck, due


def test_cli_json(tmp_path, capsys):
    deck, due = _cli_setup(tmp_path)
    code, out, err = run_main(["stats", str(deck), "--json"], capsys)
    assert code == 0, err
    s = json.loads(out)
    assert s["today"]["reviews"] == 2 and s["today"]["new"] == 2
    assert len(s["forecast"]) == 30 and s["forecast"][0]["date"] == s["date"]
    assert s["forecast"][0]["due"] == due >= 1
    assert set(s["cards"]) == {"new", "learning", "young", "mature", "suspended", "buried", "leech"}
    assert set(s["retention"]) >= {"young", "mature"} and isinstance(s["streak"], int)
    code, out, _ = run_main(["stats", str(deck), "--json", "--days", "7", "--deck", "Stats", "--tag", "s"], capsys)
    assert code == 0 and len(json.loads(out)["forecast"]) == 7


def test_cli_text_has_no_escapes_off_a_terminal(tmp_path, capsys):
    deck, _ = _cli_setup(tmp_path)
    code, out, _ = run_main(["stats", str(deck)], capsys)
    assert code == 0
    assert "\x1b" not in out
    assert "reviews 2" in out and "Due in the next 30 days" in out and "Reviews, past 365 days" in out
    ticks = re.findall(r"^\s*([\d.]+)┤", out, re.M)  # the y axes count cards: whole numbers only
    assert ticks and all(t.isdigit() for t in ticks), ticks


def test_cli_mistakes_exit_2(tmp_path, capsys):
    deck = write_deck(tmp_path / "decks", "cli.yaml", DECK)
    code, _, err = run_main(["stats", str(deck), "--deck", "Nope"], capsys)
    assert code == 2 and "no deck named 'Nope'" in err
    code, _, err = run_main(["stats", str(deck), "--days", "0"], capsys)
    assert code == 2


def test_a_buried_card_is_forecast_on_its_first_day_back(tmp_path):
    write_deck(tmp_path / "decks", "s.yaml", "deck: S\ncards:\n  - {id: s, q: s?, a: s}\n  - {id: t, q: t?, a: t}\n")
    with open_workspace([str(tmp_path / "decks")], clock=FakeClock(NOW), zone=UTC) as ws:
        _grade(ws.store, _state("s", ivl=3, reps=1, due=D - 1, last=D - 4, grade=4, first=D - 4), 4)
        _grade(ws.store, _state("t", ivl=3, reps=1, due=D, last=D - 3, grade=4, first=D - 3), 4)
        ws.store.update("s", "S", "s", buried_until=D + 2)
        s = ws.stats(days=4)
        assert s.forecast == [1, 0, 1, 0] and s.cards.buried == 1 and s.cards.young == 1
        assert {r.name: r.due for r in ws.deck_counts()}["S"] == 1


def test_a_deck_with_most_cards_counts_only_its_own(tmp_path, clock):
    """A selection of most cards goes into SQL as the keys *not* selected; the figures stay exact,
    with an orphan history (a card no longer in any deck) in the log too."""
    from conftest import open_workspace, write_deck

    decks = tmp_path / "decks"
    write_deck(decks, "a.yaml", "deck: A\ncards:\n" + "".join(f"  - id: a{i}\n    q: qa{i}\n    a: x\n" for i in range(9)))
    gone = write_deck(decks, "b.yaml", "deck: B\ncards:\n  - id: b0\n    q: qb\n    a: x\n  - id: b1\n    q: qb1\n    a: x\n")
    with open_workspace([str(decks)], clock=clock, zone=clock.zone) as ws:
        s = ws.session()
        while not s.finished:
            s.reveal()
            s.grade(4)
    gone.write_text("deck: B\ncards:\n  - id: b0\n    q: qb\n    a: x\n", encoding="utf-8")  # b1's history is an orphan
    with open_workspace([str(decks)], clock=clock, zone=clock.zone, read_only=True) as ws:
        a = ws.stats("A").to_json()
        b = ws.stats("B").to_json()
        everything = ws.stats().to_json()
    assert a["today"]["reviews"] == 9 and a["cards"]["young"] == 9
    assert b["today"]["reviews"] == 1 and b["cards"]["young"] == 1
    assert everything["today"]["reviews"] == 11  # the whole log, orphan included
