"""The git half of sync (pyflash.sync) against an in-memory event log: files, commits, merges, pushes."""

from __future__ import annotations

import gc
import os
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from pyflash.sync import GitMissing, status, sync
from pyflash.sync.events import Event, encode
from pyflash.sync.files import OwnFiles, read_new

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


@dataclass
class Done:
    added: int
    skipped_known: int
    cards: frozenset


class FakeLog:
    """The store's event log, in memory: own events get increasing seqs; ingest keeps every id once."""

    def __init__(self, device: str) -> None:
        self.device_id = device
        self.events: dict[str, Event] = {}
        self.seq = 0

    def grade(self, card: str, ts: str = "2026-03-02T10:00:00Z") -> Event:
        self.seq += 1
        data = {"deck": "D", "day": 1, "grade": 4, "after": {"key": card, "deck": "D"}}
        event = Event(f"{self.device_id}-{self.seq}", self.device_id, self.seq, ts, card, "review", data)
        self.events[event.id] = event
        return event

    def outbox(self, after_seq: int = 0) -> list[Event]:
        return sorted((e for e in self.events.values() if e.device == self.device_id and e.seq > after_seq), key=lambda e: e.seq)

    def ingest(self, events):
        added = [e for e in events if e.id not in self.events]
        for e in added:
            self.events[e.id] = e
        return Done(len(added), len(events) - len(added), frozenset(e.card for e in added))


@pytest.fixture
def env(tmp_path, monkeypatch):
    """git with no global or system config, and a fixed identity."""
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(tmp_path / "no-gitconfig"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for who in ("AUTHOR", "COMMITTER"):
        monkeypatch.setenv(f"GIT_{who}_NAME", "Test")
        monkeypatch.setenv(f"GIT_{who}_EMAIL", "test@example.invalid")
    return dict(os.environ)


@pytest.fixture
def remote(tmp_path, env):
    path = tmp_path / "remote.git"
    subprocess.run(["git", "init", "-q", "--bare", str(path)], check=True, env=env)
    return str(path)


def run(log, folder, remote, env, **kw):
    return sync(log, folder, remote=remote, env=env, now=lambda: NOW, **kw)


def test_events_travel_both_ways(tmp_path, remote, env):
    a, b = FakeLog("dev-a"), FakeLog("dev-b")
    a.grade("c1")
    a.grade("c2", ts="2026-04-01T00:00:00Z")
    b.grade("c1")
    first = run(a, tmp_path / "a", remote, env)
    assert (first.sent, first.committed, first.pushed, first.received) == (2, True, True, 0)
    assert sorted(p.name for p in (tmp_path / "a/events/dev-a").iterdir()) == ["2026-03.jsonl", "2026-04.jsonl"]
    second = run(b, tmp_path / "b", remote, env)
    assert (second.sent, second.pushed, second.received) == (1, True, 2)
    third = run(a, tmp_path / "a", remote, env)
    assert (third.sent, third.committed, third.received, third.known) == (0, False, 1, 0)
    assert a.events == b.events and len(a.events) == 3
    assert status(tmp_path / "a").last_sync == NOW


class CollectorSpy(FakeLog):
    """Records whether Python's cyclic garbage collector was on while the received events were ingested."""

    def __init__(self, device: str, fail: bool = False) -> None:
        super().__init__(device)
        self.collecting: list[bool] = []
        self.fail = fail

    def ingest(self, events):
        self.collecting.append(gc.isenabled())
        if self.fail:
            raise RuntimeError("the ingest failed")
        return super().ingest(events)


def test_the_collector_is_paused_for_the_receive_and_on_again_after(tmp_path, remote, env):
    a, b, c = FakeLog("dev-a"), CollectorSpy("dev-b"), CollectorSpy("dev-c", fail=True)
    a.grade("c1")
    run(a, tmp_path / "a", remote, env)
    run(b, tmp_path / "b", remote, env)
    assert b.collecting == [False] and gc.isenabled()
    with pytest.raises(RuntimeError, match="the ingest failed"):
        run(c, tmp_path / "c", remote, env)
    assert c.collecting == [False] and gc.isenabled()


def test_nothing_new_reads_nothing_again(tmp_path, remote, env):
    a, b = FakeLog("dev-a"), FakeLog("dev-b")
    a.grade("c1")
    run(a, tmp_path / "a", remote, env)
    run(b, tmp_path / "b", remote, env)
    again = run(b, tmp_path / "b", remote, env)
    assert (again.sent, again.received, again.known, again.files) == (0, 0, 0, 0)


def test_another_store_on_the_working_copy_reads_every_line_again(tmp_path, remote, env):
    import json

    from pyflash.sync.state import STATE

    a, b = FakeLog("dev-a"), FakeLog("dev-b")
    a.grade("c1")
    run(a, tmp_path / "a", remote, env)
    run(b, tmp_path / "b", remote, env)
    saved = tmp_path / "b/.git" / STATE
    raw = json.loads(saved.read_text())
    assert raw["device"] == "dev-b"
    del raw["device"]  # a state written before the store's id was kept: its marks are taken as this store's
    saved.write_text(json.dumps(raw))
    assert run(b, tmp_path / "b", remote, env).files == 0 and json.loads(saved.read_text())["device"] == "dev-b"
    fresh = FakeLog("dev-b2")  # the store made anew (or restored: a new id) on the same working copy
    again = run(fresh, tmp_path / "b", remote, env)
    assert (again.received, again.files) == (1, 1) and fresh.events == a.events


def test_push_rejected_because_the_remote_moved_is_retried(tmp_path, remote, env):
    a, b = FakeLog("dev-a"), FakeLog("dev-b")
    a.grade("c1")
    b.grade("c2")
    moved = []

    def b_syncs_first(stage):
        if stage == "merged" and not moved:
            moved.append(run(b, tmp_path / "b", remote, env))

    result = run(a, tmp_path / "a", remote, env, hook=b_syncs_first)
    assert moved[0].pushed and result.pushed and result.retries == 1
    assert result.received == 1 and set(a.events) == {"dev-a-1", "dev-b-1"}
    assert run(b, tmp_path / "b", remote, env).received == 1
    assert a.events == b.events


def test_unreachable_remote_keeps_the_events_for_the_next_sync(tmp_path, remote, env):
    a, b = FakeLog("dev-a"), FakeLog("dev-b")
    a.grade("c1")
    missing = str(tmp_path / "nowhere.git")
    failed = run(a, tmp_path / "a", missing, env)
    assert failed.committed and not failed.pushed and "cannot reach the remote" in failed.error
    assert status(tmp_path / "a").last_sync is None and status(tmp_path / "a").last_error == failed.error
    later = run(a, tmp_path / "a", remote, env)  # the remote is back (here: set right)
    assert later.sent == 0 and later.pushed and later.error is None
    assert run(b, tmp_path / "b", remote, env).received == 1


@pytest.mark.parametrize("stage", ["committed", "pushed"])  # the CLI tests kill -9 at the other stages
def test_an_interrupted_sync_loses_nothing_and_the_next_completes(tmp_path, remote, env, stage):
    a, b = FakeLog("dev-a"), FakeLog("dev-b")
    a.grade("c1")
    run(a, tmp_path / "a", remote, env)
    a.grade("c2")
    a.grade("c3")
    b.grade("c9")
    run(b, tmp_path / "b", remote, env)

    def crash(at):
        if at == stage:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run(a, tmp_path / "a", remote, env, hook=crash)
    again = run(a, tmp_path / "a", remote, env)
    assert again.error is None and again.problems == []
    run(b, tmp_path / "b", remote, env)
    assert set(a.events) == set(b.events) == {"dev-a-1", "dev-a-2", "dev-a-3", "dev-b-1"}
    lines = (tmp_path / "a/events/dev-a/2026-03.jsonl").read_text().splitlines()
    assert [line.count('"seq":') for line in lines] == [1, 1, 1]  # each event once


def test_a_half_written_line_and_stale_git_locks_are_repaired(tmp_path, remote, env):
    a, b = FakeLog("dev-a"), FakeLog("dev-b")
    a.grade("c1")
    run(a, tmp_path / "a", remote, env)
    second = a.grade("c2")
    own = tmp_path / "a/events/dev-a/2026-03.jsonl"
    with own.open("a") as fh:
        fh.write(encode(second)[:20])  # a write cut short by a kill
    (tmp_path / "a/.git/index.lock").write_text("")  # a git killed mid-command
    again = run(a, tmp_path / "a", remote, env)
    assert again.error is None and again.sent == 1
    assert own.read_text() == "".join(encode(e) + "\n" for e in a.outbox())
    assert run(b, tmp_path / "b", remote, env).received == 2


def test_own_files_repair_and_last_seq(tmp_path):
    log = FakeLog("d")
    files = OwnFiles(tmp_path, "d")
    assert files.last_seq() == 0
    files.append([log.grade("x"), log.grade("y", ts="2026-05-01T00:00:00Z"), log.grade("z")])
    assert files.last_seq() == 3
    path = tmp_path / "events/d/2026-03.jsonl"
    path.write_bytes(path.read_bytes() + b'{"id": "half')
    assert files.repair() == [path] and files.repair() == []
    assert path.read_bytes().endswith(b"\n") and files.last_seq() == 3


def test_a_corrupt_line_is_reported_with_its_place_every_time_until_fixed(tmp_path):
    log = FakeLog("other")
    OwnFiles(tmp_path, "other").append([log.grade("a"), log.grade("b"), log.grade("c")])
    path = tmp_path / "events/other/2026-03.jsonl"
    lines = path.read_text().splitlines(keepends=True)
    good_second = lines[1]
    lines[1] = "{not json\n"
    path.write_text("".join(lines))
    first = read_new(tmp_path, "me", {})
    assert [e.seq for e in first.events] == [1, 3]
    assert len(first.problems) == 1 and first.problems[0].startswith(f"{path}:2: ")
    again = read_new(tmp_path, "me", first.marks)
    assert again.problems == first.problems  # still reported
    lines[1] = good_second
    path.write_text("".join(lines))
    fixed = read_new(tmp_path, "me", again.marks)
    assert fixed.problems == [] and 2 in [e.seq for e in fixed.events]
    assert read_new(tmp_path, "me", fixed.marks).events == []


def test_a_corrupt_line_from_another_device_does_not_stop_a_sync(tmp_path, remote, env):
    a, b = FakeLog("dev-a"), FakeLog("dev-b")
    a.grade("c1")
    run(a, tmp_path / "a", remote, env)
    with (tmp_path / "a/events/dev-a/2026-03.jsonl").open("a") as fh:
        fh.write("garbage\n")  # a hand edit, committed and pushed by a
    subprocess.run(["git", "-C", str(tmp_path / "a"), "commit", "-qam", "edit"], check=True, env=env)
    subprocess.run(["git", "-C", str(tmp_path / "a"), "push", "-q", "origin", "HEAD:main"], check=True, env=env)
    result = run(b, tmp_path / "b", remote, env)
    where = tmp_path / "b/events/dev-a/2026-03.jsonl"
    assert result.received == 1 and result.problems and result.problems[0].startswith(f"{where}:2: ")
    assert run(b, tmp_path / "b", remote, env).problems == result.problems


def test_include_decks_copies_the_deck_folder(tmp_path, remote, env):
    decks = tmp_path / "my-decks"
    (decks / "sub").mkdir(parents=True)
    (decks / "sub/x.yaml").write_text("deck: X\ncards: []\n")
    (decks / "notes.txt").write_text("not a deck")
    a = FakeLog("dev-a")
    assert run(a, tmp_path / "a", remote, env, decks=decks).committed
    assert (tmp_path / "a/decks/dev-a/sub/x.yaml").read_text() == "deck: X\ncards: []\n"
    assert not (tmp_path / "a/decks/dev-a/notes.txt").exists()
    (decks / "sub/x.yaml").unlink()
    assert run(a, tmp_path / "a", remote, env, decks=decks).committed
    assert not (tmp_path / "a/decks/dev-a/sub/x.yaml").exists()
    assert not run(a, tmp_path / "a", remote, env).committed  # without decks: the events only, nothing new


def test_git_missing_is_a_clear_error(tmp_path, env):
    with pytest.raises(GitMissing, match="needs git"):
        run(FakeLog("a"), tmp_path / "a", "x", {**env, "PATH": str(tmp_path)})


def test_card_text_stays_on_the_machine():
    from pyflash.sync.private import without_text

    state = {"key": "k", "deck": "D", "text": "What is the secret?"}
    grade = Event("d-1", "d", 1, "2026-03-02T10:00:00Z", "k", "review", {"deck": "D", "day": 1, "grade": 4, "before": state, "after": state})
    relink = Event("d-2", "d", 2, "2026-03-02T10:00:00Z", "k", "relink", {"deck": "D", "new": "k2", "similarity": 0.9, "text": "secret"})
    assert "secret" not in encode(without_text(grade)) + encode(without_text(relink))
    assert without_text(grade).data["after"] == {"key": "k", "deck": "D"} and grade.data["after"]["text"]  # a copy
    plain = Event("d-3", "d", 3, "2026-03-02T10:00:00Z", "k", "undo", {"deck": "D", "day": 1, "undoes": "d-1"})
    assert without_text(plain) is plain


def test_the_new_lines_are_read_while_git_pushes_and_again_after_a_retried_merge(tmp_path, remote, env, monkeypatch):
    import threading

    import pyflash.sync.run as sync_run

    readers: list[str] = []
    real = sync_run.read_new

    def spy(*args):
        readers.append(threading.current_thread().name)
        return real(*args)

    monkeypatch.setattr(sync_run, "read_new", spy)
    a, b = FakeLog("dev-a"), FakeLog("dev-b")
    a.grade("c1")
    run(a, tmp_path / "a", remote, env)
    readers.clear()
    b.grade("c2")  # b pushes (its read runs meanwhile, in a thread) and receives a's line
    assert run(b, tmp_path / "b", remote, env).received == 1
    assert readers == ["pyflash-sync-read"]
    readers.clear()
    assert run(a, tmp_path / "a", remote, env).received == 1  # nothing to push: read after the merge
    assert readers == ["MainThread"]
    readers.clear()
    a.grade("c3")
    b.grade("c4")

    def b_syncs_first(stage):
        if stage == "merged" and not readers:
            readers.append("b")
            run(b, tmp_path / "b", remote, env)

    result = run(a, tmp_path / "a", remote, env, hook=b_syncs_first)
    assert result.retries == 1 and result.received == 1  # the read before the retried merge was dropped
    assert readers == ["b", "pyflash-sync-read", "pyflash-sync-read", "pyflash-sync-read"]


def test_an_empty_repository_on_disk_gets_the_branch_its_head_names(tmp_path, env):
    # git init --bare names "master" (or init.defaultBranch) as HEAD; the first push creates that branch, so a
    # clone of the repository checks out the events instead of warning that HEAD names no branch.
    path = tmp_path / "trunk.git"
    subprocess.run(["git", "init", "-q", "--bare", "--initial-branch", "trunk", str(path)], check=True, env=env)
    a, b = FakeLog("dev-a"), FakeLog("dev-b")
    a.grade("c1")
    run(a, tmp_path / "a", str(path), env)
    refs = subprocess.run(["git", "--git-dir", str(path), "for-each-ref", "--format=%(refname)"],
                          check=True, env=env, capture_output=True, text=True).stdout.split()
    assert refs == ["refs/heads/trunk"]
    clone = subprocess.run(["git", "clone", "-q", str(path), str(tmp_path / "look")], env=env, capture_output=True, text=True)
    assert clone.returncode == 0 and "nonexistent ref" not in clone.stderr
    assert [p.name for p in (tmp_path / "look" / "events").iterdir()] == ["dev-a"]
    assert run(b, tmp_path / "b", f"file://{path}", env).received == 1  # another machine finds it (a file:// URL too)
    assert run(a, tmp_path / "a", str(path), env).received == 0
