"""End to end: `pyflash add` with no --q opens the form in a real terminal (tmux); ctrl+s saves."""

from __future__ import annotations

import os
import shlex
import sys
import time

from conftest import ROOT, write_deck
from test_e2e_study import Terminal, pytestmark  # noqa: F401  (slow, and skipped without tmux)

OLD = "# mine\ndeck: Mine\ncards:\n  - q: \"x?\"   # keep\n    a: y"  # no newline at the end


def _wait_for_file(path, timeout: float = 30.0) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists() and path.read_text():
            return path.read_text()
        time.sleep(0.1)
    raise AssertionError(f"{path} stayed empty")


def test_add_form_in_tmux_saves_with_ctrl_s(tmp_path, pyflash_home):
    decks = tmp_path / "decks"
    path = write_deck(decks, "mine.yaml", OLD)
    env = {
        "PYFLASH_HOME": str(pyflash_home),
        "TERM": "xterm-256color",
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT / "src"), os.environ.get("PYTHONPATH")])),
    }
    out = tmp_path / "out.txt"
    command = (
        f"{shlex.quote(sys.executable)} -m pyflash add {shlex.quote(str(decks))} --deck mine"
        f" > {shlex.quote(str(out))}; sleep 30"
    )
    term = Terminal(f"pyflash-e2e-add-{os.getpid()}")
    try:
        term.start(command, env)
        term.wait_for("^s Save")
        term.press("Walrus?")
        term.wait_for("Walrus?")
        term.press("C-s")  # no answer yet: the loader's message, and the input is kept
        screen = term.wait_for("needs an answer")
        assert "Walrus?" in screen and path.read_text() == OLD
        term.press("Tab")
        time.sleep(0.5)
        term.press("assigns")
        term.wait_for("Answer    assigns")
        term.press("C-s")
        assert _wait_for_file(out) == f"added card 'walrus' to {path}:6\n"
    finally:
        term.kill_server()
    assert path.read_text() == OLD + "\n  - id: walrus\n    q: Walrus?\n    a: assigns\n"
