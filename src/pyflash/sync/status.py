"""When the last sync was, for the deck picker ("synced 5 min ago")."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import NamedTuple

from pyflash.core.config import Config
from pyflash.core.locations import Locations
from pyflash.sync.state import load_state

__all__ = ["SyncStatus", "status", "status_line", "synced_ago", "user_decks", "working_copy"]


class SyncStatus(NamedTuple):
    last_sync: datetime | None  # the last sync that reached the remote
    last_error: str | None  # why the last attempt did not (None: it did)


def status(folder: Path) -> SyncStatus:
    """The sync state of the working copy ``folder`` (never synced: no time)."""
    state = load_state(folder / ".git")
    return SyncStatus(state.last_sync, state.last_error)


def synced_ago(when: datetime | None, now: datetime) -> str:
    """``never synced``, ``synced just now``, ``synced 5 min ago``, ``synced 3 h ago``, ``synced 2 days ago``."""
    if when is None:
        return "never synced"
    seconds = max(0, int((now - when).total_seconds()))
    if seconds < 60:
        return "synced just now"
    if seconds < 3600:
        return f"synced {seconds // 60} min ago"
    if seconds < 86400 * 2:
        return f"synced {seconds // 3600} h ago"
    return f"synced {seconds // 86400} days ago"


def status_line(locations: Locations, config: Config, now: datetime) -> str | None:
    """What the deck picker shows: ``synced 5 min ago`` (with a failed last try said); None: sync is not set up."""
    if not config.sync.remote:
        return None
    state = status(working_copy(locations))
    text = synced_ago(state.last_sync, now)
    return text + " · last try failed" if state.last_error else text


def working_copy(locations: Locations) -> Path:
    """The sync working copy of a home: ``locations.sync``, else ``sync`` beside the review store."""
    return locations.sync if locations.sync is not None else locations.store.parent / "sync"


def user_decks(locations: Locations) -> Path | None:
    """The user's own deck folder (``<data dir>/decks``), the one ``sync.include_decks`` shares."""
    return next((path for origin, path in locations.deck_sources if origin == "user"), None)
