"""User settings, from ``config.toml`` (the caller says where it is).

``pyflash.paths.config_path()`` is the usual place; the CLI passes it in, so
this module never looks at the environment.
"""

# No `from __future__ import annotations` here: a NamedTuple's string annotations are compiled one
# by one at import, at every start (tests/test_startup_imports.py).
import re
from datetime import tzinfo
from pathlib import Path
from typing import Any, NamedTuple

from pyflash.core.errors import PyflashError

NEW_ORDERS = ("mixed", "file", "random")
SCHEDULERS = ("sm2", "fsrs")
RETENTION = (0.7, 0.99)  # the range Anki allows for desired retention
LEECH_ACTIONS = ("tag", "suspend")  # what happens to a card that becomes a leech (docs/scheduling.md)


class DeckLimit(NamedTuple):
    """A deck's own daily limits (``[deck."Python::Pandas"]``); None: the global one."""

    deck: str
    new_per_day: int | None = None
    reviews_per_day: int | None = None
    scheduler: str | None = None  # "sm2" | "fsrs"
    desired_retention: float | None = None  # FSRS only
    type_output: bool | None = None  # type the output of this deck's output cards (None: the global setting)
    leech_action: str | None = None  # "tag" | "suspend" (None: the global setting)


class SyncSettings(NamedTuple):
    """The ``[sync]`` table: where ``pyflash sync`` shares the review log (docs/sync.md)."""

    remote: str | None = None  # a git URL or a path; the first `pyflash sync --remote` records it
    include_decks: bool = False  # also commit the user's deck folder (deck text leaves the machine)
    auto: bool = False  # sync when the TUI starts and when it quits


class Config(NamedTuple):
    """The settings: daily limits (global and per deck), new-card order, the day's start, the zone.

    A NamedTuple rather than a frozen dataclass: it is created at every start, and
    a frozen dataclass of this size costs about 1.5 ms to create (start-up time).
    """

    new_per_day: int = 20
    reviews_per_day: int = 200
    day_starts_at: int = 4
    backups_keep: int = 7  # daily backups of the review database kept (0: none)
    run_env: tuple[str, ...] = ()  # environment variables `check --run` passes to cards
    timezone: str | None = None  # an IANA name such as "Europe/Berlin"; None: the machine's zone
    leech_threshold: int = 8  # lapses that make a card a leech (docs/scheduling.md)
    leech_action: str = "tag"  # "tag": mark it; "suspend": mark and suspend it (per deck too)
    new_order: str = "mixed"  # "mixed": round robin between decks; "file": deck order; "random": shuffled per day
    deck_limits: tuple[DeckLimit, ...] = ()  # from [deck."NAME"] tables
    scheduler: str = "sm2"  # or "fsrs" (docs/scheduling.md)
    desired_retention: float = 0.9  # FSRS: the recall probability it schedules for
    type_output: bool = False  # output cards start with the answer box (docs/study.md, "Typing the answer")
    sync: SyncSettings = SyncSettings()  # [sync]: remote, include_decks, auto (docs/sync.md)

    def deck_limit(self, deck: str) -> DeckLimit | None:
        """``deck``'s own limits (names compare case-insensitively), or None."""
        folded = deck.casefold()
        for limit in self.deck_limits:
            if limit.deck.casefold() == folded:
                return limit
        return None

    def deck_setting(self, deck: str, name: str) -> Any:
        """The setting ``name`` for ``deck``: its own ``[deck."NAME"]`` table's, else its nearest
        parent's (``[deck."A"]`` covers ``A::B``), else the global one."""
        parts = deck.split("::")
        for n in range(len(parts), 0, -1):
            own = self.deck_limit("::".join(parts[:n]))
            if own is not None and getattr(own, name) is not None:
                return getattr(own, name)
        return getattr(self, name)

    def types_output(self, deck: str) -> bool:
        """Whether ``deck``'s output cards are typed by default."""
        return bool(self.deck_setting(deck, "type_output"))

    def leech_action_for(self, deck: str) -> str:
        """What becoming a leech does to a card of ``deck``."""
        return str(self.deck_setting(deck, "leech_action"))

    def with_limits(self, new: int | None = None, reviews: int | None = None) -> "Config":
        """These settings with other daily limits (None keeps a limit)."""
        changes: dict[str, Any] = {}
        if new is not None:
            changes["new_per_day"] = new
        if reviews is not None:
            changes["reviews_per_day"] = reviews
        return self._replace(**changes)

    def zone(self) -> tzinfo | None:
        """The configured zone, or None when the config names none."""
        if not self.timezone:
            return None
        from zoneinfo import ZoneInfo  # deferred: start-up time (only when a zone is configured)

        return ZoneInfo(self.timezone)


_LIMITS = {"new_per_day": (0, 100_000), "reviews_per_day": (0, 1_000_000), "day_starts_at": (0, 23), "backups_keep": (0, 365), "leech_threshold": (1, 1000)}


def _parse_toml(raw: bytes, path: Path) -> dict[str, Any]:
    """The config file's TOML, or a located error."""
    import tomllib  # deferred: start-up time (most users have no config file)

    try:
        return tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise PyflashError(f"{path}:1:1: config is not valid UTF-8; re-save it as UTF-8") from None
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"\(at line (\d+), column (\d+)\)", str(exc))
        line, col = (m.group(1), m.group(2)) if m else ("1", "1")
        msg = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(exc))
        raise PyflashError(f"{path}:{line}:{col}: TOML syntax error: {msg}") from None


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
    data = _parse_toml(raw, path)
    known = set(Config._fields) - {"deck_limits"} | {"deck"}
    values: dict[str, Any] = {}
    for key, value in data.items():
        where = f"{path}:{_line_of(raw, key)}:1"
        if key == "deck":
            values["deck_limits"] = _deck_limits(value, raw, path)
            continue
        if key == "scheduler":
            values[key] = _check_scheduler(value, where)
            continue
        if key == "desired_retention":
            values[key] = _check_retention(value, where)
            continue
        if key in _CHOICES:
            values[key] = _choice(key, value, where)
            continue
        if key == "sync":
            values[key] = _sync_settings(value, raw, path)
            continue
        if key not in known:
            import difflib  # deferred: start-up time (only for a mistake)

            close = difflib.get_close_matches(key, sorted(known), n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else f" (known: {', '.join(sorted(known))})"
            raise PyflashError(f"{where}: unknown setting '{key}'{hint}")
        if key == "type_output":
            values[key] = _flag(value, f"{where}: 'type_output'")
            continue
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


def _flag(value: object, where: str) -> bool:
    if not isinstance(value, bool):
        raise PyflashError(f"{where} must be true or false")
    return value


_CHOICES = {"new_order": NEW_ORDERS, "leech_action": LEECH_ACTIONS}


def _choice(key: str, value: object, where: str) -> str:
    """``value`` if it is one of the choices of setting ``key``; else a located error."""
    choices = _CHOICES[key]
    if value not in choices:
        raise PyflashError(f"{where}: '{key}' must be one of {', '.join(repr(o) for o in choices)}")
    return str(value)


_NAME_LISTS = {"run_env"}
_ENV_NAME = r"^[A-Za-z_][A-Za-z0-9_]*$"  # compiled at its first use (re caches it): start-up time


def _names(value: object, where: str) -> tuple[str, ...]:
    """A list of environment variable names, e.g. ``run_env = ["HTTPS_PROXY"]``."""
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise PyflashError(f'{where} must be a list of environment variable names, e.g. ["HTTPS_PROXY"]')
    for name in value:
        if not re.match(_ENV_NAME, name):
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


_DECK_KEYS = ("new_per_day", "reviews_per_day", "type_output", "scheduler", "desired_retention", "leech_action")


def _sync_settings(value: object, raw: bytes, path: Path) -> SyncSettings:
    """The ``[sync]`` table: ``remote`` (text), ``include_decks`` and ``auto`` (true/false)."""
    start = next((n for n, line in enumerate(raw.decode("utf-8").splitlines(), 1) if re.match(r"\s*\[\s*sync\s*\]", line)), 1)
    if not isinstance(value, dict):
        raise PyflashError(f"{path}:{start}:1: 'sync' must be a table such as [sync] with remote = \"URL_OR_PATH\"")
    given: dict[str, Any] = {}
    for key, item in value.items():
        where = f"{path}:{_key_line(raw, start, key)}:1"
        if key == "remote":
            if not isinstance(item, str) or not item.strip():
                raise PyflashError(f"{where}: 'remote' of [sync] must be a git URL or a path, in quotes")
            given[key] = item.strip()
        elif key in ("include_decks", "auto"):
            given[key] = _flag(item, f"{where}: '{key}' of [sync]")
        else:
            raise PyflashError(f"{where}: unknown sync setting '{key}' (known: auto, include_decks, remote)")
    return SyncSettings(**given)


def _check_scheduler(value: object, where: str) -> str:
    if value not in SCHEDULERS:
        raise PyflashError(f"{where}: 'scheduler' must be one of {', '.join(repr(s) for s in SCHEDULERS)}")
    return str(value)


def _check_retention(value: object, where: str) -> float:
    lo, hi = RETENTION
    if isinstance(value, bool) or not isinstance(value, int | float) or not lo <= value <= hi:
        raise PyflashError(f"{where}: 'desired_retention' must be a number from {lo} to {hi}, e.g. 0.9")
    return float(value)


def _deck_limits(value: object, raw: bytes, path: Path) -> tuple[DeckLimit, ...]:
    """The ``[deck."NAME"]`` tables: each may set the keys of :data:`_DECK_KEYS`."""
    example = '[deck."Python::Pandas"] with new_per_day = 10'
    if not isinstance(value, dict):
        raise PyflashError(f"{path}:{_line_of(raw, 'deck')}:1: 'deck' must be tables such as {example}")
    limits = []
    for name, table in value.items():
        where = f"{path}:{_table_line(raw, name)}:1"
        if not isinstance(table, dict):
            raise PyflashError(f"{where}: deck '{name}' must be a table such as {example}")
        given: dict[str, Any] = {}
        for key, limit in table.items():
            where = f"{path}:{_key_line(raw, _table_line(raw, name), key)}:1"
            if key not in _DECK_KEYS:
                raise PyflashError(f"{where}: unknown deck setting '{key}' for '{name}' (known: {', '.join(_DECK_KEYS)})")
            if key == "type_output":
                given[key] = _flag(limit, f"{where}: 'type_output' of deck '{name}'")
                continue
            if key == "scheduler":
                given[key] = _check_scheduler(limit, where)
                continue
            if key == "desired_retention":
                given[key] = _check_retention(limit, where)
                continue
            if key in _CHOICES:
                given[key] = _choice(key, limit, where)
                continue
            lo, hi = _LIMITS[key]
            if isinstance(limit, bool) or not isinstance(limit, int) or not lo <= limit <= hi:
                raise PyflashError(f"{where}: '{key}' of deck '{name}' must be a whole number from {lo} to {hi}")
            given[key] = limit
        limits.append(DeckLimit(name, **given))
    return tuple(limits)


def _table_line(raw: bytes, name: str) -> int:
    """The line of the ``[deck."NAME"]`` header (or of the first line naming the deck)."""
    lines = raw.decode("utf-8").splitlines()
    for n, line in enumerate(lines, start=1):
        text = line.strip()
        if text.startswith("[") and "deck" in text and name in text:
            return n
    for n, line in enumerate(lines, start=1):
        if name in line:
            return n
    return 1


def _key_line(raw: bytes, start: int, key: str) -> int:
    """The line setting ``key`` in the table that starts at line ``start``."""
    for n, line in enumerate(raw.decode("utf-8").splitlines()[start:], start=start + 1):
        if line.strip().startswith("["):
            break
        if line.strip().startswith(key):
            return n
    return start


def _line_of(raw: bytes, key: str) -> int:
    for n, line in enumerate(raw.decode("utf-8").splitlines(), start=1):
        if line.strip().startswith(key):
            return n
    return 1
