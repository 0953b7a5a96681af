"""Pilot tests of the card browser (``/``): query, sort, detail, each action and its undo,
edit, study these; and ``i`` (the card's history) in study."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import write_deck
from pyflash.ui.browser import BrowserScreen
from pyflash.ui.browser_widgets import QueryProblem, ResultsTable
from pyflash.ui.confirm import ConfirmScreen
from pyflash.ui.history_view import HistoryScreen
from pyflash.ui.picker import DeckPickerScreen
from pyflash.ui.study import StudyScreen
from test_ui import FIVE, SIZE, _palette_top, app_for, current_key, make_editor, palette_search, screen_text, wait_until

OTHER = """\
deck: Other
tags: [misc]
cards:
  - id: o1
    q: Other one?
    a: first
  - id: o2
    q: Other two?
    a: second
"""


@pytest.fixture
def decks(tmp_path) -> Path:
    root = tmp_path / "decks"
    write_deck(root, "five.yaml", FIVE)
    write_deck(root, "other.yaml", OTHER)
    return root


def studied(ws, clock, grades) -> None:
    """Grade the first cards of today's session (c1, c2, ...) before the app starts."""
    session = ws.session(deck="Five")
    for g in grades:
        session.reveal()
        clock.advance(seconds=6)
        session.grade(g)


def keys_shown(app) -> list[str]:
    table = app.screen.query_one(ResultsTable)
    return [table.coordinate_to_cell_key((row, 0)).row_key.value for row in range(table.row_count)]


async def shows(pilot, *needles: str) -> str:
    """Wait (bounded) until the screen shows every one of ``needles``; the screen's text."""
    await wait_until(pilot, lambda: all(n in screen_text(pilot.app) for n in needles), repr(needles))
    return screen_text(pilot.app)


async def to_picker(pilot) -> None:
    await pilot.pause()
    await pilot.press("escape")
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, DeckPickerScreen), "the deck picker")


async def open_browser(pilot, query: str | None = None) -> BrowserScreen:
    await pilot.press("slash")
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, BrowserScreen), "the browser")
    screen = pilot.app.screen
    if query is not None:
        await search(pilot, query)
    return screen


async def search(pilot, query: str) -> None:
    screen = pilot.app.screen
    screen.query_one("#query").value = ""
    screen.query_one("#query").focus()
    await pilot.press(*query, "enter") if query else await pilot.press("enter")
    await pilot.pause()


async def test_slash_from_the_picker_opens_the_browser_on_the_selected_deck(decks, ws_factory):
    app = app_for(ws_factory(decks))
    async with app.run_test(size=SIZE) as pilot:
        await to_picker(pilot)
        screen = await open_browser(pilot)
        assert screen.query_one("#query").value == 'deck:"Five"'  # the selected deck (the first row)
        assert keys_shown(app) == ["c1", "c2", "c3", "c4", "c5"]
        assert "Browse  5 cards" in screen_text(app)
        await search(pilot, "other or tag:misc")
        assert keys_shown(app) == ["o1", "o2"]
        await search(pilot, "")
        assert len(keys_shown(app)) == 7
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, DeckPickerScreen), "back to the picker")


async def test_a_malformed_query_shows_its_column_and_keeps_the_results(decks, ws_factory):
    app = app_for(ws_factory(decks))
    async with app.run_test(size=SIZE) as pilot:
        await to_picker(pilot)
        await open_browser(pilot, "tag:misc")
        await search(pilot, "tag:misc (is:new")
        problem = app.screen.query_one(QueryProblem)
        assert problem.display
        lines = screen_text(app).splitlines()
        query_line = next(i for i, line in enumerate(lines) if "tag:misc (is:new" in line)
        caret = lines[query_line + 1]
        assert "this '(' is never closed" in caret
        assert lines[query_line][caret.index("^")] == "("  # the caret sits under the column of the problem
        assert keys_shown(app) == ["o1", "o2"]  # the last good results stay
        await search(pilot, "tag:misc")
        assert not problem.display


async def test_sort_by_key_and_by_header_click(decks, ws_factory, clock):
    ws = ws_factory(decks)
    studied(ws, clock, [5, 1, 4])  # c1 easy, c2 failed (back today), c3 good
    app = app_for(ws)
    async with app.run_test(size=SIZE) as pilot:
        await to_picker(pilot)
        screen = await open_browser(pilot, "deck:Five -is:new")
        assert keys_shown(app) == ["c1", "c2", "c3"]
        await pilot.press("o")  # due
        await shows(pilot, "sorted by due")
        await pilot.press("o", "o")  # ease: the failed card first
        await shows(pilot, "sorted by ease")
        assert keys_shown(app) == ["c2", "c3", "c1"]
        table = app.screen.query_one(ResultsTable)
        # Click the "Ivl" header: sorted by interval; again: the other way round.
        x = sum(col.get_render_width(table) for col in table.ordered_columns[:5]) + 1
        await pilot.click(ResultsTable, offset=(x, 0))
        await shows(pilot, "sorted by interval", "Ivl↓")
        assert screen.sort == "ivl" and not screen.reverse
        first = keys_shown(app)
        await pilot.click(ResultsTable, offset=(x, 0))
        await shows(pilot, "sorted by interval, reversed", "Ivl↑")
        assert keys_shown(app) == first[::-1]


async def test_detail_pane_shows_the_card_its_place_and_its_history(decks, ws_factory, clock):
    ws = ws_factory(decks)
    studied(ws, clock, [4, 1])
    app = app_for(ws)
    async with app.run_test(size=SIZE) as pilot:
        await to_picker(pilot)
        await open_browser(pilot, "deck:Five")
        # As in study: the question and the answer; then where the card is, and its history.
        await shows(pilot, "five.yaml:4", "Card one?", "answer one", "2026-03-02 4 good", "1d 2.50")
        await pilot.press("down")
        await shows(pilot, "five.yaml:7", "answer two", "2026-03-02 1 wrong", "1 below 3")
        await pilot.press("down")
        await shows(pilot, "five.yaml:10", "No reviews yet.")


async def test_each_action_and_its_undo(decks, ws_factory, clock):
    ws = ws_factory(decks)
    studied(ws, clock, [4])
    app = app_for(ws)
    async with app.run_test(size=SIZE) as pilot:
        await to_picker(pilot)
        await open_browser(pilot, "deck:Five")
        # Mark c1 and c2; the actions take the marked cards.
        await pilot.press("v", "v")
        assert app.screen.marked == {"c1", "c2"} and "2 marked" in screen_text(app)
        await pilot.press("s")
        await wait_until(pilot, lambda: screen_text(app).count("susp.") == 2, "two suspended cards")
        assert ws.store.get("c1").suspended and ws.store.get("c2").suspended
        await pilot.press("S")
        await pilot.pause()
        assert not ws.store.get("c1").suspended
        await pilot.press("u")
        await pilot.pause()
        assert ws.store.get("c1").suspended and ws.store.get("c2").suspended  # the unsuspend undone
        await pilot.press("ctrl+z")
        await pilot.pause()
        assert not ws.store.get("c1").suspended and ws.store.get("c2") is None  # the suspend undone
        await pilot.press("b")
        await pilot.pause()
        assert ws.store.get("c1").is_buried(ws.today) and ws.store.get("c2").is_buried(ws.today)
        await pilot.press("B")
        await pilot.pause()
        assert not ws.store.get("c1").is_buried(ws.today)
        await pilot.press("u", "u")
        await pilot.pause()
        assert not ws.store.get("c1").is_buried(ws.today) and ws.store.get("c2") is None
        kinds = [e.kind for e in ws.store.log() if e.grade is None]
        assert kinds == ["suspend"] * 2 + ["unsuspend"] * 2 + ["undo"] * 4 + ["bury"] * 2 + ["unbury"] * 2 + ["undo"] * 4
        # No marks: the card under the cursor.
        await pilot.press("V", "V")
        assert app.screen.marked == set()
        app.screen.query_one(ResultsTable).move_cursor(row=0)
        await pilot.press("s")
        await pilot.pause()
        assert ws.store.get("c1").suspended and ws.store.get("c3") is None


async def test_forget_asks_first_then_is_undone(decks, ws_factory, clock):
    ws = ws_factory(decks)
    studied(ws, clock, [5])
    before = ws.store.get("c1")
    app = app_for(ws)
    async with app.run_test(size=SIZE) as pilot:
        await to_picker(pilot)
        await open_browser(pilot, "id:c1")
        await pilot.press("f")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the confirmation")
        assert "Forget 1 card?" in screen_text(app)
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, BrowserScreen), "the browser")
        assert ws.store.get("c1") == before
        await pilot.press("f")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the confirmation")
        await pilot.press("y")
        await wait_until(pilot, lambda: isinstance(app.screen, BrowserScreen), "the browser")
        text = await shows(pilot, "forget")  # in the history
        assert ws.store.get("c1").is_new and ws.store.log()[-1].kind == "forget"
        assert "new" in text.split("Card one?")[1].splitlines()[0]
        await pilot.press("u")
        await pilot.pause()
        assert ws.store.get("c1") == before


async def test_study_these_studies_the_marked_cards_now(decks, ws_factory, clock):
    ws = ws_factory(decks)
    studied(ws, clock, [5])  # c1: not due for days
    app = app_for(ws)
    async with app.run_test(size=SIZE) as pilot:
        await to_picker(pilot)
        await open_browser(pilot, "id:c1 or id:o2")
        await pilot.press("V", "enter")
        await wait_until(pilot, lambda: isinstance(app.screen, StudyScreen), "the study screen")
        assert app.screen.session.keys == ("c1", "o2")
        assert current_key(app) == "c1"
        await pilot.press("space", "4")
        await pilot.pause()
        assert current_key(app) == "o2"
        assert ws.store.log()[-1].key == "c1" and ws.store.log()[-1].grade == 4
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, DeckPickerScreen), "the picker")
        assert len(app.screen_stack) == 2  # no browser or study screen left behind


async def test_study_these_of_suspended_cards_says_why_nothing_starts(decks, ws_factory):
    app = app_for(ws_factory(decks))
    async with app.run_test(size=SIZE) as pilot:
        await to_picker(pilot)
        await open_browser(pilot, "id:o1")
        await pilot.press("s")
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, BrowserScreen)


async def test_slash_from_study_then_act_on_the_current_card_and_come_back(decks, ws_factory):
    ws = ws_factory(decks)
    app = app_for(ws, deck="Five")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert current_key(app) == "c1"
        screen = await open_browser(pilot)
        assert screen.query_one("#query").value == 'deck:"Five"'
        assert screen.query_one(ResultsTable).current_key == "c1"  # the card being studied
        await pilot.press("s")
        await pilot.pause()
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, StudyScreen), "the study screen")
        await pilot.pause()
        assert current_key(app) == "c2"  # the suspended card left the session
        await pilot.press("space", "4")
        await pilot.pause()
        assert ws.store.log()[-1].key == "c2" and ws.store.log()[-1].grade == 4


async def test_study_these_from_study_replaces_that_session(decks, ws_factory):
    app = app_for(ws_factory(decks), deck="Five")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await open_browser(pilot, "id:o1")
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, StudyScreen), "the study screen")
        assert current_key(app) == "o1" and len(app.screen_stack) == 2
        await pilot.press("space", "4")
        await pilot.pause()
        await wait_until(pilot, lambda: type(app.screen).__name__ == "SummaryScreen", "the summary")


async def test_edit_from_the_browser_reloads_and_keeps_the_cursor(decks, ws_factory, tmp_path, monkeypatch):
    script, log = make_editor(tmp_path / "bin", "nano", "answer three", "answer THREE")
    monkeypatch.delenv("VISUAL", raising=False)
    monkeypatch.setenv("EDITOR", str(script))
    app = app_for(ws_factory(decks))
    async with app.run_test(size=SIZE) as pilot:
        await to_picker(pilot)
        screen = await open_browser(pilot, "deck:Five")
        screen.query_one(ResultsTable).move_cursor(row=2)
        await pilot.pause()
        await pilot.press("e")
        await wait_until(pilot, lambda: log.exists() and not screen.reloading, "the edit")
        await shows(pilot, "answer THREE")
        assert log.read_text(encoding="utf-8").splitlines()[0] == "+10"  # at the card's line
        assert screen.query_one(ResultsTable).current_key == "c3"


async def test_browser_actions_are_in_the_command_palette(decks, ws_factory):
    ws = ws_factory(decks)
    app = app_for(ws)
    async with app.run_test(size=SIZE) as pilot:
        await to_picker(pilot)
        screen = await open_browser(pilot, "id:o1")
        screen.query_one(ResultsTable).focus()
        for words, check in (
            ("browser suspend", lambda: ws.store.get("o1").suspended),
            ("browser undo", lambda: ws.store.get("o1") is None),
            ("sort by lapses", lambda: screen.sort == "lapses"),
        ):
            await palette_search(pilot, words)
            await wait_until(pilot, lambda w=words: all(part in _palette_top(app) for part in w.split()), f"{words!r} at the top of the palette")
            await pilot.press("enter")
            await wait_until(pilot, check, words)



async def test_i_in_study_shows_the_cards_history(decks, ws_factory, clock):
    ws = ws_factory(decks)
    app = app_for(ws, deck="Five")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("i")
        await wait_until(pilot, lambda: isinstance(app.screen, HistoryScreen), "the history")
        assert "No reviews yet." in screen_text(app)
        await pilot.press("i")  # i again closes it
        await wait_until(pilot, lambda: isinstance(app.screen, StudyScreen), "the study screen")
        await pilot.press("space")
        clock.advance(seconds=8)
        await pilot.press("1")  # c1 comes back later today
        await pilot.pause()
        for _ in range(3):
            await pilot.press("space", "4")
            await pilot.pause()
        await wait_until(pilot, lambda: current_key(app) == "c1", "c1 again")
        await pilot.press("i")
        await wait_until(pilot, lambda: isinstance(app.screen, HistoryScreen), "the history")
        await shows(pilot, "Card one?", "five.yaml:4", "2026-03-02 1 wrong     1d 1.96  8.0s", "1 grade · 1 below 3")
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, StudyScreen), "the study screen")


async def test_slash_from_the_picker_types_into_the_query(decks, ws_factory):
    """From the deck picker `/` is a search: letters go to the query box and never act on a card."""
    ws = ws_factory(decks)
    app = app_for(ws)
    async with app.run_test(size=SIZE) as pilot:
        await to_picker(pilot)
        screen = await open_browser(pilot)
        await wait_until(pilot, lambda: screen.query_one("#query").has_focus, "the query box focused")
        await pilot.press("s", "b", "f")
        await pilot.pause()
        assert screen.query_one("#query").value.endswith("sbf")  # the prefilled query was selected: replaced
        assert not [e for e in ws.store.log() if e.kind in ("suspend", "bury", "forget")]
