"""End to end: two grades in the real TUI (tmux) on home A, with `sync.auto`, reach home B.

A studies in `pyflash study` under tmux; quitting from the deck picker syncs
(sync.auto) and the picker says so; then `pyflash sync` on B brings both
grades. Needs tmux and git; skipped when either is missing.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from dataclasses import replace

import pytest

from conftest import ROOT, write_deck
from pyflash.core.review.store import Store
from test_e2e_study import Terminal, _gone

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("tmux") is None or shutil.which("git") is None, reason="needs tmux and git"),
]

DECK = "deck: E2E\ncards:\n  - {id: c1, q: Card one?, a: ANSWER-ONE}\n  - {id: c2, q: Card two?, a: ANSWER-TWO}\n"


def test_two_grades_in_the_tui_reach_the_other_home(tmp_path):
    decks = tmp_path / "decks"
    write_deck(decks, "e2e.yaml", DECK)
    remote = tmp_path / "remote.git"
    git_env = {
        "GIT_CONFIG_GLOBAL": str(tmp_path / "no-gitconfig"),
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_AUTHOR_NAME": "Test",
        "GIT_AUTHOR_EMAIL": "test@example.invalid",
        "GIT_COMMITTER_NAME": "Test",
        "GIT_COMMITTER_EMAIL": "test@example.invalid",
    }
    subprocess.run(["git", "init", "-q", "--bare", str(remote)], check=True, env={**os.environ, **git_env})
    home_a, home_b = tmp_path / "a", tmp_path / "b"
    (home_a / "config").mkdir(parents=True)
    (home_a / "config/config.toml").write_text(f'[sync]\nremote = "{remote}"\nauto = true\n')
    env = {
        **git_env,
        "PYFLASH_HOME": str(home_a),
        "TERM": "xterm-256color",
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT / "src"), os.environ.get("PYTHONPATH")])),
        "PATH": os.environ.get("PATH", ""),
    }
    command = f"exec {shlex.quote(sys.executable)} -m pyflash study {shlex.quote(str(decks))}"
    term = Terminal(f"pyflash-e2e-sync-{os.getpid()}")
    try:
        pid = term.start(command, env)
        term.wait_for("Card one?")
        term.press("Space")
        term.wait_for("ANSWER-ONE")
        term.press("4")
        term.wait_for("Card two?")
        term.press("Space")
        term.wait_for("ANSWER-TWO")
        term.press("5")
        term.press("Escape")  # the deck picker says when the last sync (the one on start) was
        term.wait_for("synced just now")
        term.press("q")  # quit: one more sync first, then exit
        assert _gone(pid, timeout=30), "pyflash did not quit"
    finally:
        term.kill_server()
    done = subprocess.run(
        [sys.executable, "-m", "pyflash", "--home", str(home_b), "sync", "--remote", str(remote)],
        capture_output=True, text=True, env={**os.environ, **git_env}, timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "received 2 events from other devices" in done.stdout
    with Store(home_a / "data/reviews.sqlite3") as a, Store(home_b / "data/reviews.sqlite3") as b:
        no_text = [{k: replace(s, text="") for k, s in store.states().items()} for store in (a, b)]
        assert no_text[0] == no_text[1] and set(no_text[1]) == {"c1", "c2"}
