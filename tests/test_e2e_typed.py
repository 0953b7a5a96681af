"""End to end: typing predicted output in a real terminal (tmux): enter, ctrl+s, the diff, the log."""

from __future__ import annotations

import os
import shlex
import sys

from conftest import ROOT, write_deck
from pyflash.core.review.store import Store
from test_e2e_study import Terminal, _gone, pytestmark  # noqa: F401  (slow, needs tmux)

DECK = """\
deck: E2E
cards:
  - id: two
    q: What does it print?
    code: |
      print("a")
      print("b")
    output: |
      a
      b
  - id: one
    q: What does it print?
    code: print(6 * 7)
    output: "42"
"""


def test_typed_output_in_a_real_terminal(tmp_path, pyflash_home):
    decks = tmp_path / "decks"
    write_deck(decks, "e2e.yaml", DECK)
    env = {
        "PYFLASH_HOME": str(pyflash_home),
        "TERM": "xterm-256color",
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT / "src"), os.environ.get("PYTHONPATH")])),
    }
    command = f"exec {shlex.quote(sys.executable)} -m pyflash study {shlex.quote(str(decks))}"
    term = Terminal(f"pyflash-e2e-typed-{os.getpid()}")
    try:
        pid = term.start(command, env)
        term.wait_for("t type it")
        term.press("t")
        term.wait_for("Type the output")
        term.press("a", "Enter", "b")  # enter: a new line (the output has two)
        term.wait_for("│b ")
        term.press("C-s")  # the fallback for ctrl+enter: reaches us in any terminal
        term.wait_for("Typed: Right · suggested grade 5 easy")
        term.press("Enter")  # takes the suggested grade
        term.wait_for("print(6 * 7)")
        term.press("t")
        term.wait_for("Type the output")
        term.press("2", "4", "Enter")  # one line: enter checks it
        screen = term.wait_for("suggested grade 1 wrong")
        assert "+ 42" in screen and "Output" in screen
        term.press("2")  # another grade than the suggested one
        term.wait_for("1 relearn")
        term.press("Escape")
        term.wait_for("Deck ")
        term.press("q")
        assert _gone(pid), "pyflash did not quit"
        with Store(pyflash_home / "data" / "reviews.sqlite3") as store:
            assert [(e.key, e.grade, e.typed) for e in store.log()] == [("two", 5, "a\nb"), ("one", 2, "24")]
    finally:
        term.kill_server()
