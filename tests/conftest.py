"""Shared fixtures. Every test runs with PYFLASH_HOME in a temporary folder."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta, tzinfo
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).resolve().parent / "data"
SRC = ROOT / "src"


def pytest_configure(config):
    """Child processes (``python -m pyflash``, the ``pyflash`` script) import src/ too."""
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(SRC), os.environ.get("PYTHONPATH")]))

# Child processes (`python -m pyflash` in a test) import this checkout's src/ too.
os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT / "src"), os.environ.get("PYTHONPATH")]))


@pytest.fixture(autouse=True, scope="session")
def _stores_skip_the_disk_sync():
    """The review stores this process opens commit without waiting for the disk (synchronous=OFF):
    a test cannot cut the power, and the waits cost the suite about a minute. Child processes
    (the CLI and the TUI in tmux) keep the product's FULL; test_store.py checks it there."""
    from pyflash.core.review import opening

    patch = pytest.MonkeyPatch()
    patch.setattr(opening, "SYNCHRONOUS", "OFF")
    yield
    patch.undo()


@pytest.fixture(autouse=True)
def _steady_cursors(request, monkeypatch):
    """Snapshot tests: a focused Input's or TextArea's cursor blinks every 0.5 s, so whether a
    snapshot shows it depended on how long the frame took to come (a loaded machine took the
    blink's "off" half). The cursor stays on instead: textual's private blink callbacks (<8.3)."""
    if "snap_compare" in request.fixturenames:
        from textual.widgets import Input, TextArea

        monkeypatch.setattr(Input, "_toggle_cursor", lambda self: None)
        monkeypatch.setattr(TextArea, "_toggle_cursor_blink_visible", lambda self: None)


@pytest.fixture(autouse=True)
def pyflash_home(tmp_path, monkeypatch):
    home = tmp_path / "pyflash-home"
    monkeypatch.setenv("PYFLASH_HOME", str(home))
    monkeypatch.delenv("PYFLASH_DECKS", raising=False)
    return home


class FakeClock:
    """A settable clock: ``clock()`` is now; ``advance(...)`` moves it.

    ``zone`` is the user's zone that goes with it (pass ``zone=clock.zone``
    to the workspace), so no test depends on the machine's zone.
    """

    def __init__(self, start: datetime | None = None, zone: tzinfo = UTC) -> None:
        self.now = start or datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
        self.zone = zone

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs) -> None:
        self.now = self.now + timedelta(**kwargs)


@pytest.fixture
def clock():
    return FakeClock()


def write_deck(directory: Path, name: str, text: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def small_deck(tmp_path) -> Path:
    return write_deck(
        tmp_path / "decks",
        "basics.yaml",
        """\
deck: Basics
tags: [t]
cards:
  - q: one?
    a: "1"
  - q: two?
    a: "2"
  - q: three?
    a: "3"
""",
    )


def run_main(argv: list[str], capsys) -> tuple[int, str, str]:
    """Run the CLI in-process: (exit code, stdout, stderr)."""
    from pyflash.cli import main

    try:
        main(argv)
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def open_workspace(paths=None, **kw):
    """``pyflash.core.open_workspace`` with this test's locations (under PYFLASH_HOME), as the CLI passes them."""
    from pyflash import paths as pyflash_paths
    from pyflash.core.workspace import open_workspace as _open

    kw.setdefault("locations", pyflash_paths.locations())
    return _open(paths, **kw)


@pytest.fixture
def ws_factory(clock):
    """Open workspaces on deck paths with the test clock and zone; all closed at the end."""
    opened = []

    def make(*paths, **kw):
        ws = open_workspace([str(p) for p in paths], clock=clock, zone=clock.zone, **kw)
        opened.append(ws)
        return ws

    yield make
    for ws in opened:
        ws.close()


NOTES_NAME = "python-notes.md"


def find_notes() -> Path | None:
    """The shared notes file: PYFLASH_NOTES, else shared/notes/python-notes.md beside the
    checkout or beside one of its parent folders (/work/main -> /work/shared; a worktree
    at /work/wt/X -> /work/shared too); None when there is none."""
    env = os.environ.get("PYFLASH_NOTES")
    if env and Path(env).is_file():
        return Path(env)
    for folder in ROOT.parents:
        candidate = folder / "shared" / "notes" / NOTES_NAME
        if candidate.is_file():
            return candidate
    return None
