"""What a sync remembers between runs, in ``.git/pyflash-sync.json`` of the working copy.

Not versioned (it is inside ``.git``): how far each other device's file has
been read, the branch used on the remote, and when the last sync succeeded.
Losing the file costs nothing but time: every file is read again, and the
store's ingest skips the events it already has.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from pyflash.core.fs import atomic_write_text
from pyflash.sync.files import FileMark, dump_marks, load_marks

__all__ = ["STATE", "SyncState", "load_state", "save_state"]

STATE = "pyflash-sync.json"


@dataclass
class SyncState:
    marks: dict[str, FileMark] = field(default_factory=dict)
    branch: str | None = None
    last_sync: datetime | None = None  # the end of the last sync that reached the remote
    last_attempt: datetime | None = None
    last_error: str | None = None
    device: str | None = None  # the store whose ingest the marks fed (None: not recorded yet)


def _when(raw: object) -> datetime | None:
    if not isinstance(raw, str):
        return None
    try:
        return datetime.fromisoformat(raw)
    except ValueError:
        return None


def load_state(git_dir: Path) -> SyncState:
    """The saved state; a missing or unreadable file gives a fresh one."""
    try:
        raw = json.loads((git_dir / STATE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return SyncState()
    if not isinstance(raw, dict):
        return SyncState()
    branch = raw.get("branch")
    error = raw.get("last_error")
    device = raw.get("device")
    return SyncState(
        marks=load_marks(raw.get("files")),
        branch=branch if isinstance(branch, str) else None,
        last_sync=_when(raw.get("last_sync")),
        last_attempt=_when(raw.get("last_attempt")),
        last_error=error if isinstance(error, str) else None,
        device=device if isinstance(device, str) else None,
    )


def save_state(git_dir: Path, state: SyncState) -> None:
    data = {
        "version": 1,
        "branch": state.branch,
        "last_sync": state.last_sync.isoformat() if state.last_sync else None,
        "last_attempt": state.last_attempt.isoformat() if state.last_attempt else None,
        "last_error": state.last_error,
        "device": state.device,
        "files": dump_marks(state.marks),
    }
    atomic_write_text(git_dir / STATE, json.dumps(data, indent=1, sort_keys=True) + "\n")
