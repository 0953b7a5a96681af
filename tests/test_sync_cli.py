"""pyflash sync for real: two homes and one bare repository, driven through the CLI and the core."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from dataclasses import replace
from pathlib import Path

import pytest

from conftest import FakeClock, run_main, write_deck
from pyflash.core.locations import Locations
from pyflash.core.review.store import Store
from pyflash.core.workspace import open_workspace

DECK = "deck: Sync\ncards:\n" + "".join(f"  - id: c{n}\n    q: Card {n}?\n    a: '{n}'\n" for n in range(1, 6))


@pytest.fixture
def world(tmp_path, monkeypatch):
    """Two homes, A and B, with the same deck folder, and one bare repository; git sees no global config."""
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(tmp_path / "no-gitconfig"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for who in ("AUTHOR", "COMMITTER"):
        monkeypatch.setenv(f"GIT_{who}_NAME", "Test")
        monkeypatch.setenv(f"GIT_{who}_EMAIL", "test@example.invalid")
    remote = tmp_path / "remote.git"
    subprocess.run(["git", "init", "-q", "--bare", str(remote)], check=True)
    decks = tmp_path / "decks"
    write_deck(decks, "sync.yaml", DECK)
    return {"A": tmp_path / "home-a", "B": tmp_path / "home-b", "remote": remote, "decks": decks}


def locations(home: Path, decks: Path) -> Locations:
    data = home / "data"
    return Locations(data / "reviews.sqlite3", home / "config" / "config.toml", (("user", decks),), None, data / "sync")


def study(world, name, grades, clock, *, undo=False):
    """Grade the next cards of home ``name`` through the core (as the TUI does); then undo the last if asked."""
    ws = open_workspace([str(world["decks"])], locations=locations(world[name], world["decks"]), clock=clock, zone=clock.zone)
    try:
        session = ws.session()
        graded = []
        for grade in grades:
            graded.append(session.current.key)
            session.reveal()
            session.grade(grade)
            clock.advance(seconds=30)
        if undo:
            session.undo()
        return graded
    finally:
        ws.close()


def sync(world, name, capsys, *more):
    return run_main(["sync", "--home", str(world[name]), *more], capsys)


def snapshot(world, name):
    """(card states, every review event id) of home ``name``'s store.

    The card's text is left out: it stays on its machine (docs/sync.md, "What is shared"), and each
    store has it from its own decks.
    """
    with Store(world[name] / "data" / "reviews.sqlite3") as store:
        states = {key: replace(state, text="") for key, state in store.states().items()}
        events = {f"{d}-{s}" for d, s in store.connection.execute("SELECT device, seq FROM reviews")}
    return states, events


def test_grade_on_a_sync_a_sync_b_gives_b_the_same_state(world, capsys):
    clock = FakeClock()
    graded = study(world, "A", [4, 5], clock)
    code, out, err = sync(world, "A", capsys, "--remote", str(world["remote"]))
    assert code == 0, err
    assert "2 events of this device written; pushed to" in out
    assert f'remote = "{world["remote"]}"' in (world["A"] / "config/config.toml").read_text()
    code, out, err = sync(world, "B", capsys, "--remote", str(world["remote"]))
    assert code == 0, err
    assert "received 2 events from other devices: 2 cards replayed" in out
    a, b = snapshot(world, "A"), snapshot(world, "B")
    assert [a[0][k] for k in graded] == [b[0][k] for k in graded] and a == b
    shared = "".join(p.read_text() for p in (world["B"] / "data/sync").glob("events/*/*.jsonl"))
    assert graded[0] in shared and "Card 1?" not in shared  # no deck text leaves the machine
    code, out, _ = sync(world, "B", capsys)  # the remote is in the config now
    assert code == 0 and "nothing new from other devices" in out


def test_offline_grades_on_both_merge_to_the_same_state(world, capsys):
    clock_a, clock_b = FakeClock(), FakeClock()
    clock_b.advance(seconds=10)
    study(world, "A", [4, 4, 2], clock_a)  # c1 c2 c3 (and c3 comes back)
    study(world, "B", [3, 5], clock_b)  # c1 c2 too, at other times
    for name in ("A", "B", "A", "B"):
        code, _, err = sync(world, name, capsys, "--remote", str(world["remote"]))
        assert code == 0, err
    (states_a, events_a), (states_b, events_b) = snapshot(world, "A"), snapshot(world, "B")
    assert len(events_a) == 5 and events_a == events_b
    assert states_a == states_b


def test_undo_travels_and_takes_back_only_its_own_event(world, capsys):
    clock = FakeClock()
    ws = open_workspace([str(world["decks"])], locations=locations(world["A"], world["decks"]), clock=clock, zone=clock.zone)
    try:
        session = ws.session()
        session.reveal()
        session.grade(4)  # c1 on A
        assert sync(world, "A", capsys, "--remote", str(world["remote"]))[0] == 0
        assert sync(world, "B", capsys, "--remote", str(world["remote"]))[0] == 0
        assert not snapshot(world, "B")[0]["c1"].is_new
        clock.advance(minutes=1)
        assert study(world, "B", [5], clock) == ["c2"]  # B's own grade
        session.undo()  # A takes back its grade of c1
    finally:
        ws.close()
    for name in ("A", "B", "A"):
        assert sync(world, name, capsys)[0] == 0
    (states_a, events_a), (states_b, events_b) = snapshot(world, "A"), snapshot(world, "B")
    assert ("c1" not in states_b or states_b["c1"].is_new) and not states_b["c2"].is_new
    assert states_a == states_b and events_a == events_b and len(events_a) == 3  # grade, undo, B's grade


def test_a_push_rejected_because_the_remote_moved_is_retried(world, capsys):
    from datetime import UTC, datetime

    from pyflash.core import load_config
    from pyflash.sync.home import sync_home

    clock = FakeClock()
    study(world, "A", [4], clock)
    study(world, "B", [5], clock)
    sync(world, "B", capsys, "--remote", str(world["remote"]))
    moved = []

    def b_pushes_first(stage):
        if stage == "merged" and not moved:
            study(world, "B", [4], clock)
            moved.append(sync(world, "B", capsys))

    where = locations(world["A"], world["decks"])
    config = load_config(where.config)
    result = sync_home(
        where, config, env=os.environ, now=lambda: datetime.now(UTC), remote=str(world["remote"]), hook=b_pushes_first
    )
    assert moved[0][0] == 0 and result.pushed and result.retries == 1
    assert sync(world, "B", capsys)[0] == 0
    assert snapshot(world, "A") == snapshot(world, "B") and len(snapshot(world, "A")[1]) == 3


KILLER = textwrap.dedent(
    """
    import os, sys
    from datetime import UTC, datetime
    from pyflash import paths
    from pyflash.core import load_config
    from pyflash.sync.home import sync_home

    stage = sys.argv[1]

    def hook(at):
        if at == stage:
            os.kill(os.getpid(), 9)

    sync_home(paths.locations(), load_config(paths.config_path()), env=os.environ, now=lambda: datetime.now(UTC), hook=hook)
    """
)


@pytest.mark.parametrize("stage", ["written", "merged", "ingested"])
def test_kill_9_in_the_middle_of_a_sync_loses_nothing(world, capsys, stage):
    clock = FakeClock()
    study(world, "A", [4], clock)
    study(world, "B", [3], clock)
    sync(world, "A", capsys, "--remote", str(world["remote"]))
    sync(world, "B", capsys, "--remote", str(world["remote"]))
    study(world, "A", [4, 5], clock)
    env = {**os.environ, "PYFLASH_HOME": str(world["A"])}
    killed = subprocess.run([sys.executable, "-c", KILLER, stage], env=env, capture_output=True, text=True, timeout=60)
    assert killed.returncode == -9, killed.stderr
    code, _, err = sync(world, "A", capsys)
    assert code == 0, err
    assert sync(world, "B", capsys)[0] == 0
    states_a, events_a = snapshot(world, "A")
    assert len(events_a) == 4 and snapshot(world, "B") == (states_a, events_a)
    own = sorted((world["A"] / "data/sync/events").glob("*/*.jsonl"))
    lines = [line for path in own for line in path.read_text().splitlines()]
    assert len(lines) == len(set(lines)) == 4  # each event once, in the files of its device


def test_a_corrupt_line_is_reported_with_its_place_and_skipped(world, capsys):
    clock = FakeClock()
    study(world, "A", [4, 4], clock)
    sync(world, "A", capsys, "--remote", str(world["remote"]))
    sync_a = world["A"] / "data/sync"
    (own,) = sync_a.glob("events/*/*.jsonl")
    lines = own.read_text().splitlines(keepends=True)
    own.write_text(lines[0] + '{"id": "hand edited\n' + lines[1])
    subprocess.run(["git", "-C", str(sync_a), "commit", "-qam", "a hand edit"], check=True)
    subprocess.run(["git", "-C", str(sync_a), "push", "-q", "origin", "HEAD:main"], check=True)
    code, out, err = sync(world, "B", capsys, "--remote", str(world["remote"]))
    where = world["B"] / "data/sync" / own.relative_to(sync_a)
    assert code == 0 and "Traceback" not in err
    assert err.startswith(f"warning: {where}:2: ") and "received 2 events" in out
    code, out, err = sync(world, "B", capsys)
    assert f"{where}:2: " in err  # reported again until fixed


def test_git_missing_is_one_line_and_exit_2(world, capsys, monkeypatch, tmp_path):
    (tmp_path / "empty-bin").mkdir()
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))
    code, out, err = sync(world, "A", capsys, "--remote", str(world["remote"]))
    assert code == 2 and len(err.strip().splitlines()) == 1 and "needs git" in err


def test_no_remote_says_how_to_set_one(world, capsys):
    code, _, err = sync(world, "A", capsys)
    assert code == 2 and "pyflash sync --remote URL_OR_PATH" in err


def test_an_unreachable_remote_exits_2_and_keeps_the_events(world, capsys, tmp_path):
    clock = FakeClock()
    study(world, "A", [4], clock)
    code, out, err = sync(world, "A", capsys, "--remote", str(tmp_path / "nowhere.git"))
    assert code == 2 and "cannot reach the remote" in err and "1 event of this device written; not pushed" in out
    assert not (world["A"] / "config/config.toml").exists()  # a remote that was never reached is not recorded
    assert sync(world, "A", capsys, "--remote", str(world["remote"]))[0] == 0
    code, out, _ = sync(world, "B", capsys, "--remote", str(world["remote"]))
    assert "received 1 event from other devices" in out


def restore_from_backup(world, name, clock):
    """A day later, back up home ``name``'s store (the day's backup, as opening pyflash makes it), and give
    back a function that puts that backup in place (``pyflash doctor --restore``'s core: a new device id)."""
    from pyflash.core.review.backup import daily_backup, restore

    clock.advance(days=1)
    path, day = world[name] / "data" / "reviews.sqlite3", clock().date()
    with Store(path) as store:
        assert daily_backup(store, day=day.toordinal(), keep=7) is not None
    return lambda: restore(path, day.isoformat(), now=clock())


def test_a_restored_store_sends_the_backups_unsent_grades_under_its_old_id(world, capsys):
    clock = FakeClock()
    study(world, "A", [4], clock)
    assert sync(world, "A", capsys, "--remote", str(world["remote"]))[0] == 0
    study(world, "A", [5], clock)  # c2: never synced before the store is lost
    put_back = restore_from_backup(world, "A", clock)
    study(world, "A", [3], clock)  # c3, after the backup: lost with the store
    put_back()
    code, out, err = sync(world, "A", capsys)
    assert code == 0, err
    assert "1 event of this device written" in out  # A's old id's seq 2, from the backup
    assert sync(world, "B", capsys, "--remote", str(world["remote"]))[0] == 0
    (states_a, events_a), (states_b, events_b) = snapshot(world, "A"), snapshot(world, "B")
    assert len(events_b) == 2 and events_a == events_b and states_a == states_b
    study(world, "A", [4], clock)  # the new id's first grade goes out too, once
    assert sync(world, "A", capsys)[0] == 0 and sync(world, "B", capsys)[0] == 0
    assert snapshot(world, "A") == snapshot(world, "B") and len(snapshot(world, "B")[1]) == 3
    lines = [line for p in (world["A"] / "data/sync").glob("events/*/*.jsonl") for line in p.read_text().splitlines()]
    assert len(lines) == len(set(lines)) == 3


def test_a_restored_store_receives_again_what_the_old_one_had_received_after_the_backup(world, capsys):
    clock = FakeClock()
    study(world, "A", [4], clock)
    assert sync(world, "A", capsys, "--remote", str(world["remote"]))[0] == 0
    put_back = restore_from_backup(world, "A", clock)
    clock.advance(minutes=5)
    study(world, "B", [5, 3], clock)
    assert sync(world, "B", capsys, "--remote", str(world["remote"]))[0] == 0
    assert "received 2 events" in sync(world, "A", capsys)[1]  # B's, into the store about to be lost
    put_back()
    code, out, err = sync(world, "A", capsys)
    assert code == 0, err
    assert "received 2 events" in out  # the working copy had read them for the old store
    assert snapshot(world, "A") == snapshot(world, "B") and len(snapshot(world, "A")[1]) == 3
    assert "nothing new from other devices" in sync(world, "A", capsys)[1]  # and only once
