"""The study screen's ``e`` on a bundled card, and on a file with another broken card (issue 11)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from conftest import open_workspace, write_deck
from pyflash.core.locations import Locations
from pyflash.ui.confirm import ConfirmScreen
from pyflash.ui.study import StudyScreen
from test_ui import SIZE, app_for, current_key, make_editor, question_source, wait_until

BUNDLED = """\
deck: Py::Basics
cards:
  - id: len-empty
    q: What does len([]) return?
    a: "0"
  - id: none
    q: What is None?
    a: the null object
"""


@pytest.fixture
def folders(tmp_path, pyflash_home) -> tuple[Path, Path, Locations]:
    bundled, user = tmp_path / "site-packages" / "pyflash" / "decks", pyflash_home / "data" / "decks"
    write_deck(bundled, "basics.yaml", BUNDLED)
    write_deck(bundled, "extra.yaml", "deck: Py::Basics\ncards:\n  - id: more\n    q: more?\n    a: m\n")
    where = Locations(
        store=pyflash_home / "data" / "reviews.sqlite3",
        config=pyflash_home / "config" / "config.toml",
        deck_sources=(("bundled", bundled), ("user", user)),
    )
    return bundled, user, where


@pytest.fixture
def editor(tmp_path, monkeypatch) -> Path:
    script, log = make_editor(tmp_path / "bin", "nano", "the null object", "the only NoneType value")
    monkeypatch.delenv("VISUAL", raising=False)
    monkeypatch.setenv("EDITOR", str(script))
    return log


async def test_e_on_a_bundled_card_copies_the_deck_and_edits_the_copy(folders, editor, clock):
    bundled, user, where = folders
    originals = {p.name: p.read_bytes() for p in bundled.iterdir()}
    with open_workspace(None, locations=where, clock=clock, zone=clock.zone) as ws:
        session = ws.session()
        session.reveal()
        session.grade(5)  # len-empty has history
        before = ws.store.get("len-empty")
    ws = open_workspace(None, locations=where, clock=clock, zone=clock.zone)
    app = app_for(ws)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            await wait_until(pilot, lambda: isinstance(app.screen, StudyScreen), "the study screen")
            assert current_key(app) == "none"
            await pilot.press("e")
            await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the copy offer")
            assert not editor.exists()  # nothing opened yet
            await pilot.press("y")
            await wait_until(
                pilot,
                lambda: isinstance(app.screen, StudyScreen) and editor.exists() and not app.screen.reloading,
                "the edit and the reload",
            )
            copy = user / "basics.yaml"
            # Both files of the deck were copied; the editor opened the copy, never the package's file.
            assert sorted(p.name for p in user.iterdir()) == ["basics.yaml", "extra.yaml"]
            assert editor.read_text(encoding="utf-8").splitlines() == ["+6", str(copy)]  # at the card's line
            assert "the only NoneType value" in copy.read_text(encoding="utf-8")
            assert {p.name: p.read_bytes() for p in bundled.iterdir()} == originals
            # The session now shows the copy; the bundled deck is overridden.
            assert app.screen.session.current.path == str(copy)
            assert current_key(app) == "none"
            assert ws.result.overridden_decks() == {"Py::Basics"}
            assert ws.result.errors == []
            assert {c.path for c in ws.cards} == {str(copy), str(user / "extra.yaml")}
        assert ws.store.get("len-empty") == before  # the history carries over (same ids)
    finally:
        ws.close()


async def test_declining_the_copy_writes_nothing(folders, editor, clock):
    bundled, user, where = folders
    ws = open_workspace(None, locations=where, clock=clock, zone=clock.zone)
    app = app_for(ws)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await wait_until(pilot, lambda: isinstance(app.screen, StudyScreen), "the study screen")
            await pilot.press("e")
            await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the copy offer")
            await pilot.press("escape")  # the confirm dialog: enter copies, esc cancels
            await wait_until(pilot, lambda: isinstance(app.screen, StudyScreen), "back to the card")
            await pilot.pause()
            assert not user.exists() or list(user.iterdir()) == []
            assert not editor.exists()  # the editor never ran
            assert "the null object" in (bundled / "basics.yaml").read_text(encoding="utf-8")
            assert current_key(app) == "len-empty"
    finally:
        ws.close()


async def test_an_edit_is_picked_up_while_another_card_of_the_file_is_broken(tmp_path, clock, monkeypatch):
    deck = write_deck(
        tmp_path / "decks",
        "d.yaml",
        "deck: D\ncards:\n  - q: What does list.append return?\n    a: None\n  - q: fine\n    a: yes\n",
    )
    with open_workspace([str(deck)], clock=clock, zone=clock.zone) as ws:
        session = ws.session()
        session.reveal()
        session.grade(5)
        old_key = ws.cards[0].key
        before = ws.store.get(old_key)
    clock.advance(days=1)
    # The editor fixes the question and, in the same save, breaks the other card.
    script, _ = make_editor(tmp_path / "bin", "nano", "list.append return?", "list.append() return?")
    text = deck.read_text(encoding="utf-8").replace("    a: yes\n", "")  # card 2 loses its answer
    deck.write_text(text, encoding="utf-8")
    monkeypatch.delenv("VISUAL", raising=False)
    monkeypatch.setenv("EDITOR", str(script))
    # (card 2 is broken before the study starts too: its error must not block card 1's edit)
    ws = open_workspace([str(deck)], clock=clock, zone=clock.zone)
    app = app_for(ws)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await wait_until(pilot, lambda: isinstance(app.screen, StudyScreen), "the study screen")
            assert current_key(app) == old_key
            await pilot.press("e")
            await wait_until(pilot, lambda: not app.screen.reloading and "append()" in question_source(app), "the edit")
            card = app.screen.session.current
            assert card.q == "What does list.append() return?" and card.key != old_key
            assert ws.result.errors and all(e.path == str(deck) for e in ws.result.errors)
            after = ws.store.get(card.key)
            assert (after.due_day, after.interval, after.easiness) == (before.due_day, before.interval, before.easiness)
            assert os.path.exists(deck)
    finally:
        ws.close()
