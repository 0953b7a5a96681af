"""One sync: write this device's pending events, commit, fetch and merge, push, replay what is new.

The order keeps every step safe to interrupt (``kill -9`` included):

1. The working copy is brought back to its last commit: anything a killed
   sync left (a stale ``index.lock``, a half-done merge, uncommitted lines)
   is dropped. Nothing is lost by this: this device's events live in the
   review store, and what was not committed is written again in step 2.
2. The store's outbox after the last sequence number found in this device's
   files is appended to them, and committed.
3. ``git fetch`` and ``git merge`` (never a conflict: each device writes only
   its own files), then ``git push``; a push rejected because the remote moved
   meanwhile is retried after another fetch and merge. When the remote cannot
   be reached, the commit stays here and goes with the next sync.
4. The lines other devices added since the last sync (byte offsets kept in
   ``.git/pyflash-sync.json``) are decoded and given to the store's ingest,
   which skips events it has: reading a line twice is harmless.
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from pyflash.core.errors import PyflashError
from pyflash.core.gcpause import collector_paused
from pyflash.sync.events import EventLog
from pyflash.sync.files import EVENTS, FileMark, NewLines, OwnFiles, read_new
from pyflash.sync.git import Git, GitError, redact
from pyflash.sync.private import without_text
from pyflash.sync.state import SyncState, load_state, save_state

__all__ = ["DECKS", "LOCK", "SyncResult", "sync"]

BRANCH = "main"  # the branch pyflash creates on an empty remote
RETRIES = 3  # pushes retried when the remote moved between our fetch and our push
LOCK = "pyflash-sync.lock"
DECKS = "decks"
_NO_SIGN = ("-c", "commit.gpgSign=false")  # an automated log: never wait for a signing key


@dataclass
class SyncResult:
    """What one sync did."""

    device: str
    remote: str
    sent: int = 0  # this device's events written to its files
    committed: bool = False
    fetched: bool = False
    pushed: bool = False
    retries: int = 0  # pushes retried after the remote moved
    received: int = 0  # other devices' events new to this store
    known: int = 0  # other devices' events read again (already in the store)
    cards: int = 0  # cards whose state was replayed
    files: int = 0  # other devices' files with new lines
    repaired: list[Path] = field(default_factory=list)  # own files whose half-written last line was cut off
    problems: list[str] = field(default_factory=list)  # lines skipped, as file:line: what is wrong
    error: str | None = None  # why the remote was not reached; the events wait for the next sync
    git_seconds: float = 0.0  # wall time spent in git processes (the rest is pyflash's own)


Progress = Callable[[str], None]


def _nothing(_: str) -> None:
    pass


def sync(
    log: EventLog,
    folder: Path,
    *,
    remote: str,
    env: Mapping[str, str],
    now: Callable[[], datetime],
    decks: Path | None = None,
    timeout: float | None = None,
    interactive: bool = True,
    progress: Progress = _nothing,
    hook: Progress = _nothing,
) -> SyncResult:
    """Sync ``log`` (the review store) through the working copy ``folder`` with ``remote``.

    ``decks``: also copy this deck folder's YAML files into ``decks/<device>/``
    (``sync.include_decks``), and keep the cards' text in the events (without
    it, the text is left out: :mod:`pyflash.sync.private`). ``progress`` is told each step; ``hook`` is
    called after each stage ("written", "committed", "merged", "pushed",
    "ingested"), for tests that stop a sync there. Raises
    :class:`~pyflash.sync.git.GitMissing` without git, and :class:`PyflashError`
    when the working copy cannot be used; an unreachable remote is not raised
    but returned in ``SyncResult.error``, after the local steps are done.
    """
    git = Git(folder, env=env, interactive=interactive, timeout=timeout)
    device = log.device_id
    _init(git, folder, remote)
    git_dir = folder / ".git"
    with _locked(git_dir):
        state = load_state(git_dir)
        state.last_attempt = now()
        result = SyncResult(device=device, remote=remote)
        _clean_slate(git, folder, git_dir)

        if not _has_head(git):  # a new working copy: take what the remote has first (this device's own
            try:  # files too, when its store was restored), so its files continue the remote's
                _fetch(git)
                _merge(git, _branch(git, state.branch))
            except GitError:
                pass  # said again by the exchange below

        if state.device != device:  # a store this working copy has not fed (restored, or made anew): the
            if state.device is not None:  # marks say what the old one read; read every other device's lines again
                state.marks = {}
            state.device = device

        progress("writing events")
        for writer in (device, *getattr(log, "former_devices", ())):  # a restored store's old ids (docs/sync.md)
            own = OwnFiles(folder, writer)
            result.repaired += own.repair()
            result.sent += _write(log, own, device, keep_text=decks is not None)
        if decks is not None:
            _copy_decks(decks, folder / DECKS / device)
        hook("written")
        result.committed = _commit(git, device, result.sent)
        hook("committed")

        early = _EarlyRead(folder, device, state.marks)
        with collector_paused():
            try:
                _exchange(git, state, result, progress, hook, early)
            except GitError as exc:
                result.error = str(exc)
            except BaseException:
                early.stop()
                raise
            progress("replaying")
            new = early.take()  # what was read while git pushed, else read now
            if new.events:
                decoded = getattr(log, "ingest_decoded", None)  # the store's: the states' texts made by the read
                done = decoded(new.events, new.texts) if decoded is not None else log.ingest(new.events)
                result.received, result.known, result.cards = done.added, done.skipped_known, len(done.cards)
        result.files = new.files
        result.problems = new.problems
        state.marks = new.marks
        hook("ingested")
        if result.error is None:
            state.last_sync = now()
        state.last_error = result.error
        save_state(git_dir, state)
    result.git_seconds = git.seconds
    return result


# -- the working copy -----------------------------------------------------


def _init(git: Git, folder: Path, remote: str) -> None:
    """Create the working copy on first use; point ``origin`` at ``remote``."""
    if not (folder / ".git").is_dir():
        folder.mkdir(parents=True, exist_ok=True)
        git.run("init", "-q")
        git.run("symbolic-ref", "HEAD", f"refs/heads/{BRANCH}")
        git.run("config", "core.autocrlf", "false")
        if not git.ok("config", "--get", "user.email"):  # no identity configured: name the device's commits
            git.run("config", "user.name", "pyflash")
            git.run("config", "user.email", "pyflash@localhost")
    current = git.run("remote", "get-url", "origin", check=False)
    if current.returncode != 0:
        git.run("remote", "add", "origin", remote)
    elif current.stdout.strip() != remote:
        git.run("remote", "set-url", "origin", remote)


@contextmanager
def _locked(git_dir: Path) -> Iterator[None]:
    """One sync at a time in this working copy (a second one says so and stops)."""
    try:
        import fcntl  # deferred: POSIX only; elsewhere syncs are not locked against each other
    except ImportError:  # pragma: no cover - Windows
        yield
        return
    with (git_dir / LOCK).open("a") as fh:
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise PyflashError(f"{git_dir.parent}: another pyflash sync is running; try again when it ends") from None
        try:
            yield
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


def _has_head(git: Git) -> bool:
    return git.ok("rev-parse", "--verify", "--quiet", "HEAD")


def _clean_slate(git: Git, folder: Path, git_dir: Path) -> None:
    """Undo whatever a killed sync left: git's lock files, a half-done merge, uncommitted changes."""
    for stale in [*git_dir.glob("*.lock"), *(git_dir / "refs").rglob("*.lock")]:
        if stale.name != LOCK:
            stale.unlink(missing_ok=True)
    if (git_dir / "MERGE_HEAD").exists():
        git.run("merge", "--abort", check=False)
    if not git.out("status", "--porcelain", "--untracked-files=all"):
        return
    if _has_head(git):
        git.run("reset", "-q", "--hard", "HEAD")
        git.run("clean", "-q", "-f", "-d", "-x", "--", EVENTS, DECKS)
    else:  # nothing committed yet: nothing to keep (this device's events are in its store)
        (git_dir / "index").unlink(missing_ok=True)
        for name in (EVENTS, DECKS):
            shutil.rmtree(folder / name, ignore_errors=True)


def _copy_decks(source: Path, dest: Path) -> None:
    """Mirror the YAML files of ``source`` into ``dest`` (files gone from ``source`` go from ``dest``)."""
    wanted: dict[Path, bytes] = {}
    if source.is_dir():
        for path in sorted(source.rglob("*")):
            if path.suffix in (".yaml", ".yml") and path.is_file():
                wanted[path.relative_to(source)] = path.read_bytes()
    if dest.is_dir():
        for path in sorted(dest.rglob("*"), reverse=True):
            if path.is_file() and path.relative_to(dest) not in wanted:
                path.unlink()
    for rel, data in wanted.items():
        target = dest / rel
        if not target.is_file() or target.read_bytes() != data:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)


def _write(log: EventLog, own: OwnFiles, device: str, *, keep_text: bool) -> int:
    """Append to ``own`` the events of its device (this one, or a former id of the store) that its files
    do not have yet; how many."""
    lines = getattr(log, "outbox_lines", None)  # the store's: lines made from its rows (a faster outbox)
    if lines is not None:
        former = {} if own.device == device else {"device": own.device}
        made: list[tuple[str, str]] = lines(own.last_seq(), keep_text=keep_text, **former)
        own.append_lines(made)
        return len(made)
    if own.device != device:
        return 0  # a log without a store's outbox_lines has no former ids either
    pending = log.outbox(own.last_seq())
    own.append(pending if keep_text else [without_text(e) for e in pending])
    return len(pending)


def _commit(git: Git, device: str, events: int) -> bool:
    """Commit what this sync wrote (the working copy was clean before); whether there was anything."""
    git.run("add", "-A")
    if git.ok("diff", "--cached", "--quiet"):
        return False
    git.run(*_NO_SIGN, "commit", "-q", "--no-verify", "-m", f"pyflash: {events} event(s) from {device}")
    return True


# -- the remote -----------------------------------------------------------


class _EarlyRead:
    """The other devices' new lines, read and decoded in a thread while ``git push`` runs (a push does not
    change the working copy; on a second core the two overlap). What was read is dropped before a merge
    changes the working copy (a push retried), and read again after."""

    def __init__(self, folder: Path, device: str, marks: dict[str, FileMark]) -> None:
        self.args = (folder, device, marks)
        self.thread: threading.Thread | None = None
        self.found: NewLines | None = None

    def start(self) -> None:
        if self.thread is None:
            self.found = None
            self.thread = threading.Thread(target=self._run, name="pyflash-sync-read", daemon=True)
            self.thread.start()

    def _run(self) -> None:
        try:
            self.found = read_new(*self.args)
        except Exception:  # read again by take(), which then raises it where it belongs
            self.found = None

    def stop(self) -> None:
        """Before the working copy changes: wait for the read and drop it."""
        if self.thread is not None:
            self.thread.join()
            self.thread, self.found = None, None

    def take(self) -> NewLines:
        """The new lines: those read meanwhile, else read now."""
        if self.thread is not None:
            self.thread.join()
            self.thread = None
        found, self.found = self.found, None
        return found if found is not None else read_new(*self.args)


def _exchange(
    git: Git, state: SyncState, result: SyncResult, progress: Progress, hook: Progress, early: _EarlyRead | None = None
) -> None:
    """Fetch, merge, push (retried when the remote moved meanwhile); ``early`` reads the new lines meanwhile."""
    progress("fetching")
    _fetch(git)
    result.fetched = True
    branch = state.branch = _branch(git, state.branch)
    progress("merging")
    _merge(git, branch)
    hook("merged")
    attempt = 0
    while _ahead(git, branch):
        progress("pushing")
        if early is not None:
            early.start()
        done = git.run("push", "--porcelain", "origin", f"HEAD:refs/heads/{branch}", check=False, network=True)
        if done.returncode == 0:
            result.pushed = True
            break
        rejected = any(line.startswith("!") and "[rejected]" in line for line in done.stdout.splitlines())
        if not rejected or attempt >= RETRIES:
            why = _why(done.stderr or done.stdout)
            raise GitError(f"git push failed: {why}; your events are committed locally and go with the next sync", done.stderr)
        attempt += 1
        result.retries = attempt
        progress("the remote moved: merging again")
        if early is not None:
            early.stop()
        _fetch(git)
        _merge(git, branch)
    hook("pushed")


def _why(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    for line in lines:
        if line.startswith(("fatal:", "error:", "!")):
            return redact(line)
    return redact(lines[0]) if lines else "no message"


def _fetch(git: Git) -> None:
    done = git.run("fetch", "--quiet", "--prune", "origin", check=False, network=True)
    if done.returncode != 0:
        raise GitError(f"cannot reach the remote: {_why(done.stderr)}; your events are committed locally and go with the next sync", done.stderr)


def _branch(git: Git, known: str | None) -> str:
    """The remote's branch: the one used before, else ``main``, else ``master`` (a repository made elsewhere); on
    an empty remote, the branch its HEAD names when it is on this disk (see :func:`_unborn_head`), else ``main``."""
    for name in (known, BRANCH, "master"):
        if name and git.ok("rev-parse", "--verify", "--quiet", f"refs/remotes/origin/{name}"):
            return name
    return known or _unborn_head(git) or BRANCH


def _unborn_head(git: Git) -> str | None:
    """The branch an empty repository on this disk names as its HEAD (``git init --bare`` makes ``master``, or
    the user's ``init.defaultBranch``): the first push creates that branch, so that a clone of the repository
    checks it out (a push to ``main`` there left HEAD naming no branch: "remote HEAD refers to nonexistent ref").
    None for a remote reached over the network (git does not tell an empty remote's HEAD before a push)."""
    url = git.out("remote", "get-url", "origin")
    path = Path(url.removeprefix("file://"))
    if not path.is_absolute() or not path.is_dir():
        return None
    done = git.run("--git-dir", str(path), "symbolic-ref", "--short", "-q", "HEAD", check=False)
    name = done.stdout.strip()
    return name if done.returncode == 0 and name else None


def _merge(git: Git, branch: str) -> None:
    ref = f"refs/remotes/origin/{branch}"
    if not git.ok("rev-parse", "--verify", "--quiet", ref):
        return  # an empty remote: the push creates the branch
    done = git.run(
        *_NO_SIGN, "merge", "-q", "--no-edit", "--allow-unrelated-histories", "-m", "pyflash: merge", ref, check=False
    )
    if done.returncode == 0:
        return
    conflicts = git.run("diff", "--name-only", "--diff-filter=U", check=False).stdout.split()
    git.run("merge", "--abort", check=False)
    if conflicts:
        raise PyflashError(
            f"{git.repo / conflicts[0]}: changed both here and on the remote; two machines may share one device id "
            "(a copied data folder?); see docs/sync.md, 'Two machines with one id'"
        )
    raise GitError(f"git merge failed: {_why(done.stderr or done.stdout)}", done.stderr)


def _ahead(git: Git, branch: str) -> bool:
    """Whether HEAD has commits the remote's branch lacks."""
    if not _has_head(git):
        return False
    ref = f"refs/remotes/origin/{branch}"
    if not git.ok("rev-parse", "--verify", "--quiet", ref):
        return True
    return git.out("rev-list", "--count", f"{ref}..HEAD") != "0"
