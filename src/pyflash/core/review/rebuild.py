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

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, fields, replace
from datetime import datetime, tzinfo
from typing import TYPE_CHECKING

from pyflash.core.events.fastfold import fold_log, to_state
from pyflash.core.events.replay import Rules
from pyflash.core.review.backup import aside_name, copy_database
from pyflash.core.review.records import CardState
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
    """Derived states, as :func:`apply_schedulers` reads and writes a store (the log is the store's)."""

    def __init__(self, store: Store, states: dict[str, CardState]) -> None:
        self.store = store
        self.states = states

    def learned_states(self) -> list[CardState]:
        return [s for s in self.states.values() if s.due_day is not None]

    def states_with_memory(self) -> list[CardState]:
        return [s for s in self.states.values() if s.memory is not None]

    def graded_rows(self, keys: Iterable[str] | None = None) -> list[tuple[str, int, str, int, str, int | None]]:
        return self.store.graded_rows(keys)

    def reschedule(self, states: Iterable[CardState]) -> int:
        n = 0
        for state in states:
            self.states[state.key] = state
            n += 1
        return n


def derive(store: Store, rules: Rules) -> tuple[dict[str, CardState], int]:
    """(every card state the store's events give, the number of events)."""
    from pyflash.core.scheduling.switch import apply_schedulers  # deferred: start-up time

    db = store.connection
    states = {k: to_state(v) for k, v in fold_log(db, rules).items() if v is not None}
    events = int(db.execute("SELECT (SELECT COUNT(*) FROM reviews) + (SELECT COUNT(*) FROM relinks)").fetchone()[0])
    leeches = {r[0] for r in store.connection.execute(LEECH_OWNERS, {"threshold": rules.leech_threshold})}
    for key in leeches:
        state = states.get(key)
        if state is not None and not state.leech:
            states[key] = replace(state, leech=True)
    apply_schedulers(_Projection(store, states), rules.grader())
    return states, events


def compare(current: Mapping[str, CardState], derived: Mapping[str, CardState]) -> list[Difference]:
    """The cards whose row differs from the derived one, by key."""
    keys = sorted(set(current) | set(derived))
    return [Difference(k, current.get(k), derived.get(k)) for k in keys if current.get(k) != derived.get(k)]


def rebuild(store: Store, rules: Rules, *, fix: bool = True, keep: Callable[[], Path | None] | None = None) -> RebuildReport:
    """Derive every card state from the log, compare with the rows, and (``fix``) write the derived ones.

    ``keep`` is called before anything is written (a copy of the file) and says where it kept it.
    """
    derived, events = derive(store, rules)
    current = store.states()
    for key, state in derived.items():  # a card's text is this machine's (replay keeps it; synced events have none)
        row = current.get(key)
        if not state.text and row is not None and row.text:
            derived[key] = replace(state, text=row.text)
    touched = store.event_keys()
    kept = {k for k in current if k not in touched and k not in derived}
    report = RebuildReport(events, len(derived), without_events=len(kept))
    report.differences = compare({k: s for k, s in current.items() if k not in kept}, derived)
    if fix and report.differences:
        report.kept_as = keep() if keep is not None else None
        store.replace_states(
            [d.log for d in report.differences if d.log is not None], [d.key for d in report.differences if d.log is None]
        )
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
