"""Where decks come from: finding deck files, and reading one without surprises.

A deck path is a file, or a folder searched for ``*.yaml`` / ``*.yml``. Only
regular files are ever opened for reading: a FIFO, a socket or a device named
like a deck is reported as what it is, never read (reading a FIFO would wait
forever for a writer).
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Sequence
from pathlib import Path

from pyflash.core.errors import PyflashError

__all__ = [
    "DECK_SUFFIXES",
    "DeckPathError",
    "DeckReadError",
    "explicit_sources",
    "find_deck_files",
    "read_deck_bytes",
]

DECK_SUFFIXES = (".yaml", ".yml")

_MISSING = (errno.ENOENT, errno.ENOTDIR)


class DeckPathError(PyflashError):
    """A deck path given by the user that cannot be used."""


class DeckReadError(Exception):
    """A deck file that cannot be read; the message says why (``is a FIFO, not a deck file``)."""


def explicit_sources(paths_: Sequence[str | os.PathLike[str]]) -> list[tuple[str, Path]]:
    """Deck paths given by the user, as (origin, path) pairs for :func:`load_decks`."""
    return [("path", Path(p).expanduser()) for p in paths_]


def _file_type(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "folder"
    if stat.S_ISFIFO(mode):
        return "FIFO"
    if stat.S_ISSOCK(mode):
        return "socket"
    if stat.S_ISCHR(mode):
        return "character device"
    if stat.S_ISBLK(mode):
        return "block device"
    return "special file"


def _not_a_deck(mode: int) -> str:
    return f"is a {_file_type(mode)}, not a deck file"


def _broken_link(path: Path) -> str | None:
    """``symlink to X, which does not exist`` for a dangling symlink, else None."""
    try:
        return f"symlink to {os.readlink(path)}, which does not exist"
    except OSError:
        return None


def find_deck_files(path: Path) -> list[Path]:
    """A file as given, or every *.yaml / *.yml below a directory (sorted).

    Raises :class:`DeckPathError` for a path that is neither, saying what it is.
    In a folder, an entry named like a deck that cannot be a deck file (a FIFO,
    a symlink loop) is kept, so that reading it reports the problem; folders
    and dangling symlinks named like decks are skipped.
    """
    try:
        mode = path.stat().st_mode
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise DeckPathError(f"{path}: symlink loop (fix or remove the link)") from None
        if exc.errno in _MISSING:
            why = _broken_link(path) or "no such file or directory"
            raise DeckPathError(f"{path}: {why} (give a deck file or a folder of *.yaml decks)") from None
        raise DeckPathError(f"{path}: cannot open it: {exc.strerror or exc}") from None
    if stat.S_ISDIR(mode):
        found = [
            p
            for p in path.rglob("*")
            if p.suffix.lower() in DECK_SUFFIXES
            and not any(part.startswith(".") for part in p.relative_to(path).parts)
            and _may_be_deck(p)
        ]
        return sorted(found)
    if stat.S_ISREG(mode):
        return [path]
    raise DeckPathError(f"{path}: {_not_a_deck(mode)}")


def _may_be_deck(path: Path) -> bool:
    """False for folders and dangling symlinks; True for the rest (errors show on reading)."""
    try:
        return not stat.S_ISDIR(path.stat().st_mode)
    except OSError as exc:
        return exc.errno not in _MISSING


def read_deck_bytes(path: str) -> bytes:
    """The bytes of a deck file; raises :class:`DeckReadError` saying why not.

    Never blocks: anything but a regular file is refused before it is opened,
    and the file is opened non-blocking in case it was swapped meanwhile.
    """
    try:
        mode = os.stat(path).st_mode
        if stat.S_ISREG(mode):
            fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
            with open(fd, "rb") as fh:
                mode = os.fstat(fh.fileno()).st_mode
                if stat.S_ISREG(mode):
                    return fh.read()
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise DeckReadError("symlink loop (fix or remove the link)") from None
        raise DeckReadError(f"cannot read file: {exc.strerror or exc}") from None
    raise DeckReadError(_not_a_deck(mode))
