"""The user's own copy of a bundled deck.

Bundled decks live inside the installed package, so an edit made there is
lost on the next install. Instead, pyflash copies the deck's files into the
user's deck folder and the user edits the copy. A deck of the user's with
the same deck name overrides the bundled one (the loader leaves the bundled
files out, see :mod:`pyflash.core.decks.loader`); its cards keep their ids, or
their deck, question and code, so their keys and review history carry over.
"""

from __future__ import annotations

from pathlib import Path

from pyflash.core.decks.loader import BUNDLED, LoadResult
from pyflash.core.decks.model import DeckFile
from pyflash.core.errors import PyflashError
from pyflash.core.fs import atomic_write_bytes
from pyflash.core.locations import Locations

__all__ = ["USER", "copy_bundled_deck", "is_bundled", "user_folder"]

USER = "user"  # the origin of the user's deck folder (see pyflash.paths)


def is_bundled(result: LoadResult, path: str) -> bool:
    """True when the deck file at ``path`` is one of the bundled decks."""
    return any(f.path == path and f.origin == BUNDLED for f in result.files)


def user_folder(locations: Locations | None) -> Path | None:
    """The user's deck folder, searched by default (None when there is none)."""
    if locations is None:
        return None
    for origin, folder in locations.deck_sources:
        if origin == USER:
            return folder
    return None


def bundled_files(result: LoadResult, deck: str) -> list[DeckFile]:
    """The bundled files of ``deck`` (a deck may span several files)."""
    return [f for f in result.files if f.origin == BUNDLED and f.deck == deck]


def copy_bundled_deck(result: LoadResult, deck: str, folder: Path) -> dict[str, Path]:
    """Copy every bundled file of ``deck`` into ``folder``, byte for byte.

    Returns ``{bundled path: copy}``. Never overwrites a file: a name already
    taken in ``folder`` gets a number (``numpy-2.yaml``). Raises
    :class:`PyflashError` when a file cannot be read or written.
    """
    copies: dict[str, Path] = {}
    for f in bundled_files(result, deck):
        source = Path(f.path)
        try:
            data = source.read_bytes()
        except OSError as exc:
            raise PyflashError(f"{source}: cannot read the bundled deck: {exc.strerror or exc}") from None
        for n in range(1, 1000):
            target = folder / (source.name if n == 1 else f"{source.stem}-{n}{source.suffix}")
            if target.exists() or target.is_symlink():
                continue
            try:
                atomic_write_bytes(target, data, replace=False)
            except FileExistsError:
                continue  # appeared meanwhile: try the next name
            except OSError as exc:
                raise PyflashError(f"{target}: cannot copy the deck there: {exc.strerror or exc}") from None
            copies[f.path] = target
            break
        else:
            raise PyflashError(f"{folder}: too many files named like {source.name}; tidy the folder")
    return copies
