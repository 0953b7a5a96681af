"""``pyflash doctor --rebuild``: derive every card state from the event log again, and compare.

The card rows are a projection of the log (docs/sync.md). :func:`derive`
replays every event of the store (:mod:`pyflash.core.events.fastfold`, the
same states as :mod:`pyflash.core.events.replay`'s fold, faster) into
fresh states, then does what opening a workspace does to them: the leech
mark of a card whose logged lapses reached the threshold (as schema 5 and
``--repair`` mark it) and the schedules of the decks FSRS schedules
(:func:`~pyflash.core.scheduling.switch.apply_schedulers`). :func:`compare`
lists the differences from the current rows, card by card and field by field;
:func:`rebuild` does both and, asked to, writes the derived rows in one
transaction. A row with no event at all (written by a pyflash from before the
log kept everything) is left as it is and counted.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, fields
from datetime import datetime, tzinfo
from typing import TYPE_CHECKING, Any

from pyflash.core.events.fastfold import DUE, LEECH, MEMORY, TEXT, Values, fold_log, row_of, to_state, values_of
from pyflash.core.events.replay import Rules
from pyflash.core.review.backup import aside_name, copy_database
from pyflash.core.review.bulk import put_rows
from pyflash.core.review.event_log import key_chunks
from pyflash.core.review.records import COLUMNS, CardState, row_state
from pyflash.core.review.schema import LEECH_OWNERS
from pyflash.core.review.store import Store

if TYPE_CHECKING:
    from pathlib import Path

    from pyflash.core.config import Config
    from pyflash.core.locations import Locations

__all__ = ["Difference", "RebuildReport", "compare", "derive", "rebuild", "rebuild_at", "rules_for"]


@dataclass(frozen=True, slots=True)
class Difference:
    """One card whose row is not what its events give."""

    key: str
    store: CardState | None  # the row now (None: no row)
    log: CardState | None  # the row its events give (None: no row)

    @property
    def fields(self) -> list[tuple[str, object, object]]:
        """(field, in the store, from the log) of every field that differs."""
        if self.store is None or self.log is None:
            return []
        return [
            (f.name, getattr(self.store, f.name), getattr(self.log, f.name))
            for f in fields(CardState)
            if getattr(self.store, f.name) != getattr(self.log, f.name)
        ]

    def describe(self) -> str:
        if self.store is None:
            return f"card {self.key}: no row in the store; its events give one"
        if self.log is None:
            return f"card {self.key}: a row in the store, but its events leave none"
        changes = "; ".join(f"{name}: {ours!r} in the store, {theirs!r} from the log" for name, ours, theirs in self.fields)
        return f"card {self.key}: {changes}"


@dataclass
class RebuildReport:
    events: int  # events replayed
    cards: int  # card states derived
    differences: list[Difference] = field(default_factory=list)
    without_events: int = 0  # rows no event touches: kept as they are
    fixed: bool = False  # the derived rows were written
    kept_as: Path | None = None  # where the file was copied before the fix


def rules_for(
    config: Config, *, zone: tzinfo, clock: Callable[[], datetime], parameters: Iterable[float] | None = None
) -> Rules:
    """The replay rules of ``config``: its scheduler per deck, its leech threshold and action."""
    from pyflash.core.scheduling.switch import build  # deferred: start-up time (FSRS users only load fsrs)

    scheduler = build(config, zone=zone, clock=clock, parameters=tuple(parameters) if parameters else None)
    return Rules(scheduler, config.leech_threshold, config.leech_action_for)


class _Projection:
    """Derived states (as values: core/events/fastfold.py), as :func:`apply_schedulers` reads and writes a
    store (the log is the store's)."""

    def __init__(self, store: Store, values: dict[str, Values]) -> None:
        self.store = store
        self.values = values

    def learned_states(self) -> list[CardState]:
        return [to_state(v) for v in self.values.values() if v[DUE] is not None]

    def states_with_memory(self) -> list[CardState]:
        return [to_state(v) for v in self.values.values() if v[MEMORY] is not None]

    def graded_rows(self, keys: Iterable[str] | None = None) -> list[tuple[str, int, str, int, str, int | None]]:
        return self.store.graded_rows(keys)

    def reschedule(self, states: Iterable[CardState]) -> int:
        n = 0
        for state in states:
            self.values[state.key] = values_of(state)
            n += 1
        return n


def _derive(store: Store, rules: Rules) -> tuple[dict[str, Values], int]:
    """:func:`derive`, the states as values."""
    from pyflash.core.scheduling.switch import apply_schedulers  # deferred: start-up time

    db = store.connection
    values = {k: v for k, v in fold_log(db, rules).items() if v is not None}
    events = int(db.execute("SELECT (SELECT COUNT(*) FROM reviews) + (SELECT COUNT(*) FROM relinks)").fetchone()[0])
    leeches = {r[0] for r in db.execute(LEECH_OWNERS, {"threshold": rules.leech_threshold})}
    for key in leeches:
        v = values.get(key)
        if v is not None and not v[LEECH]:
            values[key] = (*v[:LEECH], True, *v[LEECH + 1 :])
    apply_schedulers(_Projection(store, values), rules.grader())
    return values, events


def derive(store: Store, rules: Rules) -> tuple[dict[str, CardState], int]:
    """(every card state the store's events give, the number of events)."""
    values, events = _derive(store, rules)
    return {k: to_state(v) for k, v in values.items()}, events


def compare(current: Mapping[str, CardState], derived: Mapping[str, CardState]) -> list[Difference]:
    """The cards whose row differs from the derived one, by key."""
    keys = sorted(set(current) | set(derived))
    return [Difference(k, current.get(k), derived.get(k)) for k in keys if current.get(k) != derived.get(k)]


def _as_read(row: tuple[Any, ...]) -> tuple[Any, ...]:
    """A card row as row_of writes it (suspended and leech as 0 or 1): equal rows, equal states."""
    return (*row[:7], int(bool(row[7])), *row[8:14], int(bool(row[14])))


def rebuild(store: Store, rules: Rules, *, fix: bool = True, keep: Callable[[], Path | None] | None = None) -> RebuildReport:
    """Derive every card state from the log, compare with the rows, and (``fix``) write the derived ones.

    ``keep`` is called before anything is written (a copy of the file) and says where it kept it. The
    rows are compared as rows (a CardState is made only for a card that differs) and written at once
    (:func:`~pyflash.core.review.bulk.put_rows`).
    """
    derived, events = _derive(store, rules)
    db = store.connection
    current = {r[0]: r for r in db.execute(f"SELECT {COLUMNS} FROM cards")}
    new_rows: dict[str, tuple[Any, ...]] = {}
    for key, v in derived.items():  # a card's text is this machine's (replay keeps it; synced events have none)
        row = current.get(key)
        if not v[TEXT] and row is not None and row[2]:
            v = derived[key] = (*v[:TEXT], row[2])
        new_rows[key] = row_of(v)
    touched = store.event_keys()
    kept = {k for k in current if k not in touched and k not in derived}
    report = RebuildReport(events, len(derived), without_events=len(kept))
    keys = sorted((set(current) - kept) | set(derived))
    report.differences = [
        Difference(k, row_state(current[k]) if k in current else None, to_state(derived[k]) if k in derived else None)
        for k in keys
        if (_as_read(current[k]) if k in current else None) != new_rows.get(k)
    ]
    if fix and report.differences:
        report.kept_as = keep() if keep is not None else None
        try:
            with store._tx():
                put_rows(db, [new_rows[d.key] for d in report.differences if d.log is not None], current)
                for marks, chunk in key_chunks(sorted(d.key for d in report.differences if d.log is None)):
                    db.execute(f"DELETE FROM cards WHERE key IN ({marks})", chunk)
        except sqlite3.Error as exc:
            raise store._fault(exc, "write the rebuilt card rows (nothing was changed)") from None
        report.fixed = True
    return report


def rebuild_at(locations: Locations, *, clock: Callable[[], datetime], fix: bool = True) -> RebuildReport:
    """``pyflash doctor --rebuild``: the store at ``locations`` rebuilt with the rules of its config;
    before a fix, the file is copied aside (``reviews.sqlite3.before-rebuild-YYYYMMDD-HHMMSS``)."""
    from pyflash.core.clock import system_zone  # deferred: start-up time
    from pyflash.core.config import load_config  # deferred: start-up time
    from pyflash.core.scheduling.params import load_parameters  # deferred: start-up time
    from pyflash.core.scheduling.switch import uses_fsrs  # deferred: start-up time

    config = load_config(locations.config)
    zone = config.zone() or system_zone()
    params = load_parameters(locations.store.parent) if uses_fsrs(config) else None
    with Store(locations.store, leech_threshold=config.leech_threshold) as store:
        rules = rules_for(config, zone=zone, clock=clock, parameters=params)

        def keep() -> Path:
            target = aside_name(store.path, "before-rebuild", clock())
            copy_database(store, target)
            return target

        return rebuild(store, rules, fix=fix, keep=keep)
