"""What went wrong with the review database, in words the user can act on.

SQLite reports a handful of codes (read-only, cannot open, full, busy,
corrupt, I/O error). The cause behind them is found by looking at the file
and its folder: a folder that cannot be written, a file without write
permission, an immutable file, a full disk, a FIFO, a looping symlink. Each
message names the file, says what failed and what to do.
"""

from __future__ import annotations

import errno
import os
import sqlite3
import stat
from pathlib import Path

from pyflash.core.errors import StoreError

DOCTOR = "run `pyflash doctor --repair`, or bring back a backup: see `pyflash doctor --list`"
_LOW_SPACE = 1 << 20  # under 1 MiB free counts as a full disk

_KINDS = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
)


def path_problem(path: Path) -> str | None:
    """Why ``path`` cannot be a database file at all (None if it can, or is absent)."""
    try:
        mode = os.stat(path).st_mode
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return "is a symbolic link that loops back on itself; fix or remove the link"
        if exc.errno == errno.ENOENT and path.is_symlink():
            return f"is a symbolic link to {os.readlink(path)}, which does not exist; fix or remove the link"
        if exc.errno in (errno.ENOENT, errno.ENOTDIR):
            return None
        return f"cannot be looked at ({exc.strerror})"
    if stat.S_ISREG(mode):
        return None
    kind = next((name for test, name in _KINDS if test(mode)), "not a regular file")
    return f"is {kind}, not a database file; remove it or set PYFLASH_HOME to keep the data elsewhere"


def _folder_problem(folder: Path) -> str | None:
    """Why no file can be created in ``folder`` (None if one can)."""
    import tempfile  # deferred: start-up time (only after a failed write)

    try:
        fd, name = tempfile.mkstemp(prefix=".pyflash-probe-", dir=folder)
    except OSError as exc:
        if exc.errno == errno.ENOSPC:
            return f"the disk holding {folder} is full; free some space"
        if exc.errno == errno.ENOENT:
            return None
        fix = {
            errno.EPERM: f"it is immutable: `chattr -i {folder}`",
            errno.EROFS: "it is on a read-only file system",
        }.get(exc.errno or 0, f"make it writable: `chmod u+w {folder}`")
        return (
            f"the folder {folder} cannot be written ({fix}); SQLite keeps its journal (-wal, -shm) "
            "next to the database, so the folder must be writable (or set PYFLASH_HOME to another one)"
        )
    os.close(fd)
    os.unlink(name)
    return None


def _file_problem(path: Path) -> str | None:
    """Why ``path`` cannot be opened for writing (None if it can, or is absent)."""
    try:
        fd = os.open(path, os.O_RDWR)
    except OSError as exc:
        if exc.errno == errno.ENOENT:
            return None
        if exc.errno == errno.EPERM:
            return f"the file is immutable; allow writing again with `chattr -i {path}`"
        if exc.errno == errno.EROFS:
            return "the file is on a read-only file system; mount it read-write or set PYFLASH_HOME"
        return f"the file is read-only ({exc.strerror}); make it writable with `chmod u+w {path}`"
    os.close(fd)
    return None


def _disk_problem(folder: Path) -> str | None:
    import shutil  # deferred: start-up time (only after a failed write)

    try:
        free = shutil.disk_usage(folder).free
    except OSError:
        return None
    if free < _LOW_SPACE:
        return f"the disk holding {folder} is full ({free // 1024} KiB free); free some space"
    return None


def cause(path: Path) -> str | None:
    """The first thing found wrong with ``path`` or its folder, or None."""
    return path_problem(path) or _folder_problem(path.parent) or _file_problem(path) or _disk_problem(path.parent)


def explain(exc: sqlite3.Error, path: Path, doing: str) -> StoreError:
    """A :class:`StoreError` for an SQLite error raised while ``doing`` something."""
    code = getattr(exc, "sqlite_errorname", "") or ""
    found = cause(path)
    if code.startswith(("SQLITE_CORRUPT", "SQLITE_NOTADB")):
        why = f"the database is damaged ({exc}); {DOCTOR}"
    elif code.startswith("SQLITE_BUSY") or code.startswith("SQLITE_LOCKED"):
        why = "the database is locked by another program (is pyflash running twice?); close it and try again"
    elif code.startswith("SQLITE_FULL"):
        why = found or "the disk is full (or the database reached its size limit); free some space and try again"
    elif found is not None:
        why = found
    elif code.startswith("SQLITE_READONLY"):
        why = "the database cannot be written (read-only); make it writable and try again"
    elif code.startswith("SQLITE_IOERR"):
        why = f"an input/output error ({exc}); check the disk, then run `pyflash doctor`"
    else:
        why = f"{exc}; run `pyflash doctor` to check the database"
    return StoreError(f"{path}: cannot {doing}: {why}")
