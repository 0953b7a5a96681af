"""Pilot tests for issue 11 items 2 and 8: the picker's header and columns tell the truth,
and the nothing-due screen says which limit held cards back."""

from __future__ import annotations

import os
import time

import pytest

from conftest import open_workspace, write_deck
from pyflash.core.config import Config, DeckLimit
from pyflash.ui.app import make_app
from pyflash.ui.nothing_due import NothingDueScreen
from pyflash.ui.picker import DeckPickerScreen

SIZE = (80, 24)


def screen_text(app) -> str:
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


async def wait_until(pilot, condition, what: str, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        await pilot.pause()


@pytest.fixture
def decks(tmp_path):
    folder = tmp_path / "decks"
    for name, prefix, n in (("P::A", "a", 4), ("P::B", "b", 3), ("Q", "q", 2)):
        body = "".join(f"  - {{id: {prefix}{i}, q: {prefix}{i}?, a: x}}\n" for i in range(n))
        write_deck(folder, f"{prefix}.yaml", f"deck: {name}\ncards:\n{body}")
    return folder


@pytest.fixture
def opened():
    wss = []
    yield wss
    for ws in wss:
        ws.close()


def app_for(ws, **kw):
    return make_app(ws, theme="textual-dark", animations=False, environ=os.environ, **kw)


def row(table, key):
    return [str(c).strip() for c in table.get_row(key)[1:]]


async def test_picker_header_counts_its_rows_and_new_is_todays_allowance(decks, clock, opened):
    config = Config(new_per_day=5, deck_limits=(DeckLimit("P", new_per_day=2),))
    ws = open_workspace([str(decks)], clock=clock, zone=clock.zone, config=config)
    opened.append(ws)
    app = app_for(ws)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, DeckPickerScreen), "the picker")
        table = app.screen.query_one("#decks")
        labels = [str(c.label).strip() for c in table.columns.values()]
        assert labels == ["Deck", "New", "Due", "Unseen", "Total", "Susp."]
        # New: what today's limits allow (P caps its subdecks at 2); Unseen: every new card.
        assert row(table, "P") == ["2", "0", "7", "7", "0"]
        assert row(table, "P::A") == ["2", "0", "4", "4", "0"]
        assert row(table, "Q") == ["2", "0", "2", "2", "0"]
        header = screen_text(app).splitlines()[0]
        # 4 rows listed, 9 cards; a session of all decks takes 4 new cards (2 of P, 2 of Q).
        assert "Decks  4 decks · 9 cards · 4 new today · 0 due" in header


async def test_nothing_due_says_which_limit_and_the_flag(decks, clock, opened):
    config = Config(new_per_day=5, deck_limits=(DeckLimit("P", new_per_day=1),))
    ws = open_workspace([str(decks)], clock=clock, zone=clock.zone, config=config)
    opened.append(ws)
    session = ws.session("P")
    session.reveal()
    session.grade(5)  # P's one new card of today
    app = app_for(ws, deck="P")
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, NothingDueScreen), "the nothing-due screen")
        text = " ".join(screen_text(app).split())
        assert (
            "New cards: daily limit of 1 for P reached (1 studied today); "
            "`pyflash study --deck P --new 1` studies 1 more"
        ) in text
        assert "Study 1 more new card today" in text
