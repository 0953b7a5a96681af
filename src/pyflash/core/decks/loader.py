"""Loading every deck: finding the files, parsing them (or taking them from the
cache), and the checks across files (an ``id`` or a question used twice).

The pieces live by concern, and the imports go one way::

    loader -> cache -> parse -> yamlread, nodes, sources -> model, errors

* :mod:`~pyflash.core.decks.sources`: finding deck files, reading one safely;
* :mod:`~pyflash.core.decks.yamlread`: bytes to a YAML node tree, syntax errors;
* :mod:`~pyflash.core.decks.nodes`: reading values from nodes, located errors;
* :mod:`~pyflash.core.decks.parse`: one file to a :class:`DeckFile`, card checks;
* :mod:`~pyflash.core.decks.cache`: parsed files kept, keyed by path, size and
  mtime, so an unchanged file is never parsed twice.

``parse_deck_file``, ``find_deck_files``, ``explicit_sources``,
``DeckPathError`` and ``DECK_SUFFIXES`` are re-exported here for the callers
that import them from this module.
"""

from __future__ import annotations

import gc
import os
from collections.abc import Iterable
from pathlib import Path

from pyflash.core.decks import cache, duplicates
from pyflash.core.decks.cache import parse_deck_file  # the parser, imported on its first call
from pyflash.core.decks.model import Card, DeckFile
from pyflash.core.decks.sources import DECK_SUFFIXES, DeckPathError, explicit_sources, find_deck_files
from pyflash.core.errors import DeckError
from pyflash.core.fieldwise import Fieldwise

BUNDLED = "bundled"  # the origin of the decks shipped with pyflash (see pyflash.paths)
__all__ = [
    "DECK_SUFFIXES",
    "DeckPathError",
    "LoadResult",
    "explicit_sources",
    "find_deck_files",
    "load_decks",
    "parse_deck_file",
]


class LoadResult(Fieldwise):
    """Every deck file that was looked at, the cards that loaded, and all errors.

    A plain class rather than a dataclass (the same fields, keywords, ``==`` and ``repr``): the
    decorator cost every start about 1.5 M instructions (this module is on the first card's path).
    """

    _FIELDS = ("files", "errors", "searched", "all_keys", "shadowed", "claims")

    def __init__(
        self,
        files: list[DeckFile] | None = None,
        errors: list[DeckError] | None = None,
        searched: list[tuple[str, Path]] | None = None,
        all_keys: set[str] | None = None,
        shadowed: list[DeckFile] | None = None,
        claims: duplicates.Claims | None = None,
    ) -> None:
        self.files: list[DeckFile] = [] if files is None else files
        self.errors: list[DeckError] = [] if errors is None else errors
        self.searched: list[tuple[str, Path]] = [] if searched is None else searched
        self.all_keys: set[str] = set() if all_keys is None else all_keys
        self.shadowed: list[DeckFile] = [] if shadowed is None else shadowed  # bundled files hidden by the user's own deck
        self.claims = claims  # keys claimed by cards in two files (see duplicates)

    @property
    def cards(self) -> list[Card]:
        return [card for f in self.files for card in f.cards]

    @property
    def failed_paths(self) -> set[str]:
        return {e.path for e in self.errors}

    def overridden_decks(self) -> set[str]:
        """Deck names of bundled decks that a deck of the user's replaces."""
        return {f.deck for f in self.shadowed}

    def decks_with_errors(self) -> set[str]:
        bad = self.failed_paths
        return {f.deck for f in self.files if f.path in bad}


def load_decks(
    sources: Iterable[tuple[str, Path]],
    *,
    cache_dir: Path | None = None,
    skip_missing: bool = False,
) -> LoadResult:
    """Load every deck file under ``sources`` ((origin, path) pairs).

    ``cache_dir``: the deck cache (None: parse every file, cache nothing).
    A missing path raises :class:`DeckPathError`, unless ``skip_missing``
    (the default folders, which need not exist).
    """
    source_list = list(sources)
    result = LoadResult(searched=source_list)
    jobs = _deck_files(source_list, skip_missing=skip_missing)
    gc_was_enabled = gc.isenabled()
    gc.disable()  # building many small objects is dominated by the cyclic GC
    try:
        parsed = [(origin, cache.load_or_parse(file, cache_dir=cache_dir)) for origin, file in jobs]
    finally:
        if gc_was_enabled:
            gc.enable()
    for origin, deck_file in parsed:
        deck_file.origin = origin
        result.files.append(deck_file)
    _shadow_bundled(result)
    for deck_file in result.files:
        result.errors.extend(deck_file.errors)
    _drop_duplicate_keys(result)
    result.errors.sort(key=lambda e: (e.path, e.line, e.col))
    return result


def _deck_files(sources: list[tuple[str, Path]], *, skip_missing: bool) -> list[tuple[str, Path]]:
    """(origin, file) for every deck file under ``sources``, each file once."""
    seen: set[str] = set()
    jobs: list[tuple[str, Path]] = []
    for origin, root in sources:
        if skip_missing and not root.exists():
            continue
        for file in find_deck_files(root):
            resolved = os.path.realpath(file)  # (Path.resolve raises on a symlink loop)
            if resolved in seen:
                continue
            seen.add(resolved)
            jobs.append((origin, file))
    return jobs


def _drop_duplicate_keys(result: LoadResult) -> None:
    """Keep the first card of each key across all files; report the others (see duplicates)."""
    key_lists = [f.keys for f in result.files]
    result.all_keys = set().union(*key_lists)
    if len(result.all_keys) == sum(map(len, key_lists)):
        return  # the common case, checked with one set union: no key is used twice
    result.claims = duplicates.find(result.files)
    if result.claims is not None:
        duplicates.settle(result.files, result.errors, result.claims)


def _shadow_bundled(result: LoadResult) -> None:
    """Hide each bundled deck file whose deck name a deck of the user's also has.

    The user's copy of a bundled deck replaces it whole: its cards have the
    same ids (or deck, question and code), so the review history carries over.
    """
    if not any(f.origin == BUNDLED for f in result.files):
        return
    own = {f.deck for f in result.files if f.origin != BUNDLED}
    if not own:
        return
    kept = [f for f in result.files if f.origin != BUNDLED or f.deck not in own]
    if len(kept) == len(result.files):
        return
    result.shadowed = [f for f in result.files if f.origin == BUNDLED and f.deck in own]
    result.files = kept
