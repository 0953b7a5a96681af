"""End to end: the real `pyflash study` in a real terminal (tmux), as a user meets it.

It presses keys, reads the screen, kills the process with SIGKILL in the
middle of a session, and checks that the store kept every grade; then it
starts again and finds the session where it was left. Needs tmux
(`apt-get install tmux`); skipped when tmux is missing.
"""

from __future__ import annotations

import os
import shlex
import shutil
import signal
import subprocess
import sys
import time

import pytest

from conftest import ROOT, write_deck
from pyflash.core.review.store import Store

TMUX = shutil.which("tmux")

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(TMUX is None, reason="needs tmux (apt-get install tmux)"),
]

DECK = """\
deck: E2E
cards:
  - {id: c1, q: Card one?, a: ANSWER-ONE}
  - {id: c2, q: Card two?, a: ANSWER-TWO}
  - {id: c3, q: Card three?, a: ANSWER-THREE}
  - {id: c4, q: Card four?, a: ANSWER-FOUR}
  - {id: c5, q: Card five?, a: ANSWER-FIVE}
  - {id: c6, q: Card six?, a: ANSWER-SIX}
"""


class Terminal:
    """A tmux session of 80x24 on a private server socket."""

    def __init__(self, socket: str) -> None:
        self.socket = socket

    def tmux(self, *args: str, check: bool = True) -> str:
        out = subprocess.run(
            [TMUX, "-L", self.socket, *args], capture_output=True, text=True, check=False
        )
        if check and out.returncode != 0:
            raise AssertionError(f"tmux {' '.join(args)}: {out.stderr.strip()}")
        return out.stdout

    def start(self, command: str, env: dict[str, str]) -> int:
        flags: list[str] = []
        for key, value in env.items():
            flags += ["-e", f"{key}={value}"]
        self.tmux("new-session", "-d", "-s", "study", "-x", "80", "-y", "24", *flags, command)
        return int(self.tmux("display-message", "-p", "-t", "study", "#{pane_pid}").strip())

    def screen(self) -> str:
        return self.tmux("capture-pane", "-p", "-t", "study", check=False)

    def press(self, *keys: str) -> None:
        for key in keys:
            self.tmux("send-keys", "-t", "study", key)

    def wait_for(self, text: str, timeout: float = 30.0) -> str:
        deadline = time.monotonic() + timeout
        screen = ""
        while time.monotonic() < deadline:
            screen = self.screen()
            if text in screen:
                return self._settled(screen, text)
            time.sleep(0.1)
        raise AssertionError(f"{text!r} never appeared on the screen:\n{screen}")

    def _settled(self, screen: str, text: str) -> str:
        """The screen once two captures in a row agree (tmux can be captured while it is still drawing
        one frame of the app: its top new and its bottom old), as long as it shows ``text``."""
        deadline = time.monotonic() + 2.0
        while time.monotonic() < deadline:
            time.sleep(0.05)
            again = self.screen()
            if again == screen or text not in again:
                return screen
            screen = again
        return screen

    def alive(self) -> bool:
        return subprocess.run(
            [TMUX, "-L", self.socket, "has-session", "-t", "study"], capture_output=True
        ).returncode == 0

    def kill_server(self) -> None:
        subprocess.run([TMUX, "-L", self.socket, "kill-server"], capture_output=True)


def _gone(pid: int, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.05)
    return False


def test_study_in_tmux_killed_midway_keeps_every_grade(tmp_path, pyflash_home):
    decks = tmp_path / "decks"
    write_deck(decks, "e2e.yaml", DECK)
    env = {
        "PYFLASH_HOME": str(pyflash_home),
        "TERM": "xterm-256color",
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT / "src"), os.environ.get("PYTHONPATH")])),
        "EDITOR": "true",
    }
    command = f"exec {shlex.quote(sys.executable)} -m pyflash study {shlex.quote(str(decks))}"
    term = Terminal(f"pyflash-e2e-{os.getpid()}")
    try:
        pid = term.start(command, env)
        term.wait_for("Card one?")
        screen = term.wait_for("6 new  0 relearn  0 review")  # the header may paint a frame later
        assert "Card one?" in screen
        assert "ANSWER-ONE" not in screen
        term.press("4")  # inert before the answer is shown
        term.press("Space")
        term.wait_for("ANSWER-ONE")
        term.wait_for("4 good   in 1d")
        term.press("4")
        term.wait_for("Card two?")
        term.press("Enter")
        term.wait_for("ANSWER-TWO")
        term.press("1")  # comes back later today
        term.wait_for("Card three?")
        screen = term.wait_for("4 new  1 relearn  0 review")
        assert "Card three?" in screen
        term.press("Space")
        term.wait_for("ANSWER-THREE")
        term.press("5")
        term.wait_for("Card four?")
        term.press("Space")
        term.wait_for("ANSWER-FOUR")  # revealed, not graded: then the terminal dies
        os.kill(pid, signal.SIGKILL)
        assert _gone(pid), "pyflash did not die"
        term.kill_server()

        with Store(pyflash_home / "data" / "reviews.sqlite3") as store:
            log = store.log()
            assert [(e.key, e.grade, e.kind) for e in log] == [
                ("c1", 4, "review"),
                ("c2", 1, "review"),
                ("c3", 5, "review"),
            ]
            assert all(e.answer_ms is not None for e in log)
            assert store.get("c4") is None

        # Start again on the same day: the failed card first, no new day's worth.
        pid = term.start(command, env)
        term.wait_for("Card two?")
        screen = term.wait_for("3 new  1 relearn  0 review")
        assert "Card two?" in screen
        term.press("Space")
        term.wait_for("ANSWER-TWO")
        term.press("4")
        term.wait_for("Card four?")
        term.press("Escape")  # back to the deck picker...
        term.wait_for("Deck ")
        term.wait_for("E2E")
        term.press("q")  # ...then quit
        assert _gone(pid), "pyflash did not quit"
        with Store(pyflash_home / "data" / "reviews.sqlite3") as store:
            assert [(e.key, e.grade) for e in store.log()][-1] == ("c2", 4)
    finally:
        term.kill_server()
