"""End to end, in a real terminal (tmux, 80x24): code and text are shown whole (issue 11).

The real `pyflash study`: the end of a 110-column code line is on screen, the
question's first line stays on screen after revealing a 20-line answer, a
``source`` of ``a*b*c_d_`` shows literally, and no screen captured while a grade
is applied shows the next question with the previous answer. Run in a 256-colour
terminal, then with ``TERM=xterm NO_COLOR=1``. Needs tmux; skipped without it.
"""

from __future__ import annotations

import os
import shlex
import sys
import time

import pytest

from conftest import ROOT, write_deck
from test_e2e_study import TMUX, Terminal

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(TMUX is None, reason="needs tmux (apt-get install tmux)"),
]

WIDE = "x = dict(alpha=1, beta=2, gamma=3, delta=4, epsilon=5, zeta=6, eta=7, theta=8, iota=9, kappa=10,  TAIL_END=11)"
ANSWER = "\n".join(f"      answer line {i:02d}" for i in range(1, 21))
DECK = f"""\
deck: View
lang: python
cards:
  - id: v1
    q: FIRST-QUESTION-LINE what is in x?
    code: |
      {WIDE}
    a: |
      ```text
{ANSWER}
      ```
    source: a*b*c_d_
  - {{id: v2, q: SECOND-QUESTION?, a: SECOND-ANSWER}}
"""


@pytest.mark.parametrize("term", ["xterm-256color", "xterm"])
def test_code_and_text_whole_in_tmux(tmp_path, pyflash_home, term):
    assert len(WIDE) == 110
    decks = tmp_path / "decks"
    write_deck(decks, "view.yaml", DECK)
    env = {
        "PYFLASH_HOME": str(pyflash_home),
        "TERM": term,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT / "src"), os.environ.get("PYTHONPATH")])),
    }
    if term == "xterm":
        env["NO_COLOR"] = "1"
    command = f"exec {shlex.quote(sys.executable)} -m pyflash study {shlex.quote(str(decks))}"
    term_ = Terminal(f"pyflash-e2e-view-{os.getpid()}-{term}")
    try:
        term_.start(command, env)
        screen = term_.wait_for("FIRST-QUESTION-LINE")
        screen = term_.wait_for("TAIL_END=11)")  # the end of the 110-column line, wrapped
        assert "↪" in screen
        term_.press("Space")
        screen = term_.wait_for("answer line 01")
        assert "FIRST-QUESTION-LINE" in screen and "TAIL_END=11)" in screen
        assert " answer " in screen  # the rule between question and answer
        term_.press("End")
        screen = term_.wait_for("Source: a*b*c_d_")
        assert "answer line 20" in screen
        assert "FIRST-QUESTION-LINE" in screen  # still in view
        term_.press("4")
        deadline = time.monotonic() + 10
        seen = []
        while time.monotonic() < deadline:
            seen.append(term_.screen())
            if "SECOND-QUESTION?" in seen[-1] and "1 new" in seen[-1]:
                break
        else:
            raise AssertionError("the second card never appeared:\n" + seen[-1])
        # tmux 3.3 has no synchronized output: a capture can catch a frame half written
        # (top rows new, bottom rows old). A mixed frame that was really shown is
        # captured the same twice in a row; a half-written one is gone by the next capture.
        def mixed(frame: str) -> bool:
            return ("SECOND-QUESTION?" in frame or "1 new" in frame) and (
                "answer line" in frame or "FIRST-QUESTION-LINE" in frame
            )

        shown = [a for a, b in zip(seen, seen[1:], strict=False) if a == b and mixed(a)]
        assert not shown, shown[0]
        term_.press("q")
    finally:
        term_.kill_server()
