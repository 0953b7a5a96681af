"""Files: the one atomic writer every part of pyflash uses.

A file is written to a temporary file beside it, flushed to disk, and renamed
over the target, so a reader sees the old file or the new one, never a part.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

__all__ = ["atomic_write", "atomic_write_bytes", "atomic_write_text", "default_file_mode"]


def default_file_mode() -> int:
    """The mode a new file gets under the current umask (``0o666 & ~umask``)."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def atomic_write(
    path: Path,
    write: Callable[[BinaryIO], None],
    *,
    durable: bool = True,
    replace: bool = True,
    exists_message: str | None = None,
    parents: bool = True,
) -> None:
    """Write ``path`` atomically: ``write(fh)`` fills a temporary file that is then renamed.

    * ``durable``: fsync the file before the rename (a cache can skip it).
    * ``replace=False``: never overwrite a file that exists, even one that
      appeared while writing; raises ``FileExistsError`` (with
      ``exists_message`` if given).
    * ``parents``: create missing parent folders first.
    * The new file keeps the mode of the file it replaces, else the umask's.

    On any error the temporary file is removed and the target is untouched.
    Raises ``OSError`` (the caller turns it into a message for the user).
    """
    folder = path.parent if str(path.parent) else Path(".")
    if parents:
        folder.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    tmp = Path(name)
    try:
        with os.fdopen(fd, "wb") as fh:
            write(fh)
            fh.flush()
            if durable:
                os.fsync(fh.fileno())
        try:
            mode = path.stat().st_mode & 0o777
        except OSError:
            mode = default_file_mode()
        os.chmod(tmp, mode)
        if replace:
            os.replace(tmp, path)
        else:
            _rename_no_clobber(tmp, path, exists_message)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _rename_no_clobber(tmp: Path, out: Path, message: str | None) -> None:
    """Rename, but never over a file that appeared since the caller checked."""
    try:
        os.link(tmp, out)
    except FileExistsError:
        raise FileExistsError(message or f"{out}: already exists") from None
    except OSError:
        # No hard links here (FAT, some network drives): check, then rename.
        if out.exists():
            raise FileExistsError(message or f"{out}: already exists") from None
        os.replace(tmp, out)
        return
    tmp.unlink()


def atomic_write_bytes(path: Path, data: bytes, *, durable: bool = True, replace: bool = True) -> None:
    """Write ``data`` to ``path`` atomically (see :func:`atomic_write`)."""

    def write(fh: BinaryIO) -> None:
        fh.write(data)

    atomic_write(path, write, durable=durable, replace=replace)


def atomic_write_text(path: Path, text: str, *, durable: bool = True, replace: bool = True) -> None:
    """Write ``text`` as UTF-8 to ``path`` atomically (see :func:`atomic_write`)."""
    atomic_write_bytes(path, text.encode("utf-8"), durable=durable, replace=replace)
