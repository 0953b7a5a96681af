"""The stats screen (t from the deck picker): Pilot tests and a snapshot at 80x24 on a fixed clock."""

from __future__ import annotations

from datetime import UTC

import pytest

from conftest import FakeClock, open_workspace, write_deck
from pyflash.ui.app import make_app
from pyflash.ui.help import HelpScreen
from pyflash.ui.picker import DeckPickerScreen
from pyflash.ui.stats import StatsScreen
from test_stats import DECK, NOW, _history
from test_ui import screen_text

SIZE = (80, 24)
OTHER = "deck: Other\ncards:\n  - {id: z, q: z?, a: z}\n  - {id: y, q: y?, a: y}\n"


@pytest.fixture
def stats_ws(tmp_path):
    write_deck(tmp_path / "decks", "stats.yaml", DECK)
    write_deck(tmp_path / "decks", "other.yaml", OTHER)
    ws = open_workspace([str(tmp_path / "decks")], clock=FakeClock(NOW, UTC), zone=UTC)
    _history(ws.store)
    yield ws
    ws.close()


def _app(ws):
    return make_app(ws, theme="textual-dark", animations=False)


async def _to_picker(pilot, deck: str) -> None:
    app = pilot.app
    await pilot.pause()
    if not isinstance(app.screen, DeckPickerScreen):
        await pilot.press("escape")
        await pilot.pause()
    picker = app.screen
    assert isinstance(picker, DeckPickerScreen)
    while picker.selected != deck:
        await pilot.press("down")
    await pilot.pause()


async def _drawn(pilot) -> StatsScreen:
    screen = pilot.app.screen
    assert isinstance(screen, StatsScreen)
    await pilot.wait_for_scheduled_animations()
    for _ in range(200):  # the figures are read in a worker: wait for them, not for a fixed time
        if screen.drawn:
            return screen
        await pilot.pause(0.02)
    raise AssertionError("the figures were never drawn")


async def test_t_shows_the_selected_decks_figures_and_d_switches_to_all(stats_ws):
    app = _app(stats_ws)
    async with app.run_test(size=SIZE) as pilot:
        await _to_picker(pilot, "Stats")
        await pilot.press("t")
        await pilot.pause()
        assert isinstance(app.screen, StatsScreen)  # at once, before the figures arrive
        screen = await _drawn(pilot)
        assert screen.stats.to_json() == stats_ws.stats("Stats").to_json()
        text = screen_text(app)
        assert "Stats · Stats" in text and "reviews 2   new cards 1   again 2 (100%)" in text
        assert "new 1   learning 1   young 2   mature 1" in text and "leeches 1" in text
        assert "Due in the next 30 days" in text
        await pilot.press("d")
        screen = await _drawn(pilot)
        assert screen.scope == "all decks"
        everything = stats_ws.stats()
        assert screen.stats.to_json() == everything.to_json() and everything.cards.new == 3  # e, y and z
        assert "Stats · all decks" in screen_text(app) and "new 3   learning 1" in screen_text(app)
        await pilot.press("d")  # and back to the deck
        screen = await _drawn(pilot)
        assert screen.scope == "Stats" and screen.stats.cards.new == 1
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, DeckPickerScreen)
        await pilot.press("t")
        await _drawn(pilot)
        await pilot.press("q")
        await pilot.pause()
        assert isinstance(app.screen, DeckPickerScreen)


async def test_the_screen_shows_the_calendar_and_the_distributions(stats_ws):
    app = _app(stats_ws)
    async with app.run_test(size=(80, 80)) as pilot:
        await _to_picker(pilot, "Stats")
        await pilot.press("t")
        await _drawn(pilot)
        text = screen_text(app)
        assert "Reviews, past 365 days (weeks across)" in text and "10 grades on 9 days" in text
        assert "Intervals (days), learned cards" in text and "Easiness, learned cards" in text
        assert "Streak: 2 days" in text and "young (< 21 d) 50% of 4   mature 100% of 1" in text


async def test_t_is_in_the_help_and_keeps_keys_in_the_picker_footer(stats_ws):
    app = _app(stats_ws)
    async with app.run_test(size=SIZE) as pilot:
        await _to_picker(pilot, "Stats")
        assert "? Keys" in screen_text(app).splitlines()[-1]
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        help_text = " ".join(" ".join(line.split()) for line in app.screen.query_one("#help-text").render().plain.splitlines())
        assert "t Stats of the selected deck" in help_text
        assert "d Switch between the selected deck and all decks" in help_text


def test_snapshot(snap_compare, stats_ws):
    async def open_stats(pilot):
        await _to_picker(pilot, "Stats")
        await pilot.press("t")
        await _drawn(pilot)

    assert snap_compare(_app(stats_ws), run_before=open_stats, terminal_size=SIZE)
