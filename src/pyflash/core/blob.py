"""The one binary format for pyflash's caches: checksummed ``marshal`` data.

A blob is ``digest(head) | len(head) | head | body``. The head is
``marshal((format, value, digest(body)))`` and is checked on every read; the
body (optional, often the bulk) is checked only when it is decoded, so a
reader that needs only the head never pays for the rest.

``marshal`` holds plain data only (tuples, lists, dicts, strings, numbers,
bytes): loading it runs nothing. A blob of another format, a damaged one or a
foreign file reads as ``None``: a cache is never trusted, only re-built.
"""

from __future__ import annotations

import hashlib
import marshal
from typing import Any

__all__ = ["Sealed", "seal", "unseal"]

_DIGEST = 16
_LEN = 8


def _digest(data: bytes | memoryview) -> bytes:
    return hashlib.blake2b(data, digest_size=_DIGEST).digest()


def seal(fmt: str, value: Any, body: Any = None) -> bytes:
    """``value`` (and an optional ``body``) as one checksummed blob of format ``fmt``."""
    body_bytes = b"" if body is None else marshal.dumps(body)
    head = marshal.dumps((fmt, value, _digest(body_bytes) if body is not None else None))
    return _digest(head) + len(head).to_bytes(_LEN, "little") + head + body_bytes


class Sealed:
    """An opened blob: ``value`` is checked; ``body()`` is checked when called."""

    __slots__ = ("_body", "_body_digest", "value")

    def __init__(self, value: Any, body: memoryview, body_digest: bytes | None) -> None:
        self.value = value
        self._body = body
        self._body_digest = body_digest

    def body(self) -> Any:
        """The body, or ``None`` when there is none or it is damaged."""
        if self._body_digest is None or _digest(self._body) != self._body_digest:
            return None
        try:
            return marshal.loads(self._body)
        except (ValueError, EOFError, TypeError):
            return None


def unseal(fmt: str, blob: bytes) -> Sealed | None:
    """Open a blob written by :func:`seal` with the same ``fmt``; ``None`` if it is not one."""
    size = int.from_bytes(blob[_DIGEST : _DIGEST + _LEN], "little")
    start = _DIGEST + _LEN
    head = blob[start : start + size]
    if len(head) != size or _digest(head) != blob[:_DIGEST]:
        return None
    try:
        data = marshal.loads(head)
    except (ValueError, EOFError, TypeError):
        return None
    if not (isinstance(data, tuple) and len(data) == 3 and data[0] == fmt):
        return None
    return Sealed(data[1], memoryview(blob)[start + size :], data[2])
