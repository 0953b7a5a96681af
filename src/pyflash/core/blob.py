"""The one binary format for pyflash's caches: checksummed ``marshal`` data.

A blob is ``digest(head) | len(head) | head | body``. The head is
``marshal((format, value, digest(body)))`` and is checked on every read; the
body (optional, often the bulk) is checked only when it is decoded, so a
reader that needs only the head never pays for the rest. :func:`unseal_file`
goes further: it reads only the head from disk, and the body when it is asked for.

``marshal`` holds plain data only (tuples, lists, dicts, strings, numbers,
bytes): loading it runs nothing. A blob of another format, a damaged one or a
foreign file reads as ``None``: a cache is never trusted, only re-built.
"""

from __future__ import annotations

import marshal
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pyflash.core.digest import blake2b

__all__ = ["Sealed", "seal", "unseal", "unseal_file"]

_DIGEST = 16
_LEN = 8


def _digest(data: bytes | memoryview) -> bytes:
    return blake2b(data, digest_size=_DIGEST).digest()


def seal(fmt: str, value: Any, body: Any = None) -> bytes:
    """``value`` (and an optional ``body``) as one checksummed blob of format ``fmt``."""
    body_bytes = b"" if body is None else marshal.dumps(body)
    head = marshal.dumps((fmt, value, _digest(body_bytes) if body is not None else None))
    return _digest(head) + len(head).to_bytes(_LEN, "little") + head + body_bytes


class Sealed:
    """An opened blob: ``value`` is checked; ``body()`` is checked when called."""

    __slots__ = ("_body", "_body_digest", "value")

    def __init__(
        self, value: Any, body: memoryview | Callable[[], bytes], body_digest: bytes | None
    ) -> None:
        self.value = value
        self._body = body  # the bytes, or a function that reads them (unseal_file)
        self._body_digest = body_digest

    def body(self) -> Any:
        """The body, or ``None`` when there is none, it is damaged or it cannot be read."""
        if self._body_digest is None:
            return None
        try:
            data = self._body if isinstance(self._body, memoryview) else self._body()
        except OSError:
            return None
        if _digest(data) != self._body_digest:
            return None
        try:
            return marshal.loads(data)
        except (ValueError, EOFError, TypeError):
            return None


def unseal(fmt: str, blob: bytes) -> Sealed | None:
    """Open a blob written by :func:`seal` with the same ``fmt``; ``None`` if it is not one."""
    size = int.from_bytes(blob[_DIGEST : _DIGEST + _LEN], "little")
    start = _DIGEST + _LEN
    head = blob[start : start + size]
    data = _open_head(fmt, blob[:_DIGEST], head, size)
    if data is None:
        return None
    return Sealed(data[1], memoryview(blob)[start + size :], data[2])


def unseal_file(fmt: str, path: Path) -> Sealed | None:
    """:func:`unseal` of the blob in the file ``path``, reading only its head.

    The body is read from ``path`` when ``body()`` is called; if the file was
    replaced or damaged meanwhile, the body's checksum no longer matches and
    ``body()`` is ``None``, as for any damaged body. Raises OSError if ``path``
    cannot be read.
    """
    with path.open("rb") as fh:
        prefix = fh.read(_DIGEST + _LEN)
        size = int.from_bytes(prefix[_DIGEST:], "little")
        fits = len(prefix) == _DIGEST + _LEN and size <= os.fstat(fh.fileno()).st_size - len(prefix)
        head = fh.read(size) if fits else b""  # (a damaged length is never used to read)
    data = _open_head(fmt, prefix[:_DIGEST], head, size)
    if data is None:
        return None
    offset = _DIGEST + _LEN + size

    def read_body() -> bytes:
        with path.open("rb") as fh:
            fh.seek(offset)
            return fh.read()

    return Sealed(data[1], read_body, data[2])


def _open_head(fmt: str, digest: bytes, head: bytes, size: int) -> tuple[Any, ...] | None:
    """The head's ``(format, value, body digest)``, or None if it is not a sound head of ``fmt``."""
    if len(head) != size or _digest(head) != digest:
        return None
    try:
        data = marshal.loads(head)
    except (ValueError, EOFError, TypeError):
        return None
    if not (isinstance(data, tuple) and len(data) == 3 and data[0] == fmt):
        return None
    return data
