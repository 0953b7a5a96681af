"""When each exported note last changed: the mtime ledger in pyflash's data folder (see docs/anki-export.md).

Anki updates a note on import only when the incoming mtime is newer, so edited cards must be
newer and unchanged ones must keep their time.
"""

from __future__ import annotations

import json
from pathlib import Path

from pyflash.core.fs import atomic_write_text

__all__ = ["MtimeLedger"]

_LEDGER_FORMAT = "pyflash-anki-mtimes/1"


class MtimeLedger:
    """card key -> (digest of the note's content, the time it last changed).

    A note keeps its time while its content is unchanged, so re-exports are
    reproducible and Anki sees nothing new. When the content changes the note
    gets "now", and always at least one second more than before, so Anki
    updates it even for two exports within the same second.
    """

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.entries: dict[str, list[str | int]] = {}
        self.changed = 0
        if path is not None:
            self.entries = self._read(path)

    @staticmethod
    def _read(path: Path) -> dict[str, list[str | int]]:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError, UnicodeDecodeError):
            return {}
        if not isinstance(data, dict) or data.get("format") != _LEDGER_FORMAT:
            return {}
        notes = data.get("notes")
        if not isinstance(notes, dict):
            return {}
        return {
            k: v
            for k, v in notes.items()
            if isinstance(v, list) and len(v) == 2 and isinstance(v[0], str) and isinstance(v[1], int)
        }

    def stamp(self, key: str, digest: str, now: int) -> int:
        old = self.entries.get(key)
        if old is not None and old[0] == digest:
            return int(old[1])
        mtime = now if old is None else max(now, int(old[1]) + 1)
        self.entries[key] = [digest, mtime]
        self.changed += 1
        return mtime

    def save(self) -> str | None:
        """Write the ledger atomically; return an error message instead of raising."""
        if self.path is None or not self.changed:
            return None
        text = json.dumps({"format": _LEDGER_FORMAT, "notes": self.entries}, ensure_ascii=False, separators=(",", ":"))
        try:
            atomic_write_text(self.path, text)
        except OSError as exc:
            return f"{self.path}: cannot save note times: {exc.strerror or exc}"
        return None
