"""A cache of validated deck files, so an unchanged file is never parsed twice.

One entry per deck file, in the cache directory, keyed by the file's absolute
path, size and mtime. Entries are :mod:`pyflash.core.blob` data (plain tuples and strings,
nothing that can run) behind a BLAKE2 checksum. A stale, corrupt or foreign
entry is ignored and rebuilt, never trusted.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from pyflash import __version__, paths
from pyflash.core.blob import seal, unseal
from pyflash.core.decks.model import Card, DeckFile
from pyflash.core.errors import DeckError
from pyflash.core.fs import atomic_write_bytes

# Bump when the parsed form or the validation rules change; entries written
# by another pyflash version are never trusted either.
FORMAT = f"pyflash-decks/6:{__version__}"


def _entry_path(abspath: str) -> Path:
    name = hashlib.blake2b(abspath.encode("utf-8", "surrogateescape"), digest_size=16).hexdigest()
    return paths.deck_cache_dir() / f"{name}.bin"


def _encode(key: tuple, parsed) -> bytes:
    """The head (metadata, keys and errors) is checked on every read; the cards
    are checked when they are decoded, which ``pyflash decks`` never needs."""
    head = (
        key,
        parsed.path,
        parsed.deck,
        parsed.description,
        parsed.tags,
        parsed.lang,
        tuple(c.key for c in parsed.cards),
        [(e.path, e.line, e.col, e.message) for e in parsed.errors],
    )
    return seal(FORMAT, head, [tuple(c) for c in parsed.cards])


def _decode(blob: bytes, key: tuple, entry: Path | None = None):
    from pyflash.core.decks.loader import parse_deck_file

    sealed = unseal(FORMAT, blob)
    if sealed is None:
        return None
    data = sealed.value
    if not isinstance(data, tuple) or len(data) != 8 or data[0] != key:
        return None
    _, path, deck, description, tags, lang, keys, errors = data

    def decode() -> list:
        try:
            rows = sealed.body()
            if rows is not None:
                cards = list(map(Card._make, rows))
                if tuple(c.key for c in cards) == keys:
                    return cards
        except Exception:
            pass
        parsed = parse_deck_file(path)  # a damaged entry is never trusted: rebuild it
        if entry is not None:
            _write(entry, _encode(key, parsed))
        return parsed.cards

    return DeckFile(
        path, deck, description=description, tags=tags, lang=lang,
        errors=[DeckError(*e) for e in errors], keys=keys, decode=decode,
    )


def load_or_parse(file: Path, *, use_cache: bool = True):
    """The parsed form of ``file``: from the cache when it is fresh, else parsed."""
    from pyflash.core.decks.loader import parse_deck_file

    spath = str(file)
    try:
        st = os.stat(spath)
    except OSError:
        return parse_deck_file(spath)
    key = (os.path.abspath(spath), spath, st.st_size, st.st_mtime_ns)
    entry = _entry_path(key[0])
    if use_cache:
        try:
            blob = entry.read_bytes()
        except OSError:
            blob = None
        if blob:
            try:
                cached = _decode(blob, key, entry)
            except Exception:  # corrupt entry: ignore and rebuild
                cached = None
            if cached is not None:
                return cached
    data = None
    try:
        data = Path(spath).read_bytes()
    except OSError:
        pass
    parsed = parse_deck_file(spath, data)
    if use_cache and data is not None and len(data) == st.st_size:
        _write(entry, _encode(key, parsed))
    return parsed


def _write(entry: Path, blob: bytes) -> None:
    try:
        atomic_write_bytes(entry, blob, durable=False)
    except OSError:
        pass  # a read-only cache only costs speed


def clear() -> int:
    """Delete every cache entry; returns how many were removed."""
    removed = 0
    directory = paths.deck_cache_dir()
    if directory.is_dir():
        for entry in directory.glob("*.bin"):
            try:
                entry.unlink()
                removed += 1
            except OSError:
                pass
    return removed
