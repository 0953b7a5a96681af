"""The [sync] table: reading it, recording a remote in it, and the picker's "synced ... ago" line."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from pyflash.core import PyflashError, load_config
from pyflash.core.locations import Locations
from pyflash.sync.settings import record_remote, resolve_remote
from pyflash.sync.state import SyncState, save_state
from pyflash.sync.status import status_line, synced_ago

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def test_sync_table_is_read_and_checked(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text('new_per_day = 5\n[sync]\nremote = "/r.git"\nauto = true\n')
    sync = load_config(path).sync
    assert (sync.remote, sync.auto, sync.include_decks) == ("/r.git", True, False)
    path.write_text('[sync]\nremote = "/r.git"\ninclude_decks = "yes"\n')
    with pytest.raises(PyflashError, match=r"config.toml:3:1: 'include_decks' of \[sync\] must be true or false"):
        load_config(path)
    path.write_text('[sync]\nremotes = "/r.git"\n')
    with pytest.raises(PyflashError, match=r"config.toml:2:1: unknown sync setting 'remotes'"):
        load_config(path)


def test_record_remote_keeps_everything_else(tmp_path):
    path = tmp_path / "config.toml"
    record_remote(path, "/a.git")  # no file yet
    assert load_config(path).sync.remote == "/a.git"
    path.write_text('# mine\nnew_per_day = 5  # fewer\n\n[sync]\nauto = true\nremote = "/a.git"\n\n[deck."X"]\nnew_per_day = 1\n')
    record_remote(path, 'C:\\odd "name".git')
    text = path.read_text()
    assert text.startswith("# mine\nnew_per_day = 5  # fewer\n") and '[deck."X"]\nnew_per_day = 1' in text
    config = load_config(path)
    assert config.sync.remote == 'C:\\odd "name".git' and config.sync.auto and config.new_per_day == 5
    path.write_text("new_per_day = 5\n")
    record_remote(path, "git@github.com:me/r.git")
    assert path.read_text() == 'new_per_day = 5\n\n[sync]\nremote = "git@github.com:me/r.git"\n'


def test_record_remote_refuses_a_config_it_cannot_edit_safely(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text('sync = { auto = true }\n')
    with pytest.raises(PyflashError, match="add it by hand"):
        record_remote(path, "/a.git")
    assert path.read_text() == 'sync = { auto = true }\n'


def test_resolve_remote(tmp_path):
    (tmp_path / "r.git").mkdir()
    assert resolve_remote("r.git", tmp_path) == str(tmp_path / "r.git")
    assert resolve_remote("git@github.com:me/r.git", tmp_path) == "git@github.com:me/r.git"
    assert resolve_remote("https://example.com/r.git", tmp_path) == "https://example.com/r.git"


def test_synced_ago():
    assert synced_ago(None, NOW) == "never synced"
    assert synced_ago(NOW - timedelta(seconds=30), NOW) == "synced just now"
    assert synced_ago(NOW - timedelta(minutes=5), NOW) == "synced 5 min ago"
    assert synced_ago(NOW - timedelta(hours=3), NOW) == "synced 3 h ago"
    assert synced_ago(NOW - timedelta(days=3), NOW) == "synced 3 days ago"


def test_status_line(tmp_path):
    locations = Locations(tmp_path / "reviews.sqlite3", tmp_path / "config.toml", (), sync=tmp_path / "sync")
    (tmp_path / "config.toml").write_text('[sync]\nremote = "/r.git"\n')
    config = load_config(tmp_path / "config.toml")
    assert status_line(locations, load_config(tmp_path / "none.toml"), NOW) is None  # not set up: nothing shown
    assert status_line(locations, config, NOW) == "never synced"
    (tmp_path / "sync/.git").mkdir(parents=True)
    save_state(tmp_path / "sync/.git", SyncState(last_sync=NOW - timedelta(minutes=5)))
    assert status_line(locations, config, NOW) == "synced 5 min ago"
    save_state(tmp_path / "sync/.git", SyncState(last_sync=NOW - timedelta(minutes=5), last_error="offline"))
    assert status_line(locations, config, NOW) == "synced 5 min ago · last try failed"


def test_a_token_in_a_url_is_never_shown():
    from pyflash.sync.git import redact

    assert redact("fatal: unable to access 'https://me:ghp_secret@github.com/me/r.git/'") == (
        "fatal: unable to access 'https://***@github.com/me/r.git/'"
    )
    assert redact("/media/stick/r.git") == "/media/stick/r.git"
