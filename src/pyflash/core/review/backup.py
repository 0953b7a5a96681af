"""Daily backups of the review database, and bringing one back.

On the first open of a study day, :func:`daily_backup` copies the database
with SQLite's backup API (a consistent copy, even of a database in use) to
``<data dir>/backups/reviews-YYYY-MM-DD.sqlite3`` and keeps the newest
``backups_keep`` (7 by default) of them. A database too big for the full
check at every open is fully checked first, so a damaged file never pushes a
good backup out. :func:`restore` brings one back, keeping the current file
aside.
"""

# No `from __future__ import annotations` here: a NamedTuple's string annotations are compiled one
# by one at import, at every start (tests/test_startup_imports.py).
import os
import re
import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import NamedTuple

from pyflash.core.errors import PyflashError, StoreError
from pyflash.core.review.faults import DOCTOR
from pyflash.core.review.health import FULL_CHECK_BYTES, quick_check, size_of
from pyflash.core.review.store import Store

_NAME = r"^(?P<stem>.+)-(?P<date>\d{4}-\d{2}-\d{2})\.sqlite3$"  # compiled at its first use (re caches it): start-up time


class Backup(NamedTuple):
    day: date
    path: Path
    size: int


def backups_dir_for(store_path: Path) -> Path:
    """Where the backups of the database at ``store_path`` go: ``backups/`` next to it."""
    return store_path.parent / "backups"


def _stem(store_path: Path) -> str:
    return store_path.name.removesuffix(".sqlite3")


def list_backups(store_path: Path, folder: Path | None = None) -> list[Backup]:
    """The backups of ``store_path``, newest first."""
    folder = folder or backups_dir_for(store_path)
    found: list[Backup] = []
    try:
        entries = list(folder.iterdir())
    except (FileNotFoundError, NotADirectoryError):
        return []
    except OSError as exc:
        raise PyflashError(f"{folder}: cannot list the backups ({exc.strerror})") from None
    for entry in entries:
        m = re.match(_NAME, entry.name)
        if m is None or m["stem"] != _stem(store_path):
            continue
        try:
            found.append(Backup(date.fromisoformat(m["date"]), entry, entry.stat().st_size))
        except (ValueError, OSError):
            continue
    return sorted(found, reverse=True)


def _copy(source: sqlite3.Connection, target: Path) -> None:
    """A consistent copy of ``source`` at ``target``, written beside it and renamed into place."""
    tmp = target.with_name(f".{target.name}.tmp")
    tmp.unlink(missing_ok=True)
    try:
        with closing(sqlite3.connect(tmp, isolation_level=None)) as copy:
            source.backup(copy)
            copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


def copy_database(store: Store, target: Path) -> None:
    """A consistent copy of the open ``store`` at ``target`` (StoreError if it cannot be written)."""
    try:
        _copy(store.connection, target)
    except (OSError, sqlite3.Error) as exc:
        raise StoreError(f"{target}: cannot copy the review database there ({exc}); nothing was changed") from None


def daily_backup(store: Store, *, day: int, keep: int, folder: Path | None = None) -> Path | None:
    """Back up ``store`` once per study ``day``; returns the new backup, or None.

    Raises StoreError when the full check finds the database damaged (it is
    then not backed up). A backup that cannot be written is skipped silently:
    studying goes on, and ``pyflash doctor --list`` shows the newest backup.
    """
    if keep <= 0:
        return None
    folder = folder or backups_dir_for(store.path)
    target = folder / f"{_stem(store.path)}-{date.fromordinal(day).isoformat()}.sqlite3"
    if target.exists():
        return None
    db = store.connection
    try:
        if db.execute("SELECT 1 FROM cards LIMIT 1").fetchone() is None:
            return None  # nothing learned yet: nothing to keep
        if size_of(db) > FULL_CHECK_BYTES:  # smaller ones were fully checked on open
            problems = quick_check(db, limit=1)
            if problems:
                raise StoreError(f"{store.path}: is damaged ({problems[0]}); {DOCTOR}")
        folder.mkdir(parents=True, exist_ok=True)
        _copy(db, target)
    except (OSError, sqlite3.Error):
        return None
    for old in list_backups(store.path, folder)[keep:]:
        old.path.unlink(missing_ok=True)
    return target


def aside_name(path: Path, why: str, now: datetime) -> Path:
    """``reviews.sqlite3.<why>-YYYYMMDD-HHMMSS`` next to ``path``, not yet taken."""
    base = path.with_name(f"{path.name}.{why}-{now.strftime('%Y%m%d-%H%M%S')}")
    aside, n = base, 1
    while aside.exists():
        n += 1
        aside = base.with_name(f"{base.name}-{n}")
    return aside


def move_aside(path: Path, aside: Path) -> None:
    """Rename the database and its -wal/-shm files to ``aside`` (and ``aside``-wal...)."""
    for suffix in ("-wal", "-shm", ""):  # the main file last: never a main file without its journal
        part = path.with_name(path.name + suffix)
        if part.exists():
            os.replace(part, aside.with_name(aside.name + suffix))


@contextmanager
def exclusive(path: Path) -> Iterator[None]:
    """Hold the database's write lock (refuse when another pyflash is studying)."""
    if not path.exists():
        yield
        return
    db = sqlite3.connect(path, isolation_level=None, timeout=0.5)
    try:
        try:
            db.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            if "locked" in str(exc) or "busy" in str(exc):
                raise StoreError(f"{path}: is in use by another program (is pyflash running?); close it and try again") from None
        except sqlite3.DatabaseError:
            pass  # a damaged file cannot be locked; nothing uses it either
        yield
    finally:
        db.close()


def _new_device(path: Path) -> None:
    """Give the store at ``path`` a device id of its own (docs/sync.md: a restored store).

    Its old id's next sequence numbers may already be in the sync folder (the events recorded
    after the backup was made): new events under that id would be taken for those and never sent.
    The old id is kept as a former one (``meta.former_devices``), so that a sync still writes the
    backup's own events that the sync folder does not have yet under it.
    """
    try:
        with closing(sqlite3.connect(path, isolation_level=None)) as db:
            if db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'").fetchone():
                db.execute("BEGIN IMMEDIATE")
                db.execute(  # the old id's events that never reached the sync folder are still sent under it
                    "INSERT INTO meta (name, value) SELECT 'former_devices', value FROM meta WHERE name = 'device' "
                    "ON CONFLICT (name) DO UPDATE SET value = value || ' ' || excluded.value"
                )
                db.execute("UPDATE meta SET value = lower(hex(randomblob(6))) WHERE name = 'device'")
                db.execute("COMMIT")
        with open(path, "rb") as fh:
            os.fsync(fh.fileno())
    except BaseException:
        path.unlink(missing_ok=True)
        raise


def restore(store_path: Path, when: str, *, now: datetime, folder: Path | None = None) -> tuple[Backup, Path | None]:
    """Put the backup of ``when`` (YYYY-MM-DD) in place; returns it and where the current file went."""
    try:
        day = date.fromisoformat(when)
    except ValueError:
        raise PyflashError(f"'{when}' is not a date; give it as YYYY-MM-DD (see `pyflash doctor --list`)") from None
    backups = list_backups(store_path, folder)
    chosen = next((b for b in backups if b.day == day), None)
    if chosen is None:
        known = ", ".join(b.day.isoformat() for b in backups) or "none yet"
        raise PyflashError(f"no backup of {day.isoformat()} (backups: {known})")
    staged = store_path.with_name(f".{store_path.name}.restore.tmp")
    try:
        with closing(sqlite3.connect(f"file:{chosen.path}?mode=ro", uri=True)) as source:
            _copy(source, staged)
        _new_device(staged)
    except (OSError, sqlite3.Error) as exc:
        raise StoreError(f"{chosen.path}: cannot read this backup ({exc}); try another date") from None
    aside: Path | None = None
    with exclusive(store_path):
        if store_path.exists():
            aside = aside_name(store_path, "before-restore", now)
            move_aside(store_path, aside)
    os.replace(staged, store_path)
    return chosen, aside
