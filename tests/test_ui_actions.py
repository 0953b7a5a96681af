"""Pilot tests of the study actions: space/enter after reveal, undo of any action,
unbury/unsuspend, the grade bar in cram and on a new card, one meaning per key."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from textual.binding import Binding

from conftest import ROOT, write_deck
from pyflash.core.review.actions import Action
from pyflash.ui.add import AddCardScreen
from pyflash.ui.browser import BrowserScreen
from pyflash.ui.confirm import ConfirmScreen
from pyflash.ui.help import HelpScreen, key_name
from pyflash.ui.history_view import HistoryScreen
from pyflash.ui.no_decks import NoDecksScreen
from pyflash.ui.nothing_due import NothingDueScreen
from pyflash.ui.picker import DeckPickerScreen
from pyflash.ui.stats import StatsScreen
from pyflash.ui.study import StudyScreen
from pyflash.ui.summary import SummaryScreen
from test_actions import dump
from test_ui import FIVE, SIZE, app_for, current_key, screen_text


@pytest.fixture
def five(tmp_path) -> Path:
    return write_deck(tmp_path / "decks", "five.yaml", FIVE)


SCREENS = (
    StudyScreen, DeckPickerScreen, BrowserScreen, SummaryScreen, NothingDueScreen, NoDecksScreen, HelpScreen,
    ConfirmScreen, AddCardScreen, StatsScreen, HistoryScreen,
)


def grade_bar(app) -> str:
    lines = screen_text(app).splitlines()
    start = next(i for i, line in enumerate(lines) if "Grade" in line and "╭" in line)
    return "\n".join(lines[start : start + 4])


async def test_space_and_enter_reveal_then_grade_good(five, ws_factory):
    ws = ws_factory(five)
    app = app_for(ws)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        for key in ("space", "enter"):
            card = current_key(app)
            await pilot.press(key)  # the question side: reveals
            await pilot.pause()
            assert app.screen.session.revealed and current_key(app) == card
            assert ws.store.get(card) is None
            await pilot.press(key)  # the answer side: grades 4, as in Anki
            await pilot.pause()
            assert current_key(app) != card and not app.screen.session.revealed
            assert [(e.key, e.grade) for e in ws.store.log()][-1] == (card, 4)
        assert [e.grade for e in ws.store.log()] == [4, 4]


async def test_undo_after_bury_brings_the_card_back(five, ws_factory):
    ws = ws_factory(five)
    app = app_for(ws)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.pause()
        assert current_key(app) == "c1"
        await pilot.press("b")
        await pilot.pause()
        assert current_key(app) == "c2"
        assert ws.store.get("c1").buried_until == ws.today + 1
        await pilot.press("u")
        await pilot.pause()
        assert current_key(app) == "c1"
        assert "Card one?" in screen_text(app)
        assert ws.store.get("c1") is None
        assert [e.kind for e in ws.store.log()] == ["bury", "undo"]
        # Then suspend (y confirms), and ctrl+z takes that back too.
        await pilot.press("s")
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
        assert current_key(app) == "c2" and ws.store.get("c1").suspended
        await pilot.press("ctrl+z")
        await pilot.pause()
        assert current_key(app) == "c1" and ws.store.get("c1") is None


async def test_study_screen_unbury_and_unsuspend_keys(five, ws_factory):
    ws = ws_factory(five)
    app = app_for(ws)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert not app.screen.check_action("unbury", ())
        await pilot.press("b", "s")
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
        assert current_key(app) == "c3"
        await pilot.press("B")
        await pilot.pause()
        assert current_key(app) == "c1" and ws.store.get("c1").buried_until is None
        await pilot.press("S")
        await pilot.pause()
        assert current_key(app) == "c2" and not ws.store.get("c2").suspended
        assert [e.kind for e in ws.store.log()] == ["bury", "suspend", "unbury", "unsuspend"]
        assert app.screen.session.last_action is Action.UNSUSPEND


async def test_summary_undo_takes_back_a_bury(tmp_path, ws_factory):
    one = write_deck(tmp_path / "decks", "one.yaml", "deck: One\ncards:\n  - id: x\n    q: Only card?\n    a: yes\n")
    ws = ws_factory(one)
    app = app_for(ws)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("b")
        await pilot.pause()
        assert isinstance(app.screen, SummaryScreen)
        await pilot.press("u")
        await pilot.pause()
        assert isinstance(app.screen, StudyScreen)
        assert current_key(app) == "x" and ws.store.get("x") is None


async def test_cram_grade_bar_and_nothing_written(five, ws_factory, clock):
    ws = ws_factory(five)
    app = app_for(ws)
    async with app.run_test(size=SIZE) as pilot:  # a normal session first: some history
        await pilot.pause()
        await pilot.press("space", "4", "space", "1", "b")
        await pilot.pause()
    before = dump(ws.store.path)
    app = app_for(ws, cram=True)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert app.screen.session.cram
        await pilot.press("space")
        await pilot.pause()
        bar = grade_bar(app)
        assert "Grade · cram: schedule unchanged" in bar
        assert "again today" not in bar and not re.search(r"\bin \d+d\b|\b\d+d\b", bar)
        for g, label in enumerate(("again", "wrong", "almost", "hard", "good", "easy")):
            assert f"{g} {label}" in bar
        await pilot.press("4", "space", "0", "b", "s")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        await pilot.pause()
        await pilot.press("space", "enter", "u")
        await pilot.pause()
        assert app.screen.session.summary().reviewed >= 2
    assert dump(ws.store.path) == before


async def test_grade_bar_on_a_new_card(five, ws_factory):
    ws = ws_factory(five)
    app = app_for(ws)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("space")
        await pilot.pause()
        bar = grade_bar(app)
        assert "bring" not in bar and "0–3" not in bar
        assert "space/enter: 4 good" in bar
        for g, label in enumerate(("again", "wrong", "almost", "hard")):
            assert re.search(rf"{g} {label} +again today, 1d", bar), (g, bar)
        for g, label in ((4, "good"), (5, "easy")):
            assert re.search(rf"{g} {label} +in 1d", bar), (g, bar)
        assert app.screen.query_one("#grade-0").has_class("-again")
        assert not app.screen.query_one("#grade-4").has_class("-again")


def screen_bindings() -> dict[str, dict[str, str]]:
    """key -> {screen: action} over every screen's BINDINGS (a key bound twice on one
    screen, as space and enter on the study screen, keeps the first)."""
    keys: dict[str, dict[str, str]] = {}
    for screen in SCREENS:
        for b in Binding.make_bindings(screen.BINDINGS):
            keys.setdefault(b.key, {}).setdefault(screen.__name__, b.action)
    return keys


# enter goes on (the default action of the screen), escape and q go back: one meaning each.
LEAVE = {"back", "quit", "close", "answer(False)"}


# The one exception, asked for by both features: t types the answer on the study screen, and
# opens the stats from the deck picker (docs/study.md, "Keys").
TWO_MEANINGS = {"t": {"StudyScreen": "type_answer", "DeckPickerScreen": "stats"}}


def test_one_key_means_one_thing_on_every_screen():
    for key, actions in screen_bindings().items():
        if key in ("escape", "q"):
            assert set(actions.values()) <= LEAVE, (key, actions)
        elif key in TWO_MEANINGS:
            assert actions == TWO_MEANINGS[key], (key, actions)
        elif key != "enter":
            assert len(set(actions.values())) == 1, (key, actions)
    keys = screen_bindings()
    assert keys["u"] == {"StudyScreen": "undo", "SummaryScreen": "undo", "BrowserScreen": "undo"}
    assert keys["slash"] == {"StudyScreen": "search", "DeckPickerScreen": "search", "BrowserScreen": "search"}
    assert keys["s"] == {"StudyScreen": "suspend", "BrowserScreen": "suspend"}
    assert keys["n"] == {"StudyScreen": "add_card", "DeckPickerScreen": "add_card"}  # not also "no" in the confirmation
    assert keys["N"] == {"NothingDueScreen": "more_new"}


def test_docs_key_table_lists_every_key():
    text = (Path(ROOT) / "docs" / "study.md").read_text(encoding="utf-8")
    table = text[text.index("## Keys") :]
    assert "`0` … `5`" in table
    for key in screen_bindings():
        if not key.isdigit():
            assert f"`{key_name(Binding(key, ''))}`" in table, key
