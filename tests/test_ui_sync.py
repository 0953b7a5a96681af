"""The TUI's side of sync: the picker's "synced ... ago" line, and sync.auto on start and on quit.

The UI holds no sync logic: these tests replace ``sync_home`` with a fake and
check what the app asks of it and shows (tests/test_sync_cli.py syncs for real).
"""

from __future__ import annotations

import os
import threading
from datetime import timedelta

import pytest

from conftest import write_deck
from pyflash.core.config import Config, SyncSettings
from pyflash.sync import home
from pyflash.sync.run import SyncResult
from pyflash.sync.state import SyncState, save_state
from pyflash.ui.app import make_app
from pyflash.ui.picker import DeckPickerScreen

SIZE = (80, 24)
DECK = "deck: Two\ncards:\n  - id: a\n    q: A?\n    a: a\n  - id: b\n    q: B?\n    a: b\n"


class FakeSync:
    """``sync_home``'s stand-in: records each call, says "fetching", then waits until released."""

    def __init__(self) -> None:
        self.calls: list[dict] = []
        self.release = threading.Event()
        self.result = SyncResult(device="dev", remote="/r.git", received=3, cards=2)

    def __call__(self, locations, config, **kw):
        self.calls.append(kw)
        kw["progress"]("fetching")
        assert self.release.wait(10)
        return self.result


@pytest.fixture
def fake(monkeypatch):
    fake = FakeSync()
    monkeypatch.setattr(home, "sync_home", fake)
    return fake


def title(app) -> str:
    return str(app.screen.query_one("#picker-title").render())


def app_for(ws):
    return make_app(ws, theme="textual-dark", animations=False, environ=os.environ)


async def until(pilot, condition):
    for _ in range(200):
        if condition():
            return
        await pilot.pause(0.02)
    raise AssertionError("condition not met")


async def test_picker_says_when_the_last_sync_was(tmp_path, ws_factory, clock, fake):
    deck = write_deck(tmp_path / "decks", "two.yaml", DECK)
    ws = ws_factory(deck, config=Config(sync=SyncSettings(remote="/r.git")))
    async with app_for(ws).run_test(size=SIZE) as pilot:
        app = pilot.app
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, DeckPickerScreen))
        assert title(app).endswith("· never synced")
        sync_git = ws.locations.sync / ".git"
        sync_git.mkdir(parents=True)
        save_state(sync_git, SyncState(last_sync=clock() - timedelta(minutes=5)))
        app.screen.refresh_counts()
        assert title(app).endswith("· synced 5 min ago")
        clock.advance(hours=2)
        app.screen.refresh_counts()
        assert title(app).endswith("· synced 2 h ago")
        await pilot.press("escape")  # sync.auto is off: quits at once
        await until(pilot, lambda: not app.is_running)
    assert fake.calls == []


async def test_a_failed_last_try_is_shown_whole_at_80_columns(tmp_path, ws_factory, clock, fake):
    # "synced 5 min ago · last try failed" does not fit beside the counts at 80 columns: it goes to a line
    # of its own rather than being cut; on a wide terminal (and after a resize) it is on the title's line.
    deck = write_deck(tmp_path / "decks", "two.yaml", DECK)
    ws = ws_factory(deck, config=Config(sync=SyncSettings(remote="/r.git")))
    sync_git = ws.locations.sync / ".git"
    sync_git.mkdir(parents=True)
    save_state(sync_git, SyncState(last_sync=clock() - timedelta(minutes=5), last_error="cannot reach the remote"))
    async with app_for(ws).run_test(size=SIZE) as pilot:
        app = pilot.app
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, DeckPickerScreen))
        widget = app.screen.query_one("#picker-title")
        await until(pilot, lambda: widget.size.height == 2)
        first, second = title(app).split("\n")
        assert first.startswith("Decks") and first.endswith("0 due")
        assert second == "synced 5 min ago · last try failed"
        await pilot.resize_terminal(120, 24)
        await until(pilot, lambda: widget.size.height == 1)
        assert title(app).endswith(" · 0 due · synced 5 min ago · last try failed")
        await pilot.resize_terminal(*SIZE)
        await until(pilot, lambda: widget.size.height == 2)
        assert title(app).endswith("\nsynced 5 min ago · last try failed")


async def test_no_sync_line_without_a_remote(tmp_path, ws_factory):
    ws = ws_factory(write_deck(tmp_path / "decks", "two.yaml", DECK))
    async with app_for(ws).run_test(size=SIZE) as pilot:
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(pilot.app.screen, DeckPickerScreen))
        assert "sync" not in title(pilot.app)


async def test_auto_sync_on_start_runs_in_the_background_then_on_quit(tmp_path, ws_factory, fake):
    deck = write_deck(tmp_path / "decks", "two.yaml", DECK)
    ws = ws_factory(deck, config=Config(sync=SyncSettings(remote="/r.git", auto=True)))
    async with app_for(ws).run_test(size=SIZE) as pilot:
        app = pilot.app
        await until(pilot, lambda: len(fake.calls) == 1)
        assert fake.calls[0]["interactive"] is False and fake.calls[0]["timeout"] > 0
        await pilot.press("space", "4")  # study goes on while the sync runs
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, DeckPickerScreen))
        await until(pilot, lambda: "syncing: fetching…" in title(app))
        fake.release.set()
        await until(pilot, lambda: "syncing" not in title(app))
        await until(pilot, lambda: any("3 review events from other devices" in n.message for n in app._notifications))
        fake.release.clear()
        await pilot.press("escape")  # quit: one more sync first
        await until(pilot, lambda: len(fake.calls) == 2)
        await until(pilot, lambda: "syncing before quitting: fetching…" in title(app))
        assert app.is_running
        fake.release.set()
        await until(pilot, lambda: not app.is_running)


async def test_quit_again_does_not_wait_for_the_sync(tmp_path, ws_factory, fake):
    deck = write_deck(tmp_path / "decks", "two.yaml", DECK)
    ws = ws_factory(deck, config=Config(sync=SyncSettings(remote="/r.git", auto=True)))
    async with app_for(ws).run_test(size=SIZE) as pilot:
        app = pilot.app
        await until(pilot, lambda: len(fake.calls) == 1)
        fake.release.set()
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, DeckPickerScreen) and "syncing" not in title(app))
        fake.release.clear()
        await pilot.press("escape")
        await until(pilot, lambda: len(fake.calls) == 2)
        await pilot.press("q")  # asked again: quit now
        await until(pilot, lambda: not app.is_running)
        fake.release.set()  # let the worker thread end


async def test_a_failed_auto_sync_is_a_warning_and_study_goes_on(tmp_path, ws_factory, fake):
    fake.result = SyncResult(device="dev", remote="/r.git", error="cannot reach the remote: offline")
    fake.release.set()
    deck = write_deck(tmp_path / "decks", "two.yaml", DECK)
    ws = ws_factory(deck, config=Config(sync=SyncSettings(remote="/r.git", auto=True)))
    async with app_for(ws).run_test(size=SIZE) as pilot:
        app = pilot.app
        await until(pilot, lambda: any("offline" in n.message for n in app._notifications))
        await pilot.press("space", "4")
        await pilot.pause()
        assert app.is_running


async def test_an_unexpected_error_in_the_sync_thread_is_shown_not_lost(tmp_path, ws_factory, monkeypatch):
    def broken(locations, config, **kw):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(home, "sync_home", broken)
    deck = write_deck(tmp_path / "decks", "two.yaml", DECK)
    ws = ws_factory(deck, config=Config(sync=SyncSettings(remote="/r.git", auto=True)))
    async with app_for(ws).run_test(size=SIZE) as pilot:
        app = pilot.app
        await until(pilot, lambda: any("disk on fire" in n.message for n in app._notifications))
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, DeckPickerScreen))
        assert "syncing" not in title(app)
        await pilot.press("escape")  # quits (one more try, which fails the same way, then exits)
        await until(pilot, lambda: not app.is_running)
