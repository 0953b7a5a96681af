"""Every path pyflash uses comes from here.

By default the directories come from platformdirs. ``PYFLASH_HOME`` (or the
``--home`` option, which sets it) relocates all state, config and cache under
one directory, which is what the tests use.
"""

from __future__ import annotations

import os
from pathlib import Path

from pyflash.core.locations import Locations

APP = "pyflash"


def _home() -> Path | None:
    value = os.environ.get("PYFLASH_HOME")
    return Path(value).expanduser() if value else None


def data_dir() -> Path:
    home = _home()
    if home is not None:
        return home / "data"
    from platformdirs import user_data_path  # deferred: start-up time (not needed with PYFLASH_HOME)

    return user_data_path(APP, appauthor=False)


def config_dir() -> Path:
    home = _home()
    if home is not None:
        return home / "config"
    from platformdirs import user_config_path  # deferred: start-up time (not needed with PYFLASH_HOME)

    return user_config_path(APP, appauthor=False)


def cache_dir() -> Path:
    home = _home()
    if home is not None:
        return home / "cache"
    from platformdirs import user_cache_path  # deferred: start-up time (not needed with PYFLASH_HOME)

    return user_cache_path(APP, appauthor=False)


def store_path() -> Path:
    return data_dir() / "reviews.sqlite3"


def backups_dir() -> Path:
    """The daily backups of the review database (``backups/`` next to it)."""
    return store_path().parent / "backups"


def sync_dir() -> Path:
    """The git working copy ``pyflash sync`` shares the review log through (docs/sync.md)."""
    return data_dir() / "sync"


def config_path() -> Path:
    return config_dir() / "config.toml"


def deck_cache_dir() -> Path:
    return cache_dir() / "decks"


def user_decks_dir() -> Path:
    return data_dir() / "decks"


def bundled_decks_dir() -> Path:
    """The decks shipped with pyflash.

    A wheel carries them inside the package (``pyflash/decks``); an editable
    install or a source checkout finds the repository's top-level ``decks/``.
    """
    packaged = Path(__file__).resolve().parent / "decks"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2] / "decks"


def docs_dir() -> Path:
    """pyflash's documentation: inside the package when installed, else the checkout's ``docs/``."""
    packaged = Path(__file__).resolve().parent / "docs"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2] / "docs"


def default_deck_sources() -> list[tuple[str, Path]]:
    """(origin, path) pairs searched when the user names no deck path."""
    sources: list[tuple[str, Path]] = [("bundled", bundled_decks_dir()), ("user", user_decks_dir())]
    extra = os.environ.get("PYFLASH_DECKS")
    if extra:
        for part in extra.split(os.pathsep):
            if part:
                sources.append(("PYFLASH_DECKS", Path(part).expanduser()))
    return sources


def locations() -> Locations:
    """Every location at once, for ``pyflash.core.open_workspace(locations=...)``."""
    return Locations(
        store=store_path(),
        config=config_path(),
        deck_sources=tuple(default_deck_sources()),
        deck_cache=deck_cache_dir(),
        sync=sync_dir(),
    )
