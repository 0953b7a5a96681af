"""The package's zip, its big entry deflated on every core.

A package is one big entry (``collection.anki2``: ~37 MB of SQLite pages for 10k code cards)
and a few small ones. zlib releases the GIL while it compresses, so the big entry is cut into
pieces of :data:`PIECE` bytes, each deflated by a thread (raw deflate, level 1, each piece but
the last ended by a sync flush, so that the pieces joined are one valid deflate stream: what
pigz does), and its CRC-32 is computed by one more thread meanwhile. The pieces do not depend on
the number of cores, so the same collection always gives the same bytes (reproducible packages).

The archive is written here rather than by :mod:`zipfile` (which cannot take an entry already
deflated): local headers, data, central directory and end record, as :mod:`zipfile` writes them
for these entries (no ZIP64: a package of 4 GiB or more raises ``OverflowError`` before anything is
written, and the caller lets :mod:`zipfile` write it). Read back by :mod:`zipfile` and by Anki
in the tests.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import BinaryIO

__all__ = ["LEVEL", "PIECE", "deflate", "write_zip"]

LEVEL = 1  # fast, and the HTML still shrinks about 12 times
PIECE = 1 << 22  # 4 MiB: 9 pieces for 10k code cards
_DOS_DATE = (0 << 9) | (1 << 5) | 1  # 1980-01-01, as the package's fixed timestamp
_DOS_TIME = 0
_VERSION = 20  # 2.0: deflate
_MADE_BY = (3 << 8) | _VERSION  # Unix, 2.0 (as zipfile writes)
_MODE = 0o644 << 16
_LIMIT = 0xFFFFFFFF


def _piece(data: memoryview, last: bool) -> bytes:
    packer = zlib.compressobj(LEVEL, zlib.DEFLATED, -15)
    return packer.compress(data) + packer.flush(zlib.Z_FINISH if last else zlib.Z_SYNC_FLUSH)


def deflate(data: bytes, workers: int = 1) -> tuple[bytes, int]:
    """``data`` as raw deflate and its CRC-32; pieces of :data:`PIECE` bytes on ``workers`` threads."""
    view = memoryview(data)
    starts = list(range(0, len(data), PIECE)) or [0]
    if workers <= 1 or len(starts) == 1:
        return b"".join(_piece(view[s : s + PIECE], s == starts[-1]) for s in starts), zlib.crc32(data)
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="pyflash-deflate") as pool:
        crc = pool.submit(zlib.crc32, data)
        pieces = list(pool.map(lambda s: _piece(view[s : s + PIECE], s == starts[-1]), starts))
        return b"".join(pieces), crc.result()


def write_zip(fh: BinaryIO, entries: Sequence[tuple[str, bytes]], *, workers: int = 1) -> None:
    """A zip of ``entries`` (name, data), in order, every entry deflated (the first on ``workers`` threads)."""
    packed: list[tuple[bytes, bytes, int, int]] = []  # name, deflated data, CRC-32, size
    for i, (name, data) in enumerate(entries):
        body, crc = deflate(data, workers if i == 0 else 1)
        if len(data) >= _LIMIT or len(body) >= _LIMIT:
            raise OverflowError(f"{name}: too big for a zip without ZIP64")
        packed.append((name.encode("utf-8"), body, crc, len(data)))
    if len(packed) >= 0xFFFF:
        raise OverflowError("too many entries for a zip without ZIP64")
    offset = 0
    local: list[tuple[bytes, bytes]] = []
    central: list[bytes] = []
    for raw_name, body, crc, size in packed:
        flags = 0x800 if not raw_name.isascii() else 0  # UTF-8 name
        head = struct.pack(
            "<4s5H3L2H", b"PK\x03\x04", _VERSION, flags, zlib.DEFLATED, _DOS_TIME, _DOS_DATE,
            crc, len(body), size, len(raw_name), 0,
        ) + raw_name
        local.append((head, body))
        central.append(struct.pack(
            "<4s6H3L5H2L", b"PK\x01\x02", _MADE_BY, _VERSION, flags, zlib.DEFLATED, _DOS_TIME, _DOS_DATE,
            crc, len(body), size, len(raw_name), 0, 0, 0, 0, _MODE, offset,
        ) + raw_name)
        offset += len(head) + len(body)
    directory = b"".join(central)
    if offset + len(directory) >= _LIMIT:
        raise OverflowError("the package is too big for a zip without ZIP64")
    for head, body in local:
        fh.write(head)
        fh.write(body)
    fh.write(directory)
    fh.write(struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, len(packed), len(packed), len(directory), offset, 0))
