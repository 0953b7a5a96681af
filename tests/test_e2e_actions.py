"""End to end in tmux (80x24): space grades good after reveal, undo after a bury brings the
card back, and a cram session with grades, a bury and a suspend changes no row of the store."""

from __future__ import annotations

import os
import shlex
import sys
import time

import pytest

from conftest import ROOT, write_deck
from pyflash.core.review.store import Store
from test_actions import dump
from test_e2e_study import DECK, TMUX, Terminal

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(TMUX is None, reason="needs tmux (apt-get install tmux)"),
]


def run(term: Terminal, args: str, env: dict[str, str]) -> None:
    term.start(f"exec {shlex.quote(sys.executable)} -m pyflash study {args}", env)


def quit_app(term: Terminal) -> None:
    term.press("Escape")
    term.wait_for("Quit")
    term.press("q")
    deadline = time.monotonic() + 20
    while term.alive() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not term.alive()


def test_space_grades_undo_bury_and_cram_changes_nothing(tmp_path, pyflash_home):
    decks = tmp_path / "decks"
    write_deck(decks, "e2e.yaml", DECK)
    env = {
        "PYFLASH_HOME": str(pyflash_home),
        "TERM": "xterm-256color",
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT / "src"), os.environ.get("PYTHONPATH")])),
        "EDITOR": "true",
    }
    term = Terminal(f"pyflash-e2e-actions-{os.getpid()}")
    try:
        run(term, shlex.quote(str(decks)), env)
        term.wait_for("Card one?")
        term.press("Space")
        screen = term.wait_for("ANSWER-ONE")
        assert "0 again  again today, 1d" in screen and "bring" not in screen
        term.press("Space")  # the answer side: grade 4
        term.wait_for("Card two?")
        term.press("Enter")
        term.wait_for("ANSWER-TWO")
        term.press("Enter")
        term.wait_for("Card three?")
        term.press("b")
        term.wait_for("Card four?")
        term.press("u")  # undo the bury: card three is back
        term.wait_for("Card three?")
        quit_app(term)
        term.kill_server()
        db = next(pyflash_home.rglob("reviews.sqlite3"))
        with Store(db) as store:
            assert [(e.key, e.grade, e.kind) for e in store.log()] == [
                ("c1", 4, "review"),
                ("c2", 4, "review"),
                ("c3", None, "bury"),
                ("c3", None, "undo"),
            ]
            assert store.get("c3") is None
        before = dump(db)

        run(term, f"--cram {shlex.quote(str(decks))}", env)
        term.wait_for("Card one?")
        term.press("Space")
        screen = term.wait_for("cram: schedule unchanged")
        assert "in 1d" not in screen and "again today" not in screen
        term.press("1")
        term.wait_for("Card two?")
        term.press("Space")
        term.wait_for("ANSWER-TWO")
        term.press("5")
        term.wait_for("Card three?")
        term.press("b")
        term.wait_for("Card four?")
        term.press("s")
        term.wait_for("Suspend this card?")
        term.press("y")
        term.wait_for("Card one?")  # failed above: back for relearning, after the others
        term.press("Space")
        term.wait_for("ANSWER-ONE")
        term.press("Space")
        term.wait_for("Card five?")
        quit_app(term)
        assert dump(db) == before
    finally:
        term.kill_server()
