"""Pilot tests of the study TUI (``App.run_test``): it drives the core, never schedules."""

from __future__ import annotations

import gc
import os
import shutil
import stat
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest
from rich.cells import cell_len

from conftest import ROOT, write_deck
from pyflash.core.clock import local_day
from pyflash.core.decks.loader import parse_deck_file
from pyflash.core.review.session import REQUEUE_GAP
from pyflash.core.workspace import Workspace
from pyflash.ui.app import PyflashApp, make_app
from pyflash.ui.confirm import ConfirmScreen
from pyflash.ui.help import HelpScreen, key_name
from pyflash.ui.keybar import KeyBar
from pyflash.ui.no_decks import NoDecksScreen
from pyflash.ui.nothing_due import NothingDueScreen
from pyflash.ui.picker import DeckPickerScreen
from pyflash.ui.study import StudyScreen
from pyflash.ui.summary import SummaryScreen
from pyflash.ui.text import EXAMPLE_DECK

SIZE = (80, 24)

FIVE = """\
deck: Five
lang: python
cards:
  - id: c1
    q: Card one?
    a: answer one
  - id: c2
    q: Card two?
    a: answer two
  - id: c3
    q: Card three?
    a: answer three
  - id: c4
    q: Card four?
    a: answer four
  - id: c5
    q: Card five?
    a: answer five
"""


@pytest.fixture
def five(tmp_path) -> Path:
    return write_deck(tmp_path / "decks", "five.yaml", FIVE)


def app_for(ws, **kw) -> PyflashApp:
    # The CLI passes its environment ($EDITOR); the tests pass theirs (monkeypatched).
    kw.setdefault("environ", os.environ)
    return make_app(ws, theme="textual-dark", animations=False, **kw)


def screen_text(app) -> str:
    """What the terminal shows right now, one line per row."""
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


def flat_text(app) -> str:
    """The screen's text with wrapped lines joined (for long paths)."""
    return "".join(line.strip() for line in screen_text(app).splitlines())


def current_key(app) -> str | None:
    screen = app.screen
    assert isinstance(screen, StudyScreen), type(screen)
    card = screen.session.current
    return card.key if card else None


def question_source(app) -> str:
    return app.screen.query_one("#question").source


def grades_in_log(ws) -> list[tuple[str, int]]:
    return [(e.key, e.grade) for e in ws.store.log() if e.grade is not None]  # not undo, bury, suspend


async def wait_until(pilot, condition, what: str, timeout: float = 10.0) -> None:
    """Wait (bounded) until ``condition()`` holds: workers finish, then their messages are handled."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()


async def reloaded(pilot) -> None:
    """Wait until the screen's deck reload (picker ``r``, study ``e``) has been applied or has failed."""
    await wait_until(pilot, lambda: not pilot.app.screen.reloading, "the deck reload")


# -- reveal, grade, next ------------------------------------------------------


async def test_reveal_grade_next_card(five, ws_factory, clock):
    ws = ws_factory(five)
    app = app_for(ws)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert current_key(app) == "c1"
        assert "Card one?" in question_source(app)
        assert "Card one?" in screen_text(app)
        assert "answer one" not in screen_text(app)
        # Grade keys are inert until the answer is shown.
        await pilot.press("4")
        await pilot.pause()
        assert current_key(app) == "c1"
        assert ws.store.log() == []
        assert not app.screen.check_action("grade", (4,))

        clock.advance(seconds=7)  # time before reveal is not answer time
        await pilot.press("space")
        await pilot.pause()
        text = screen_text(app)
        assert "answer one" in text
        # The grade bar, from the core's previews: "4 good   in 1d" for a new card;
        # 0-3 bring it back later today, then it is due in a day.
        assert "4 good   in 1d" in text
        assert "0 again  again today, 1d" in text
        assert "5 easy   in 1d" in text
        clock.advance(seconds=3)
        await pilot.press("4")
        await pilot.pause()
        assert current_key(app) == "c2"
        assert "Card two?" in screen_text(app)
        assert "answer two" not in screen_text(app)
        log = ws.store.log()
        assert [(e.key, e.grade, e.kind) for e in log] == [("c1", 4, "review")]
        assert log[0].answer_ms == 3000  # from reveal to grade
        # Enter reveals too.
        await pilot.press("enter")
        await pilot.pause()
        assert "answer two" in screen_text(app)
        await pilot.press("5")
        await pilot.pause()
        assert current_key(app) == "c3"
    assert grades_in_log(ws) == [("c1", 4), ("c2", 5)]


async def test_resume_gc_turns_the_collector_back_on_after_the_first_paint(five, ws_factory):
    # `pyflash study` turns the cyclic GC off while it starts; the app freezes what
    # was built so far and turns GC back on once the first card is painted.
    ws = ws_factory(five)
    gc.disable()
    try:
        app = app_for(ws, resume_gc=True)
        assert gc.get_freeze_count() > 0
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            assert "Card one?" in screen_text(app)
            assert gc.isenabled()
    finally:
        gc.unfreeze()
        gc.enable()


async def test_header_counts_and_progress(five, ws_factory):
    ws = ws_factory(five)
    app = app_for(ws)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert "5 new  0 relearn  0 review" in screen_text(app)
        assert "0/5" in screen_text(app)
        await pilot.press("space", "5")
        await pilot.pause()
        assert "4 new  0 relearn  0 review" in screen_text(app)
        assert "1/5" in screen_text(app)
        bar = app.screen.query_one("#progress")
        assert (bar.progress, bar.total) == (1, 5)


async def test_same_day_requeue(five, ws_factory):
    ws = ws_factory(five)
    app = app_for(ws)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("space", "1")  # below 4: back later today
        await pilot.pause()
        seen = [current_key(app)]
        assert seen[0] != "c1"  # not immediately next
        assert "1 relearn" in screen_text(app)
        for _ in range(REQUEUE_GAP):
            await pilot.press("space", "4")
            await pilot.pause()
            seen.append(current_key(app))
        assert seen == ["c2", "c3", "c4", "c1"]
        assert app.screen.session.current_kind == "relearn"
        await pilot.press("space", "4")
        await pilot.pause()
        assert current_key(app) == "c5"
    kinds = [(e.key, e.grade, e.kind) for e in ws.store.log()]
    assert kinds[0] == ("c1", 1, "review") and kinds[-1] == ("c1", 4, "repeat")


async def test_undo_restores_state_and_shows_card_again(five, ws_factory):
    ws = ws_factory(five)
    app = app_for(ws)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert app.screen.check_action("undo", ()) is None  # shown, disabled
        await pilot.press("space", "5", "space", "3")
        await pilot.pause()
        assert current_key(app) == "c3"
        assert ws.store.get("c2") is not None
        await pilot.press("u")
        await pilot.pause()
        assert current_key(app) == "c2"
        assert not app.screen.session.revealed
        assert "answer two" not in screen_text(app)
        assert ws.store.get("c2") is None  # back to new, as before the grade
        await pilot.press("ctrl+z")
        await pilot.pause()
        assert current_key(app) == "c1"
        assert ws.store.get("c1") is None
        await pilot.press("u")  # nothing left: a note, no crash
        await pilot.pause()
        assert current_key(app) == "c1"
    kinds = [e.kind for e in ws.store.log()]
    assert kinds == ["review", "review", "undo", "undo"]


async def test_bury(five, ws_factory):
    ws = ws_factory(five)
    app = app_for(ws)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("b")
        await pilot.pause()
        assert current_key(app) == "c2"
        assert ws.store.get("c1").buried_until == ws.today + 1
        assert "c1" not in [i.card.key for i in app.screen.session.queue]


async def test_suspend_asks_then_unsuspend_from_picker(five, ws_factory):
    ws = ws_factory(five)
    app = app_for(ws)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("s")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        assert "Suspend this card?" in screen_text(app)
        await pilot.press("n")  # not "no": n means "add a card" (one key, one meaning)
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert current_key(app) == "c1"
        assert ws.store.get("c1") is None
        await pilot.press("s")
        await pilot.pause()
        await pilot.press("escape")  # escape cancels too
        await pilot.pause()
        assert current_key(app) == "c1"
        await pilot.press("s")
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
        assert current_key(app) == "c2"
        assert ws.store.get("c1").suspended
        # The deck picker counts it, and S unsuspends the deck's cards, after asking.
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, DeckPickerScreen)
        table = app.screen.query_one("#decks")
        assert [str(c).strip() for c in table.get_row("Five")[1:]] == ["4", "0", "4", "5", "1"]
        await pilot.press("S")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        assert "Unsuspend 1 card?" in screen_text(app)
        await pilot.press("escape")
        await pilot.pause()
        assert ws.store.get("c1").suspended
        await pilot.press("S")
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
        assert isinstance(app.screen, DeckPickerScreen)
        assert not ws.store.get("c1").suspended
        assert [str(c).strip() for c in table.get_row("Five")[1:]] == ["5", "0", "5", "5", "0"]


# -- the e key ----------------------------------------------------------------

EDITOR_SCRIPT = """\
#!{python}
import pathlib, sys
args = sys.argv[1:]
pathlib.Path({log!r}).write_text("\\n".join(args), encoding="utf-8")
path = pathlib.Path(args[-1])
text = path.read_text(encoding="utf-8")
path.write_text(text.replace({old!r}, {new!r}), encoding="utf-8")
"""


def make_editor(directory: Path, name: str, old: str, new: str) -> tuple[Path, Path]:
    directory.mkdir(parents=True, exist_ok=True)
    log = directory / f"{name}.args"
    script = directory / name
    script.write_text(
        EDITOR_SCRIPT.format(python=sys.executable, log=str(log), old=old, new=new), encoding="utf-8"
    )
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return script, log


async def test_edit_key_opens_editor_at_line_and_keeps_history(tmp_path, ws_factory, clock, monkeypatch):
    deck = write_deck(
        tmp_path / "decks",
        "edit.yaml",
        textwrap.dedent(
            """\
            deck: Edit
            cards:
              - q: What is the capital of France?
                a: Paris
              - q: Second card?
                a: two
            """
        ),
    )
    # Day 1: learn the first card (it has no id: its key comes from q).
    ws = ws_factory(deck)
    first = ws.cards[0]
    session = ws.session()
    session.reveal()
    session.grade(5)
    before = ws.store.get(first.key)
    ws.close()
    clock.advance(days=1)

    # Day 2: it is due; edit its question with `e` (a small fix keeps its history).
    editor, args_log = make_editor(tmp_path / "bin", "vim", "capital of France", "capital city of France")
    monkeypatch.delenv("VISUAL", raising=False)
    monkeypatch.setenv("EDITOR", str(editor))
    ws = ws_factory(deck)
    app = app_for(ws)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert current_key(app) == first.key
        await pilot.press("e")
        await reloaded(pilot)
        # vim-style editors get +LINE: the card's line in the file.
        assert args_log.read_text(encoding="utf-8").splitlines() == [f"+{first.line}", str(deck)]
        assert "capital city of France" in deck.read_text(encoding="utf-8")
        card = app.screen.session.current
        assert card.q == "What is the capital city of France?"
        assert card.key != first.key
        assert "capital city of France" in question_source(app)
        # History came along to the edited card (relinked by the core).
        after = ws.store.get(card.key)
        assert ws.store.get(first.key) is None
        assert (after.due_day, after.interval, after.easiness) == (
            before.due_day,
            before.interval,
            before.easiness,
        )
        assert app.screen.session.current_kind == "review"
        await pilot.press("space", "4")
        await pilot.pause()
    assert ws.store.log()[-1].key == card.key


async def test_edit_that_breaks_the_file_keeps_the_card(five, ws_factory, tmp_path, monkeypatch):
    editor, args_log = make_editor(tmp_path / "bin", "my-editor", "  - id: c1\n", "  - id: c1\n\t")
    monkeypatch.delenv("VISUAL", raising=False)
    monkeypatch.setenv("EDITOR", str(editor))
    ws = ws_factory(five)
    app = app_for(ws)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("e")
        await reloaded(pilot)
        # An unknown editor gets just the file.
        assert args_log.read_text(encoding="utf-8").splitlines() == [str(five)]
        assert ws.result.errors  # the reload saw the broken file
        assert current_key(app) == "c1"  # the card stays, with its old text
        assert "Card one?" in question_source(app)
        await pilot.press("space", "4")
        await pilot.pause()
        assert current_key(app) == "c2"
    assert grades_in_log(ws) == [("c1", 4)]


async def test_edit_new_card_shows_edited_text(five, ws_factory, tmp_path, monkeypatch):
    editor, _ = make_editor(tmp_path / "bin", "nano", "answer one", "answer one, edited")
    monkeypatch.delenv("VISUAL", raising=False)
    monkeypatch.setenv("EDITOR", str(editor))
    ws = ws_factory(five)
    app = app_for(ws)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("space", "e")
        await reloaded(pilot)
        assert current_key(app) == "c1"
        assert "answer one, edited" in screen_text(app)


async def test_edit_then_the_deck_folder_is_gone_shows_the_error(five, ws_factory, tmp_path, monkeypatch):
    """The editor deletes the deck folder given as PATH: the reload fails, the card stays."""
    editor = tmp_path / "bin" / "remover"
    editor.parent.mkdir()
    editor.write_text(
        f"#!{sys.executable}\nimport shutil, sys, pathlib\nshutil.rmtree(pathlib.Path(sys.argv[-1]).parent)\n",
        encoding="utf-8",
    )
    editor.chmod(editor.stat().st_mode | stat.S_IXUSR)
    monkeypatch.delenv("VISUAL", raising=False)
    monkeypatch.setenv("EDITOR", str(editor))
    threads = record_reload_threads(monkeypatch)
    ws = ws_factory(five.parent)
    app = app_for(ws)
    async with app.run_test(size=(120, 30), notifications=True) as pilot:
        await pilot.pause()
        await pilot.press("e")
        await reloaded(pilot)
        assert not five.parent.exists()
        await wait_until(pilot, lambda: "Reload failed" in flat_text(app), "the error to show")
        assert "nosuchfileordirectory" in "".join(flat_text(app).replace("▌", "").split())  # wrapped in a toast
        assert threads and threading.get_ident() not in threads
        assert current_key(app) == "c1" and "Card one?" in question_source(app)
        await pilot.press("space", "4")
        await pilot.pause()
        assert current_key(app) == "c2"
    assert grades_in_log(ws) == [("c1", 4)]


# -- deck picker --------------------------------------------------------------

NESTED = {
    "basics.yaml": """\
deck: Python::基础语法
cards:
  - {q: 装饰器是什么？, a: 高阶函数}
  - {q: "`zip` 长度不同？", a: 以最短为准}
  - {q: 三?, a: 三}
""",
    "numpy.yaml": """\
deck: Python::NumPy
cards:
  - {q: np one?, a: "1"}
  - {q: np two?, a: "2"}
""",
    "top.yaml": """\
deck: Python
cards:
  - {q: top?, a: top}
""",
    "misc.yaml": """\
deck: Misc
cards:
  - {q: misc?, a: misc}
""",
}


def write_nested(root: Path) -> Path:
    for name, body in NESTED.items():
        write_deck(root, name, body)
    return root


def row_counts(table, key: str) -> list[str]:
    """New (today's limits), Due, Unseen, Total, Susp."""
    return [str(c).strip() for c in table.get_row(key)[1:]]


async def test_deck_picker_counts_tree_and_wide_chars(tmp_path, ws_factory):
    root = write_nested(tmp_path / "decks")
    ws = ws_factory(root)
    app = app_for(ws)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        # Study all: grade two cards of Python::NumPy... the first cards come in file order.
        assert isinstance(app.screen, StudyScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, DeckPickerScreen)
        table = app.screen.query_one("#decks")
        assert [k.value for k in table.rows] == ["Misc", "Python", "Python::NumPy", "Python::基础语法"]
        assert row_counts(table, "Python") == ["6", "0", "6", "6", "0"]
        assert row_counts(table, "Python::基础语法") == ["3", "0", "3", "3", "0"]
        assert row_counts(table, "Misc") == ["1", "0", "1", "1", "0"]
        lines = screen_text(app).splitlines()
        rows = {name: next(ln for ln in lines if label in ln) for name, label in (
            ("Misc", " Misc "), ("numpy", "├─ NumPy"), ("zh", "└─ 基础语法"), ("Deck", " Deck "))}
        # Wide characters line up: every count column ends at the same cell.
        def end_of_new(line: str) -> int:
            head = line.rstrip()
            parts = head.split()
            idx = head.index(" " + parts[-5] + " ") + 1 + len(parts[-5])
            return cell_len(head[:idx])
        assert len({end_of_new(r) for r in rows.values()}) == 1, rows
        # Enter studies the selected deck and its subdecks.
        await pilot.press("down", "down")  # Python::NumPy
        await pilot.pause()
        assert app.screen.selected == "Python::NumPy"
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, StudyScreen)
        assert app.screen.session.deck == "Python::NumPy"
        await pilot.press("space", "5", "space", "1")
        await pilot.pause()
        await pilot.press("q")  # back to the picker, counts refreshed
        await pilot.pause()
        assert isinstance(app.screen, DeckPickerScreen)
        table = app.screen.query_one("#decks")
        assert row_counts(table, "Python::NumPy") == ["0", "0", "0", "2", "0"]
        assert row_counts(table, "Python") == ["4", "0", "4", "6", "0"]
        # a studies all decks.
        await pilot.press("a")
        await pilot.pause()
        assert isinstance(app.screen, StudyScreen) and app.screen.session.deck is None
        await pilot.press("escape", "escape")  # back, then quit
        await pilot.pause()
    assert app.return_code == 0 and not app.is_running


async def test_broken_deck_is_listed_next_to_good_ones(tmp_path, ws_factory):
    root = tmp_path / "decks"
    write_deck(root, "good.yaml", "deck: Good\ncards:\n  - {q: good?, a: yes}\n")
    bad = write_deck(root, "bad.yaml", "deck: Bad\ncards:\n  - q: no answer here\n  - {q: fine?, a: ok}\n")
    broken = write_deck(root, "worse.yaml", "deck: Worse\ncards:\n  - q: [unclosed\n")
    ws = ws_factory(root)
    assert ws.result.errors
    app = app_for(ws)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        # The good cards still load and can be studied.
        assert isinstance(app.screen, StudyScreen)
        assert {c.deck for c in app.screen.session.cards} == {"Good", "Bad"}
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, DeckPickerScreen)
        text = flat_text(app)
        for err in ws.result.errors:
            assert f"{err.path}:{err.line}:{err.col}:" in text
        assert f"{bad}:3:5:" in text
        assert str(broken) in text
        table = app.screen.query_one("#decks")
        assert "✗" in str(table.get_row("Bad")[0])
        assert "✗" not in str(table.get_row("Good")[0])
        assert row_counts(table, "Good") == ["1", "0", "1", "1", "0"]
        assert row_counts(table, "Bad") == ["1", "0", "1", "1", "0"]


async def test_only_broken_decks_open_the_picker(tmp_path, ws_factory):
    root = tmp_path / "decks"
    bad = write_deck(root, "bad.yaml", "deck: Bad\ncards:\n  - q: no answer\n")
    ws = ws_factory(root)
    app = app_for(ws)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, DeckPickerScreen)
        assert f"{bad}:3:5:" in flat_text(app)
        await pilot.press("enter")  # a deck with no cards: a note, no session
        await pilot.pause()
        assert isinstance(app.screen, DeckPickerScreen)


def record_reload_threads(monkeypatch) -> list[int]:
    """Thread ids that read the deck files for a reload (the picker's r, the study screen's e)."""
    threads: list[int] = []
    load = Workspace.read_decks

    def recording(*args, **kw):
        threads.append(threading.get_ident())
        return load(*args, **kw)

    monkeypatch.setattr(Workspace, "read_decks", recording)
    return threads


async def test_picker_reload_after_the_deck_folder_was_deleted(five, ws_factory, monkeypatch):
    threads = record_reload_threads(monkeypatch)
    ws = ws_factory(five.parent)  # `pyflash study DIR`
    app = app_for(ws)
    async with app.run_test(size=(120, 30), notifications=True) as pilot:
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, DeckPickerScreen)
        shutil.rmtree(five.parent)
        await pilot.press("r")
        await reloaded(pilot)
        # The error is shown, the app is still up, and the decks stay as they were.
        await wait_until(pilot, lambda: "Reload failed" in flat_text(app), "the error to show")
        toast = "".join(flat_text(app).replace("▌", "").split())  # the toast wraps the long path
        assert "".join(f"{five.parent}: no such file or directory".split()) in toast
        assert app.is_running and isinstance(app.screen, DeckPickerScreen)
        assert row_counts(app.screen.query_one("#decks"), "Five") == ["5", "0", "5", "5", "0"]
        assert threads and threading.get_ident() not in threads  # read in a worker thread
        await pilot.press("q")
        await wait_until(pilot, lambda: app.return_code is not None, "the app to exit")
    assert app.return_code == 0


async def test_picker_reload_picks_up_a_new_card(five, ws_factory, monkeypatch):
    threads = record_reload_threads(monkeypatch)
    ws = ws_factory(five.parent)
    app = app_for(ws)
    async with app.run_test(size=(120, 30), notifications=True) as pilot:
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        table = app.screen.query_one("#decks")
        assert row_counts(table, "Five") == ["5", "0", "5", "5", "0"]
        with five.open("a", encoding="utf-8") as fh:
            fh.write("  - id: c6\n    q: Card six?\n    a: answer six\n")
        await pilot.press("r")
        await reloaded(pilot)
        assert row_counts(table, "Five") == ["6", "0", "6", "6", "0"]
        await wait_until(pilot, lambda: "Decks reloaded." in flat_text(app), "the reload note")
        assert threads and threading.get_ident() not in threads
        # The new card is studied like the others.
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, StudyScreen)
        assert "c6" in [c.key for c in ws.cards]
        assert app.screen.session.counts().new == 6


# -- empty states ---------------------------------------------------------------


async def test_no_decks_screen(tmp_path, ws_factory):
    empty = tmp_path / "nothing-here"
    empty.mkdir()
    ws = ws_factory(empty)
    app = app_for(ws)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, NoDecksScreen)
        text = screen_text(app)
        assert "No decks found" in text
        assert str(empty) in text  # where pyflash looked
        for line in EXAMPLE_DECK.splitlines():
            assert line in text
        await pilot.press("q")
        await pilot.pause()
    assert not app.is_running


def test_no_decks_example_is_a_valid_three_line_deck(tmp_path):
    assert len(EXAMPLE_DECK.splitlines()) == 3
    path = write_deck(tmp_path, "python.yaml", EXAMPLE_DECK)
    parsed = parse_deck_file(path)
    assert parsed.errors == []
    assert [(c.deck, c.a) for c in parsed.cards] == [("Python", "`5`")]


async def test_nothing_due_offers_cram_and_more_new(five, ws_factory, clock):
    ws = ws_factory(five)
    app = app_for(ws, new=2)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("space", "5", "space", "4")
        await pilot.pause()
        assert isinstance(app.screen, SummaryScreen)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, DeckPickerScreen)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, NothingDueScreen)
        text = screen_text(app)
        assert "Nothing due in Five" in text
        assert "Next card due  tomorrow · Tue 3 Mar 2026" in text
        assert "3 new cards beyond today's limits" in text
        assert "Study 2 more new cards today" in text
        assert "Cram" in text
        # N: new cards beyond the limit (here 2 more: the --new limit).
        await pilot.press("N")
        await pilot.pause()
        assert isinstance(app.screen, StudyScreen)
        assert [i.card.key for i in app.screen.session.queue] == ["c3", "c4"]
        await pilot.press("escape", "enter")
        await pilot.pause()
        assert isinstance(app.screen, NothingDueScreen)
        # c: cram, which never writes to the store.
        await pilot.press("c")
        await pilot.pause()
        assert isinstance(app.screen, StudyScreen)
        assert app.screen.session.cram
        assert "cram" in screen_text(app)
        n_log = len(ws.store.log())
        await pilot.press("space", "0", "space", "5")
        await pilot.pause()
        assert len(ws.store.log()) == n_log


async def test_restart_same_day_continues(five, ws_factory):
    ws = ws_factory(five)
    app = app_for(ws, new=2)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("space", "5")
        await pilot.pause()
    ws.close()
    ws = ws_factory(five)
    app = app_for(ws, new=2)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert [i.card.key for i in app.screen.session.queue] == ["c2"]  # not a second day's worth
        await pilot.press("space", "5")
        await pilot.pause()
        assert isinstance(app.screen, SummaryScreen)
    ws.close()
    ws = ws_factory(five)
    app = app_for(ws, new=2)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, NothingDueScreen)


# -- summary --------------------------------------------------------------------


async def test_summary_figures(five, ws_factory, clock):
    ws = ws_factory(five)
    app = app_for(ws, new=2)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        for key, seconds in (("1", 20), ("5", 15), ("4", 30)):  # c1 fails, c2, c1 again
            await pilot.press("space")
            clock.advance(seconds=seconds)
            await pilot.press(key)
            await pilot.pause()
        assert isinstance(app.screen, SummaryScreen)
        s = app.screen.session.summary()
        assert (s.reviewed, s.cards, s.relearned, s.grades) == (3, 2, 1, {1: 1, 4: 1, 5: 1})
        text = screen_text(app)
        assert "Reviewed       3 grades on 2 cards" in text
        assert "Time           1 min 05 s" in text
        assert "Relearned      1 card came back for relearning" in text
        assert "Next card due  tomorrow · Tue 3 Mar 2026" in text
        grade_lines = {ln.split("·")[0].strip(): ln for ln in text.splitlines() if " · " in ln and "again" in ln or "wrong" in ln or "good" in ln or "easy" in ln or "hard" in ln or "almost" in ln}
        assert grade_lines["1"].rstrip().endswith(" 1")
        assert grade_lines["5"].rstrip().endswith(" 1")
        assert grade_lines["0"].rstrip().endswith(" 0")
        # u on the summary undoes the last grade and shows that card again.
        await pilot.press("u")
        await pilot.pause()
        assert isinstance(app.screen, StudyScreen)
        assert current_key(app) == "c1"
        await pilot.press("space", "5")
        await pilot.pause()
        assert isinstance(app.screen, SummaryScreen)


# -- help, footer, command palette -------------------------------------------


async def test_help_lists_every_key(five, ws_factory):
    from textual.binding import Binding

    from pyflash.ui.browser import BrowserScreen
    from pyflash.ui.picker import DeckPickerScreen as Picker

    ws = ws_factory(five)
    app = app_for(ws)
    async with app.run_test(size=(100, 60)) as pilot:
        await pilot.pause()
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        text = app.screen.query_one("#help-text").render().plain
        for cls in (StudyScreen, Picker, BrowserScreen, SummaryScreen, NothingDueScreen, NoDecksScreen, ConfirmScreen):
            if cls is ConfirmScreen:
                continue
            seen = set()
            for b in Binding.make_bindings(cls.BINDINGS):
                assert key_name(b) in text, b
                first = b.action not in seen
                seen.add(b.action)
                if not first:
                    continue  # the action's row is described by its first binding
                if b.group is not None:  # the grades share one row: "0 1 2 3 4 5  Grade the card..."
                    assert f"{b.key} {b.description}" in text, b  # in the legend above
                    assert f"{b.group.description} the card" in text
                else:  # descriptions wrap with a hanging indent: compare with the spaces folded
                    assert " ".join((b.tooltip or b.description).split()) in " ".join(text.split()), b
        for needle in ("space enter", "u ctrl+z", "0 1 2 3 4 5", "4 good", "ctrl+p", "Bury the card", "Unsuspend"):
            assert needle in text, needle
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, StudyScreen)


async def test_footer_shows_current_bindings(five, ws_factory):
    ws = ws_factory(five)
    app = app_for(ws)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        footer = screen_text(app).splitlines()[-1]
        assert "space Answer" in footer and "Grade" not in footer
        await pilot.press("space")
        await pilot.pause()
        footer = screen_text(app).splitlines()[-1]
        assert "012345 Grade" in footer and "Answer" not in footer
        # A key in the footer can be clicked, like pressing it.
        await pilot.press("4")
        await pilot.pause()
        assert "space Answer" in screen_text(app).splitlines()[-1]
        await pilot.click(KeyBar, offset=(2, 0))
        await pilot.pause()
        assert app.screen.session.revealed
        ids = {b.id for b in Binding_list(StudyScreen)}
        assert None not in ids and len(ids) == len(Binding_list(StudyScreen))


def Binding_list(cls):
    from textual.binding import Binding

    return list(Binding.make_bindings(cls.BINDINGS))


async def test_command_palette_runs_actions(five, ws_factory):
    ws = ws_factory(five)
    app = app_for(ws)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await palette_search(pilot, "bury")
        await wait_until(pilot, lambda: "bury" in _palette_top(app), "bury at the top of the palette")
        await pilot.press("enter")
        await wait_until(pilot, lambda: current_key(app) == "c2", "the next card")
        assert ws.store.get("c1").buried_until == ws.today + 1
        # The palette offers only what can be done now: grades after reveal.
        await palette_search(pilot, "good")
        offered = _palette_options(app)
        assert not [o for o in offered if o.startswith("study: grade")], offered
        await pilot.press("escape")  # closes the palette, runs nothing
        await wait_until(pilot, lambda: isinstance(app.screen, StudyScreen), "the study screen")
        assert grades_in_log(ws) == []
        await pilot.press("space")
        await pilot.pause()
        await palette_search(pilot, "grade 4")
        await wait_until(pilot, lambda: "grade 4" in _palette_top(app), "grade 4 at the top of the palette")
        await pilot.press("enter")
        await wait_until(pilot, lambda: grades_in_log(ws) == [("c2", 4)], "the grade in the log")


async def palette_search(pilot, text: str) -> None:
    """Open the command palette and put ``text`` in its search box in one go, then wait for
    the search to end: one search (typing key by key runs one per key, about a second a word)."""
    from textual.command import CommandInput, CommandPalette

    await pilot.press("ctrl+p")
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, CommandPalette), "the palette")
    pilot.app.screen.query_one(CommandInput).value = text
    await pilot.pause()  # the palette takes the change and starts its search...
    await pilot.app.workers.wait_for_complete()  # ...which lists what it found before it ends
    await pilot.pause()


def _palette_options(app) -> list[str]:
    """Every command the open palette lists, lower case."""
    from textual.command import CommandList

    results = app.screen.query_one(CommandList)
    return [str(results.get_option_at_index(i).prompt).lower() for i in range(results.option_count)]


def _palette_top(app) -> str:
    """The highlighted command of the open palette, lower case ("" when none)."""
    from textual.command import CommandList, CommandPalette

    palette = app.screen
    if not isinstance(palette, CommandPalette):
        return ""
    results = palette.query_one(CommandList)
    if results.highlighted is None:
        return ""
    return str(results.get_option_at_index(results.highlighted).prompt).lower()


async def test_grade_bar_click(five, ws_factory):
    ws = ws_factory(five)
    app = app_for(ws)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("space")
        await pilot.pause()
        await pilot.click("#grade-5")
        await pilot.pause()
        assert grades_in_log(ws) == [("c1", 5)]


async def test_long_answer_scrolls(tmp_path, ws_factory):
    long_answer = "\n\n".join(f"      line {i}" for i in range(80))
    deck = write_deck(tmp_path / "decks", "long.yaml", f"deck: Long\ncards:\n  - q: long?\n    a: |\n{long_answer}\n")
    ws = ws_factory(deck)
    app = app_for(ws)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("space")
        await pilot.pause()
        box = app.screen.query_one("#answer-box")  # the answer scrolls by itself (issue 11)
        assert box.max_scroll_y > 0
        y = box.scroll_y
        await pilot.press("pagedown")
        await pilot.pause()
        assert box.scroll_y > y
        await pilot.press("end")
        await pilot.pause()
        assert "line 79" in screen_text(app)
        assert "long?" in screen_text(app)  # the question stays in view


def test_app_source_has_no_scheduling():
    """The UI only drives the core: no SM-2 or day arithmetic in pyflash.ui."""
    ui = Path(__file__).resolve().parents[1] / "src" / "pyflash" / "ui"
    for path in ui.glob("*.py"):
        src = path.read_text(encoding="utf-8")
        for forbidden in ("import sm2\n", "sm2.review", "apply_grade", "easiness", "timedelta"):
            assert forbidden not in src, (path.name, forbidden)


def test_day_helpers_match_core(clock):
    # The summary's "tomorrow" comes from the core's day numbers.
    from pyflash.ui.text import when

    today = local_day(clock(), clock.zone)
    assert when(today + 1, today) == "tomorrow · Tue 3 Mar 2026"
    assert when(today, today) == "today · Mon 2 Mar 2026"
    assert when(today + 6, today) == "in 6 days · Sun 8 Mar 2026"
    assert when(None, today) == "nothing scheduled yet"


async def test_markdown_keeps_angle_brackets_and_highlights_code(tmp_path, ws_factory):
    deck = write_deck(
        tmp_path / "decks",
        "md.yaml",
        "deck: Md\ncards:\n"
        "  - q: Is List<int> **bold**?\n"
        "    code: |\n"
        "      def f(x):\n"
        "          return x\n"
        "    lang: python\n"
        "    a: <b>yes</b>\n",
    )
    ws = ws_factory(deck)
    app = app_for(ws)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("space")
        await pilot.pause()
        text = screen_text(app)
        assert "Is List<int> bold?" in text  # raw HTML is text, Markdown still applies
        assert "<b>yes</b>" in text
        fence = app.screen.query_one("#question").query_one("MarkdownFence")
        assert fence.lexer == "python"
        # Pygments coloured the code: `def` and `return` carry a style of their own.
        spans = fence._highlighted_code.spans
        assert spans and any("def" == fence.code[s.start : s.end] for s in spans)


async def test_picker_enter_right_after_arrows_studies_the_chosen_deck(tmp_path, ws_factory):
    root = write_nested(tmp_path / "decks")
    ws = ws_factory(root)
    app = app_for(ws)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        # Typed in one burst, as tmux or a fast typist sends them: all three keys
        # are queued before the first is handled (Pilot.press waits between keys).
        from textual import events

        for key, char in (("down", None), ("down", None), ("enter", "\r")):
            app.post_message(events.Key(key, char))
        await pilot.pause()
        await pilot.pause()
        assert isinstance(app.screen, StudyScreen)
        assert app.screen.session.deck == "Python::NumPy"


# -- no terminal ----------------------------------------------------------------

NO_TERMINAL = "pyflash study needs a terminal; see pyflash decks / pyflash check"


def run_study_without_terminal(five: Path, *, stdin, stdout) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT / "src"), os.environ.get("PYTHONPATH")]))}
    return subprocess.run(
        [sys.executable, "-m", "pyflash", "study", str(five)],
        stdin=stdin,
        stdout=stdout,
        stderr=subprocess.PIPE,
        env=env,
        text=True,
        timeout=5,  # today's hang would end here, as a failure
    )


def test_study_without_a_terminal_exits_at_once(five):
    """`pyflash study </dev/null`: one line on stderr, exit code 2, within 5 s."""
    done = run_study_without_terminal(five, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE)
    assert done.returncode == 2
    assert done.stderr == NO_TERMINAL + "\n"
    assert done.stdout == ""


def test_study_with_stdout_piped_exits_at_once(five):
    """A terminal for the keys but stdout piped (`pyflash study | less`): the same message."""
    master, slave = os.openpty()
    try:
        done = run_study_without_terminal(five, stdin=slave, stdout=subprocess.PIPE)
    finally:
        os.close(slave)
        os.close(master)
    assert done.returncode == 2
    assert done.stderr == NO_TERMINAL + "\n"
    assert "\x1b" not in done.stdout  # no escape codes
