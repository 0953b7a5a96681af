"""The add form: n from the picker and the study screen, save, invalid input, bundled decks; its snapshot."""

from __future__ import annotations

from conftest import open_workspace, write_deck
from pyflash.core import CardDraft, Locations
from pyflash.ui.add import AddCardScreen, highlight_language, split_tags
from pyflash.ui.confirm import ConfirmScreen
from pyflash.ui.picker import DeckPickerScreen
from pyflash.ui.study import StudyScreen
from test_ui import SIZE, app_for, current_key

DECK = "# my deck\ndeck: Five\ncards:\n  - id: c1\n    q: Card one?\n    a: answer one\n  - id: c2\n    q: Card two?\n    a: two"


def five(tmp_path):
    return write_deck(tmp_path / "decks", "five.yaml", DECK)


async def type_into(pilot, selector: str, text: str) -> None:
    pilot.app.screen.query_one(selector).focus()
    await pilot.pause()
    await pilot.press(*text)


def form(app) -> AddCardScreen:
    assert isinstance(app.screen, AddCardScreen), type(app.screen)
    return app.screen


async def test_n_from_the_picker_saves_a_card_and_the_picker_counts_it(tmp_path, ws_factory):
    path = five(tmp_path)
    ws = ws_factory(path)
    app = app_for(ws)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, DeckPickerScreen)
        await pilot.press("n")
        await pilot.pause()
        screen = form(app)
        assert screen.query_one("#add-deck").value == "Five"  # the selected deck
        await type_into(pilot, "#add-q", "What is six times seven?")
        await type_into(pilot, "#add-a", "six")
        await type_into(pilot, "#add-tags", "num, small")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, DeckPickerScreen)
        assert app.screen._counts["Five"].total == 3
    text = path.read_text()
    assert text.startswith(DECK)
    assert text[len(DECK) :] == "\n  - id: six-times-seven\n    q: What is six times seven?\n    a: six\n    tags: [num, small]\n"
    assert [c.key for c in ws.cards] == ["c1", "c2", "six-times-seven"]


async def test_invalid_card_shows_the_loader_error_and_keeps_the_input(tmp_path, ws_factory):
    path = five(tmp_path)
    ws = ws_factory(path)
    app = app_for(ws)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("n")  # from the study screen: the card's deck
        await pilot.pause()
        screen = form(app)
        assert screen.query_one("#add-deck").value == "Five"
        await type_into(pilot, "#add-q", "No answer yet?")
        await type_into(pilot, "#add-code", "print(1)")
        await type_into(pilot, "#add-note", "a note")
        await pilot.press("ctrl+s")
        await pilot.pause()
        screen = form(app)
        error = str(screen.query_one("#add-error").render())
        assert "five.yaml:10:5: card 3: needs an answer" in error
        assert screen.query_one("#add-error").display
        assert screen.query_one("#add-q").text == "No answer yet?"
        assert screen.query_one("#add-code").text == "print(1)"
        assert screen.query_one("#add-note").value == "a note"
        assert path.read_text() == DECK
        # Fixing it saves it, and the study screen goes on with the same card.
        await type_into(pilot, "#add-output", "1")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, StudyScreen)
        assert current_key(app) == "c1"
    assert "    code: print(1)\n    output: '1'\n    note: a note\n" in path.read_text()


async def test_escape_leaves_without_writing(tmp_path, ws_factory):
    path = five(tmp_path)
    app = app_for(ws_factory(path))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("n")
        await pilot.pause()
        await type_into(pilot, "#add-q", "Never saved?")
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, StudyScreen)
    assert path.read_text() == DECK


async def test_bundled_deck_is_refused_until_the_copy_is_accepted(tmp_path, clock):
    bundled = write_deck(tmp_path / "bundled", "five.yaml", DECK)
    user = tmp_path / "user"
    loc = Locations(tmp_path / "s.sqlite3", tmp_path / "c.toml", (("bundled", bundled.parent), ("user", user)))
    ws = open_workspace(None, locations=loc, clock=clock, zone=clock.zone)
    try:
        app = app_for(ws)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            await pilot.press("n")
            await pilot.pause()
            await type_into(pilot, "#add-q", "Bundled?")
            await type_into(pilot, "#add-a", "yes")
            await pilot.press("ctrl+s")
            await pilot.pause()
            assert isinstance(app.screen, ConfirmScreen)
            await pilot.press("escape")
            await pilot.pause()
            screen = form(app)
            assert "is bundled with pyflash" in str(screen.query_one("#add-error").render())
            assert screen.query_one("#add-q").text == "Bundled?"
            assert not user.exists()
            await pilot.press("ctrl+s")
            await pilot.pause()
            await pilot.press("y")
            await pilot.pause()
            assert isinstance(app.screen, StudyScreen)
        copy = user / "five.yaml"
        assert bundled.read_text() == DECK
        assert copy.read_text() == DECK + "\n  - id: bundled\n    q: Bundled?\n    a: 'yes'\n"
        assert ws.result.overridden_decks() == {"Five"}
        assert "bundled" in ws.result.all_keys
    finally:
        ws.close()


async def test_the_form_alone_exits_with_what_it_saved(tmp_path, ws_factory):
    path = five(tmp_path)
    app = app_for(ws_factory(path), add_draft=CardDraft("five", "Given on the command line?", lang="python"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = form(app)
        assert screen.query_one("#add-code").language == "python"
        await type_into(pilot, "#add-a", "yes")
        await pilot.press("ctrl+s")
        await pilot.pause()
    assert app.added is not None and app.added.card_id == "given-command-line" and app.added.path == path
    assert "    q: Given on the command line?\n    lang: python\n    a: 'yes'\n" in path.read_text()


async def test_picking_a_deck_and_a_language(tmp_path, ws_factory):
    path = five(tmp_path)
    write_deck(tmp_path / "decks", "other.yaml", "deck: Other\ncards:\n  - q: x?\n    a: y\n")
    app = app_for(ws_factory(path.parent))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("n")
        await pilot.pause()
        screen = form(app)
        screen.query_one("#add-deck-list").value = "Other"
        await pilot.pause()
        assert screen.query_one("#add-deck").value == "Other"
        await type_into(pilot, "#add-lang", "sh")
        await pilot.pause()
        assert screen.query_one("#add-code").language == "bash"


def test_helpers():
    assert split_tags("python, io  basics") == ("python", "io", "basics")
    assert highlight_language("Py", {"python"}) == "python"
    assert highlight_language("cobol", {"python"}) is None


def test_form_snapshot(snap_compare, tmp_path, clock):
    path = five(tmp_path)
    ws = open_workspace([str(path)], clock=clock, zone=clock.zone)
    draft = CardDraft(
        "Five", "What does this print?", code='def f(x):\n    return x * 2\n\nprint(f("ab"))\n', lang="python",
        output="abab", tags=("python", "strings"),
    )
    try:
        app = app_for(ws, add_draft=draft)
        assert snap_compare(app, terminal_size=SIZE)
    finally:
        ws.close()
