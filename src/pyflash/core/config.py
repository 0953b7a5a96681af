"""User settings, from ``config.toml`` (the caller says where it is).

``pyflash.paths.config_path()`` is the usual place; the CLI passes it in, so
this module never looks at the environment.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, fields, replace
from datetime import tzinfo
from pathlib import Path
from typing import Any

from pyflash.core.errors import PyflashError


@dataclass(frozen=True, slots=True)
class Config:
    """The settings: daily limits, the hour the study day starts, and the time zone."""

    new_per_day: int = 20
    reviews_per_day: int = 200
    day_starts_at: int = 4
    backups_keep: int = 7  # daily backups of the review database kept (0: none)
    run_env: tuple[str, ...] = ()  # environment variables `check --run` passes to cards
    timezone: str | None = None  # an IANA name such as "Europe/Berlin"; None: the machine's zone
    leech_threshold: int = 8  # lapses (failed grades after graduating) that make a card a leech

    def with_limits(self, new: int | None = None, reviews: int | None = None) -> Config:
        """These settings with other daily limits (None keeps a limit)."""
        changes: dict[str, Any] = {}
        if new is not None:
            changes["new_per_day"] = new
        if reviews is not None:
            changes["reviews_per_day"] = reviews
        return replace(self, **changes)

    def zone(self) -> tzinfo | None:
        """The configured zone, or None when the config names none."""
        if not self.timezone:
            return None
        from zoneinfo import ZoneInfo  # deferred: start-up time (only when a zone is configured)

        return ZoneInfo(self.timezone)


_LIMITS = {"new_per_day": (0, 100_000), "reviews_per_day": (0, 1_000_000), "day_starts_at": (0, 23), "backups_keep": (0, 365), "leech_threshold": (1, 1000)}


def load_config(path: Path) -> Config:
    """Read the config file at ``path``; a missing file means the defaults.

    A mistake raises :class:`PyflashError` as ``path:line:col: message``.
    """
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
        where = f"{path}:{_line_of(raw, key)}:1"
        if key not in known:
            import difflib  # deferred: start-up time (only for a mistake)

            close = difflib.get_close_matches(key, sorted(known), n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else f" (known: {', '.join(sorted(known))})"
            raise PyflashError(f"{where}: unknown setting '{key}'{hint}")
        if key in _NAME_LISTS:
            values[key] = _names(value, f"{where}: '{key}'")
            continue
        if key == "timezone":
            values[key] = _check_zone(value, where)
            continue
        lo, hi = _LIMITS[key]
        if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
            raise PyflashError(f"{where}: '{key}' must be a whole number from {lo} to {hi}")
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


def _check_zone(value: object, where: str) -> str:
    """``value`` if it names a time zone; else a located error."""
    advice = "use an IANA name such as 'Europe/Berlin', or leave it out to use this machine's zone"
    if not isinstance(value, str):
        raise PyflashError(f"{where}: 'timezone' must be a string ({advice})")
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones  # deferred: start-up time

    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        import difflib  # deferred: start-up time (only for a mistake)

        close = difflib.get_close_matches(value, sorted(available_timezones()), n=1)
        hint = f"did you mean '{close[0]}'? or {advice}" if close else advice
        raise PyflashError(f"{where}: unknown time zone '{value}' ({hint})") from None
    return value


def _line_of(raw: bytes, key: str) -> int:
    for n, line in enumerate(raw.decode("utf-8").splitlines(), start=1):
        if line.strip().startswith(key):
            return n
    return 1
