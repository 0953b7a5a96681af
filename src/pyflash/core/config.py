"""User settings, from ``config.toml`` in the config directory."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

from pyflash.core.errors import PyflashError

EXAMPLE = """\
# pyflash settings
new_per_day = 20        # new cards introduced per day
reviews_per_day = 200   # reviews of learned cards per day
day_starts_at = 4       # the study day rolls over at this local hour (0-23)
"""


@dataclass(frozen=True, slots=True)
class Config:
    new_per_day: int = 20
    reviews_per_day: int = 200
    day_starts_at: int = 4
    backups_keep: int = 7  # daily backups of the review database kept (0: none)
    run_env: tuple[str, ...] = ()  # environment variables `check --run` passes to cards

    def with_limits(self, new: int | None = None, reviews: int | None = None) -> Config:
        changes: dict[str, Any] = {}
        if new is not None:
            changes["new_per_day"] = new
        if reviews is not None:
            changes["reviews_per_day"] = reviews
        return replace(self, **changes)


_LIMITS = {"new_per_day": (0, 100_000), "reviews_per_day": (0, 1_000_000), "day_starts_at": (0, 23), "backups_keep": (0, 365)}


def load_config(path: Path | None = None) -> Config:
    """Read the config file; a missing file means the defaults."""
    if path is None:
        from pyflash import paths

        path = paths.config_path()
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return Config()
    except OSError as exc:
        raise PyflashError(f"{path}:1:1: cannot read the config file ({exc.strerror})") from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise PyflashError(f"{path}:1:1: config is not valid UTF-8; re-save it as UTF-8") from None
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"\(at line (\d+), column (\d+)\)", str(exc))
        line, col = (m.group(1), m.group(2)) if m else ("1", "1")
        msg = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(exc))
        raise PyflashError(f"{path}:{line}:{col}: TOML syntax error: {msg}") from None
    known = {f.name for f in fields(Config)}
    values: dict[str, Any] = {}
    for key, value in data.items():
        line = _line_of(raw, key)
        if key not in known:
            import difflib

            close = difflib.get_close_matches(key, sorted(known), n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else f" (known: {', '.join(sorted(known))})"
            raise PyflashError(f"{path}:{line}:1: unknown setting '{key}'{hint}")
        if key in _NAME_LISTS:
            values[key] = _names(value, f"{path}:{line}:1: '{key}'")
            continue
        lo, hi = _LIMITS[key]
        if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
            raise PyflashError(f"{path}:{line}:1: '{key}' must be a whole number from {lo} to {hi}")
        values[key] = value
    return Config(**values)


_NAME_LISTS = {"run_env"}
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def _names(value: object, where: str) -> tuple[str, ...]:
    """A list of environment variable names, e.g. ``run_env = ["HTTPS_PROXY"]``."""
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise PyflashError(f'{where} must be a list of environment variable names, e.g. ["HTTPS_PROXY"]')
    for name in value:
        if not _ENV_NAME.match(name):
            raise PyflashError(f"{where}: '{name}' is not an environment variable name (letters, digits, _)")
    return tuple(dict.fromkeys(value))


def _line_of(raw: bytes, key: str) -> int:
    for n, line in enumerate(raw.decode("utf-8").splitlines(), start=1):
        if line.strip().startswith(key):
            return n
    return 1
