"""``pyflash sync``: the review log shared through the user's own git remote (docs/sync.md).

This package holds every piece of git: the working copy under the data
folder, its event files, and the system ``git`` run as a subprocess. It
imports the core (the events and the store's outbox and ingest), never the UI;
the CLI and the TUI call :func:`sync` and :func:`last_sync`.
"""

from __future__ import annotations

from pyflash.sync.git import GitError, GitMissing
from pyflash.sync.run import SyncResult, sync
from pyflash.sync.status import SyncStatus, status, synced_ago

__all__ = ["GitError", "GitMissing", "SyncResult", "SyncStatus", "status", "sync", "synced_ago"]
