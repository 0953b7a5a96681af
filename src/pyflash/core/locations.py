"""Where a workspace finds and keeps things, as one value.

``pyflash.paths.locations()`` builds it from the platform directories and
the environment (``PYFLASH_HOME``, ``PYFLASH_DECKS``); the core only ever
receives it, so it never reads the environment itself.
"""

# No `from __future__ import annotations` here: a NamedTuple's string annotations are compiled one
# by one at import, at every start (tests/test_startup_imports.py).
from pathlib import Path
from typing import NamedTuple


class Locations(NamedTuple):  # a NamedTuple, not a dataclass: cheaper to define at start-up
    """The review database, the config file, and the deck folders searched by default."""

    store: Path
    config: Path
    deck_sources: tuple[tuple[str, Path], ...]  # (origin, folder) pairs, used when no PATH is given
    deck_cache: Path | None = None  # parsed deck files; None: no cache
    sync: Path | None = None  # the git working copy of `pyflash sync`; None: "sync" beside the store
