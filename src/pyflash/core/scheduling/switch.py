"""Which scheduler schedules which deck, and switching between them without losing anything.

``scheduler = "sm2" | "fsrs"`` is set globally and per deck (``[deck."NAME"]``,
which covers its subdecks). :class:`PerDeck` is the :class:`Scheduler` a
session uses: it hands each card to its deck's scheduler.

Switching (:func:`apply_schedulers`, run when a workspace opens):

* **to FSRS**: a learned card's FSRS state is computed by replaying its review
  log with FSRS (``fsrs.Scheduler.review_card``, in log order, undone grades left
  out, a ``forget`` starting over); a card with no log gets an estimate from its
  SM-2 state (``memory_state_from_sm2``). Its due day and interval become FSRS's;
  its SM-2 interval and due day are kept in the memory.
* **back to SM-2**: the SM-2 interval and due day kept in the memory are put
  back. While FSRS was on, every grade also ran SM-2 on those figures, so they
  are exactly what SM-2 alone would have made of the same log.

Nothing in the review log changes either way; only the card rows (a projection
of the log) are rewritten, in one transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from datetime import datetime, tzinfo
from typing import TYPE_CHECKING, Protocol

from pyflash.core.review.records import CardState
from pyflash.core.scheduling.schedule import SM2
from pyflash.core.scheduling.scheduler import GradePreview, Review, Scheduler

if TYPE_CHECKING:
    from pyflash.core.config import Config
    from pyflash.core.scheduling.fsrs_scheduler import FSRSScheduler

SCHEDULERS = ("sm2", "fsrs")


def scheduler_name(config: Config, deck: str) -> str:
    """``deck``'s scheduler: its own setting, its nearest parent's, or the global one."""
    return str(config.deck_setting(deck, "scheduler"))


def retention_of(config: Config, deck: str) -> float:
    return float(config.deck_setting(deck, "desired_retention"))


def uses_fsrs(config: Config) -> bool:
    return config.scheduler == "fsrs" or any(d.scheduler == "fsrs" for d in config.deck_limits)


class PerDeck:
    """A :class:`Scheduler` that gives each card to its deck's scheduler."""

    def __init__(self, pick: Callable[[str], Scheduler]) -> None:
        self.pick = pick

    def preview(self, card: CardState, grade: int, day: int) -> GradePreview:
        return self.pick(card.deck).preview(card, grade, day)

    def review(self, card: CardState, grade: int, *, day: int, now: datetime) -> Review:
        return self.pick(card.deck).review(card, grade, day=day, now=now)

    def relearn_today(self, card: CardState, day: int) -> bool:
        return self.pick(card.deck).relearn_today(card, day)


def build(
    config: Config, *, zone: tzinfo, clock: Callable[[], datetime], parameters: Sequence[float] | None = None
) -> Scheduler:
    """The scheduler a session uses under ``config`` (plain SM-2 when no deck uses FSRS)."""
    if not uses_fsrs(config):
        return SM2
    from pyflash.core.scheduling.fsrs_scheduler import (  # deferred: start-up time (FSRS users only)
        DEFAULT_PARAMETERS,
        FSRSScheduler,
    )

    engines: dict[float, FSRSScheduler] = {}

    def fsrs_for(retention: float) -> FSRSScheduler:
        if retention not in engines:
            engines[retention] = FSRSScheduler(
                zone=zone,
                day_starts_at=config.day_starts_at,
                clock=clock,
                parameters=parameters or DEFAULT_PARAMETERS,
                desired_retention=retention,
            )
        return engines[retention]

    cache: dict[str, Scheduler] = {}

    def pick(deck: str) -> Scheduler:
        if deck not in cache:
            cache[deck] = fsrs_for(retention_of(config, deck)) if scheduler_name(config, deck) == "fsrs" else SM2
        return cache[deck]

    return PerDeck(pick)


class Schedulable(Protocol):
    """What :func:`apply_schedulers` reads and writes: a store, or the states a rebuild derived."""

    def learned_states(self) -> list[CardState]: ...
    def states_with_memory(self) -> list[CardState]: ...
    def graded_rows(self, keys: Iterable[str] | None = None) -> list[tuple[str, int, str, int, str, int | None]]: ...
    def reschedule(self, states: Iterable[CardState]) -> int: ...


def apply_schedulers(store: Schedulable, scheduler: Scheduler) -> int:
    """Bring every learned card's row to the scheduler its deck now uses; returns the cards rewritten.

    Cheap when nothing changed: with SM-2 everywhere it reads only the rows that
    have an FSRS memory (a partial index).
    """
    if not isinstance(scheduler, PerDeck):
        rows = store.states_with_memory()
        return store.reschedule(_to_sm2(s) for s in rows if _active(s))
    from pyflash.core.scheduling.fsrs_scheduler import (  # deferred: start-up time (FSRS users only)
        FSRSScheduler,
        is_current,
        memory_of,
    )

    changed: list[CardState] = []
    to_replay: list[tuple[CardState, FSRSScheduler]] = []
    for state in store.learned_states():
        chosen = scheduler.pick(state.deck)
        if isinstance(chosen, FSRSScheduler):
            memory = memory_of(state)
            if memory is None or not memory.active or not is_current(state, memory):
                to_replay.append((state, chosen))
        elif _active(state):
            changed.append(_to_sm2(state))
    if to_replay:
        logs = _grades_by_key(store.graded_rows([s.key for s, _ in to_replay]))
        changed.extend(_to_fsrs(state, engine, logs.get(state.key, ())) for state, engine in to_replay)
    return store.reschedule(changed) if changed else 0


def _grades_by_key(rows: Iterable[tuple[str, int, str, int, str, int | None]]) -> dict[str, list[tuple[str, int]]]:
    out: dict[str, list[tuple[str, int]]] = {}
    for key, _id, ts, grade, _kind, _day in rows:
        out.setdefault(key, []).append((ts, grade))
    return out


def _active(state: CardState) -> bool:
    from pyflash.core.scheduling.fsrs_scheduler import memory_of  # deferred: only rows with a memory

    memory = memory_of(state)
    return memory is not None and memory.active


def _to_sm2(state: CardState) -> CardState:
    from pyflash.core.scheduling.fsrs_scheduler import Memory, memory_of  # deferred: only rows with a memory

    memory = memory_of(state)
    assert memory is not None
    restored = replace(
        state,
        interval=memory.sm2_interval if memory.sm2_interval is not None else state.interval,
        due_day=memory.sm2_due if memory.sm2_due is not None else state.due_day,
    )
    return replace(restored, memory=Memory(memory.card, False, None, None).to_json())


def _to_fsrs(state: CardState, engine: FSRSScheduler, grades: Sequence[tuple[str, int]]) -> CardState:
    from pyflash.core.scheduling.fsrs_scheduler import Memory, from_sm2, memory_of, replay  # deferred: see above

    old = memory_of(state)
    card = replay(grades, engine.engine) if grades else None
    if card is None:
        card = from_sm2(state, engine.parameters, engine.desired_retention)
    if old is not None and old.active:
        sm2_interval, sm2_due = old.sm2_interval, old.sm2_due  # the row's figures are FSRS's already
    else:
        sm2_interval, sm2_due = state.interval, state.due_day
    due = engine.day_of(card.due)
    last_day = state.last_day if state.last_day is not None else due
    memory = Memory(card, True, sm2_interval, sm2_due)
    return replace(state, interval=max(0, due - last_day), due_day=due, memory=memory.to_json())


def retrievability(
    states: Iterable[CardState], scheduler: Scheduler, now: datetime, keys: set[str] | None = None
) -> tuple[float | None, int]:
    """(mean probability of recall now, cards) over the learned cards FSRS schedules (``keys`` only, if given).

    ``states``: the cards that have an FSRS memory (``Store.states_with_memory()``).
    """
    if not isinstance(scheduler, PerDeck):
        return None, 0
    from pyflash.core.scheduling.fsrs_scheduler import FSRSScheduler  # deferred: FSRS users only

    total, n = 0.0, 0
    for state in states:
        if keys is not None and state.key not in keys:
            continue
        chosen = scheduler.pick(state.deck)
        if isinstance(chosen, FSRSScheduler):
            r = chosen.retrievability(state, now)
            if r is not None:
                total += r
                n += 1
    return (total / n if n else None), n
