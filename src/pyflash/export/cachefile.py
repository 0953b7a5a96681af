"""The render cache's file: a format line, then segments of ``marshal``'d entries, each checksummed.

    <format>\\n | segment | segment | ...
    segment = length (8 bytes, little-endian) | CRC-32 of the data (4 bytes) | marshal(dict) data

A full write (:func:`write`) is one segment, written atomically. After an
export that rendered only a few cards, :func:`append` adds just those entries
as one more segment at the end of the file instead of rewriting tens of
megabytes; the reader applies segments in order (a later entry replaces an
earlier one). A segment that is cut short (an append interrupted) or damaged
ends the read: what came before it is kept. A file of another format reads as
empty. ``marshal`` holds plain data only: loading it runs nothing.

CRC-32 rather than a cryptographic digest: it only has to catch damage, and a
cache is never trusted beyond that (its entries are filed under digests of
their own inputs, see :func:`pyflash.export.render.render_digest`).
"""

from __future__ import annotations

import marshal
import zlib
from pathlib import Path
from typing import Any

from pyflash.core.fs import atomic_write

__all__ = ["Contents", "append", "holds_entries", "read", "write"]

_LEN = 8
_CRC = 4


class Contents:
    """What :func:`read` found: the entries, and how many segments and stored entries hold them."""

    __slots__ = ("entries", "segments", "stored")

    def __init__(self) -> None:
        self.entries: dict[Any, Any] = {}
        self.segments = 0
        self.stored = 0  # entries over all segments (the same key may be stored more than once)


def _segment(entries: dict[Any, Any]) -> bytes:
    data = marshal.dumps(entries)
    return len(data).to_bytes(_LEN, "little") + zlib.crc32(data).to_bytes(_CRC, "little") + data


def holds_entries(path: Path, fmt: str) -> bool:
    """Whether ``path`` may hold entries: a file of format ``fmt`` with a segment of some data (reads its head only)."""
    header = fmt.encode("utf-8") + b"\n"
    try:
        with path.open("rb") as fh:
            head = fh.read(len(header) + _LEN)
    except OSError:
        return False
    return head.startswith(header) and int.from_bytes(head[len(header) :] or b"\0", "little") > 0


def read(path: Path, fmt: str) -> Contents:
    """The entries of the cache file ``path`` (empty when missing, unreadable or of another format)."""
    found = Contents()
    try:
        blob = path.read_bytes()
    except OSError:
        return found
    header = fmt.encode("utf-8") + b"\n"
    if not blob.startswith(header):
        return found
    view = memoryview(blob)
    pos = len(header)
    while pos + _LEN + _CRC <= len(blob):
        size = int.from_bytes(view[pos : pos + _LEN], "little")
        start = pos + _LEN + _CRC
        data = view[start : start + size]
        if len(data) != size or zlib.crc32(data) != int.from_bytes(view[pos + _LEN : start], "little"):
            break
        try:
            entries = marshal.loads(data)
        except (ValueError, EOFError, TypeError):
            break
        if not isinstance(entries, dict):
            break
        found.entries.update(entries)
        found.segments += 1
        found.stored += len(entries)
        pos = start + size
    return found


def write(path: Path, fmt: str, entries: dict[Any, Any]) -> None:
    """Replace ``path`` with a file of ``entries`` (atomically; not flushed to disk: a cache). Raises OSError."""
    header = fmt.encode("utf-8") + b"\n"
    segment = _segment(entries)

    def put(fh: Any) -> None:
        fh.write(header)
        fh.write(segment)

    atomic_write(path, put, durable=False)


def append(path: Path, entries: dict[Any, Any]) -> None:
    """Add ``entries`` at the end of the existing cache file ``path``, in one write. Raises OSError."""
    segment = _segment(entries)
    with path.open("ab") as fh:
        fh.write(segment)
