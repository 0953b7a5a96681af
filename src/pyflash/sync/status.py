"""When the last sync was, for the deck picker ("synced 5 min ago")."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import NamedTuple

from pyflash.sync.state import load_state

__all__ = ["SyncStatus", "status", "synced_ago"]


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
