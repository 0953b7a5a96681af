"""Recording the remote in ``config.toml`` (``[sync] remote = ...``), keeping everything else the user wrote."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

from pyflash.core.errors import PyflashError
from pyflash.core.fs import atomic_write_text

__all__ = ["record_remote", "resolve_remote"]

_HEADER = re.compile(r"^\s*\[\s*sync\s*\]\s*(#.*)?$")
_TABLE = re.compile(r"^\s*\[")
_REMOTE = re.compile(r"^\s*remote\s*=")


def resolve_remote(given: str, cwd: Path) -> str:
    """A remote as git and later syncs need it: an existing local folder becomes an absolute path."""
    if "://" in given or re.match(r"^[\w.-]+@[\w.-]+:", given):  # a URL, or scp-like user@host:path
        return given
    folder = Path(given).expanduser()
    if not folder.is_absolute():
        folder = cwd / folder
    return str(folder.resolve()) if folder.exists() else given


def record_remote(config: Path, remote: str) -> None:
    """Set ``[sync] remote`` in ``config`` (created if missing); comments and other settings are kept."""
    try:
        text = config.read_text(encoding="utf-8")
    except FileNotFoundError:
        text = ""
    except (OSError, UnicodeDecodeError) as exc:
        raise PyflashError(f"{config}:1:1: cannot read the config file ({exc}); set [sync] remote by hand") from None
    line = f"remote = {json.dumps(remote, ensure_ascii=False)}"
    lines = text.splitlines()
    header = next((n for n, row in enumerate(lines) if _HEADER.match(row)), None)
    if header is None:
        lines += ([""] if lines and lines[-1].strip() else []) + ["[sync]", line]
    else:
        end = next((n for n in range(header + 1, len(lines)) if _TABLE.match(lines[n])), len(lines))
        at = next((n for n in range(header + 1, end) if _REMOTE.match(lines[n])), None)
        if at is None:
            lines.insert(header + 1, line)
        else:
            lines[at] = line
    new = "\n".join(lines) + "\n"
    try:
        table = tomllib.loads(new).get("sync")
    except tomllib.TOMLDecodeError:
        table = None
    if not isinstance(table, dict) or table.get("remote") != remote:
        raise PyflashError(
            f"{config}:1:1: could not add the remote to this config file; add it by hand: [sync] {line}"
        )
    atomic_write_text(config, new)
