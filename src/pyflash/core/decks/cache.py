"""A cache of validated deck files, so an unchanged file is never parsed twice.

One entry per deck file, in the cache directory, keyed by the file's absolute
path, size and mtime. Entries are :mod:`pyflash.core.blob` data (plain tuples and strings,
nothing that can run) behind a BLAKE2 checksum. A stale, corrupt or foreign
entry is ignored and rebuilt, never trusted. Each card is marshalled on its own,
so one card can be decoded without the rest of its file (:meth:`DeckFile.card`).
"""

from __future__ import annotations

import marshal
import os
import stat
from pathlib import Path

from pyflash import __version__
from pyflash.core.blob import Sealed, seal, unseal_file
from pyflash.core.decks.model import Card, DeckFile
from pyflash.core.decks.sources import DeckReadError, read_deck_bytes
from pyflash.core.digest import blake2b
from pyflash.core.errors import DeckError

__all__ = ["FORMAT", "clear", "load_or_parse"]

# Bump when the parsed form or the validation rules change; entries written
# by another pyflash version are never trusted either.
FORMAT = f"pyflash-decks/13:{__version__}"  # 13: one marshal per card (12: lint rule draft-question; 11: cloze and reverse cards)

# (absolute path, path as given, size, mtime in ns): an entry is only used for this file as it is now.
_Key = tuple[str, str, int, int]


def _entry_path(directory: Path, abspath: str) -> Path:
    name = blake2b(abspath.encode("utf-8", "surrogateescape"), digest_size=16).hexdigest()
    return directory / f"{name}.bin"


def _encode(key: _Key, parsed: DeckFile) -> bytes:
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
    return seal(FORMAT, head, [marshal.dumps(tuple(c)) for c in parsed.cards])


class _Cards:
    """The cards of an entry: read and checked once, then decoded one by one or all together."""

    __slots__ = ("_rows", "entry", "key", "keys", "path", "sealed")

    def __init__(self, sealed: Sealed, key: _Key, entry: Path, path: str, keys: tuple[str, ...]) -> None:
        self.sealed, self.key, self.entry, self.path, self.keys = sealed, key, entry, path, keys
        self._rows: list[bytes] | None = None

    def rows(self) -> list[bytes]:
        """Each card's marshal data (the body's checksum checked); empty if damaged."""
        if self._rows is None:
            body = self.sealed.body()
            self._rows = body if isinstance(body, list) and len(body) == len(self.keys) else []
        return self._rows

    def one(self, index: int) -> Card | None:
        """The card at ``index``; None if the entry is damaged (:meth:`all` rebuilds it)."""
        try:
            rows = self.rows()
            if rows:
                card = Card._make(marshal.loads(rows[index]))
                if card.key == self.keys[index]:
                    return card
        except Exception:  # a damaged body
            pass
        return None

    def all(self) -> list[Card]:
        try:
            rows = self.rows()
            if rows or not self.keys:
                cards = [Card._make(marshal.loads(row)) for row in rows]
                if tuple(c.key for c in cards) == self.keys:
                    return cards
        except Exception:  # a damaged body: rebuilt below
            pass
        parsed = parse_deck_file(self.path, keep_duplicates=True)  # a damaged entry is never trusted: rebuild it
        _write(self.entry, _encode(self.key, parsed))
        return list(parsed.cards)


def _decode(sealed: Sealed, key: _Key, entry: Path) -> DeckFile | None:
    """The file an entry holds, or None if it is not a sound entry for ``key``."""
    data = sealed.value
    if not isinstance(data, tuple) or len(data) != 8 or data[0] != key:
        return None
    _, path, deck, description, tags, lang, keys, errors = data
    cards = _Cards(sealed, key, entry, path, keys)
    return DeckFile(
        path, deck, description=description, tags=tags, lang=lang,
        errors=[DeckError(*e) for e in errors], keys=keys, decode=cards.all, decode_one=cards.one,
    )


def parse_deck_file(path: str | os.PathLike[str], data: bytes | None = None, *, keep_duplicates: bool = False) -> DeckFile:
    """:func:`pyflash.core.decks.parse.parse_deck_file`, its module imported on the first call.

    A warm start takes every file from the cache and never needs the parser (nor the
    YAML reader, the cloze and typed-answer checks it imports): start-up time, guarded
    by tests/test_startup_imports.py.
    """
    from pyflash.core.decks import parse as parser  # deferred: start-up time (a warm start parses nothing)

    return parser.parse_deck_file(path, data, keep_duplicates=keep_duplicates)


def load_or_parse(file: Path, *, cache_dir: Path | None) -> DeckFile:
    """The parsed form of ``file``: from the cache in ``cache_dir`` when it is fresh, else parsed.

    ``cache_dir=None``: no cache (always parse, write nothing).
    """
    spath = str(file)
    try:
        st = os.stat(spath)
    except OSError:
        return parse_deck_file(spath, keep_duplicates=True)  # reports why it cannot be read
    if not stat.S_ISREG(st.st_mode):
        return parse_deck_file(spath, keep_duplicates=True)  # reports what it is (a FIFO...), never reads it
    key: _Key = (os.path.abspath(spath), spath, st.st_size, st.st_mtime_ns)
    use_cache = cache_dir is not None
    entry = _entry_path(cache_dir, key[0]) if cache_dir is not None else Path()
    if use_cache:
        try:
            sealed = unseal_file(FORMAT, entry)  # the head only: the cards are read when decoded
        except OSError:
            sealed = None
        if sealed is not None:
            try:
                cached = _decode(sealed, key, entry)
            except Exception:  # corrupt entry: ignore and rebuild
                cached = None
            if cached is not None:
                return cached
    try:
        data = read_deck_bytes(spath)
    except DeckReadError:
        return parse_deck_file(spath, keep_duplicates=True)  # reports why it cannot be read
    parsed = parse_deck_file(spath, data, keep_duplicates=True)
    if use_cache and len(data) == st.st_size:
        _write(entry, _encode(key, parsed))
    return parsed


def _write(entry: Path, blob: bytes) -> None:
    from pyflash.core.fs import atomic_write_bytes  # deferred: start-up time (a warm start writes nothing)

    try:
        atomic_write_bytes(entry, blob, durable=False)
    except OSError:
        pass  # a read-only cache only costs speed


def clear(directory: Path) -> int:
    """Delete every cache entry in ``directory``; returns how many were removed."""
    removed = 0
    if directory.is_dir():
        for entry in directory.glob("*.bin"):
            try:
                entry.unlink()
                removed += 1
            except OSError:
                pass
    return removed
