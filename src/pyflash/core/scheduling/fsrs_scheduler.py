"""FSRS, from the maintained ``fsrs`` package (py-fsrs 6), behind pyflash's :class:`Scheduler` protocol.

pyflash does not re-implement FSRS: every step is ``fsrs.Scheduler.review_card``
(fuzzing off, so an interval is the same every time it is shown). What this
module adds is the bookkeeping around it:

* **Grades → ratings**: 0–2 → Again, 3 → Hard, 4 → Good, 5 → Easy.
* **Memory**: a card's FSRS state (stability, difficulty, learning step, due
  time) is kept as JSON in the store's ``memory`` column, so it is logged with
  every grade's before/after state and an undo restores it exactly.
* **SM-2 is kept alongside.** Each grade also runs SM-2 on the card's SM-2
  figures (kept in ``memory["sm2"]`` while FSRS schedules the card), so
  switching back to SM-2 restores a schedule that saw every review
  (:mod:`pyflash.core.scheduling.switch`). The ``easiness`` and ``repetitions``
  columns stay SM-2's; ``interval`` and ``due_day`` are FSRS's while it is on.
* **Days**: FSRS works in instants; pyflash's queue in study days. A due time is
  turned into the study day it falls in (``core.clock.local_day``); a card due
  again before the next study day (a learning step) comes back in this session.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any

import fsrs

from pyflash.core.clock import local_day
from pyflash.core.review.records import CardState, utc_now_iso
from pyflash.core.scheduling import sm2
from pyflash.core.scheduling.grades import GRADES
from pyflash.core.scheduling.schedule import SM2
from pyflash.core.scheduling.scheduler import GradePreview, Review
from pyflash.core.scheduling.states import ReviewKind

DEFAULT_RETENTION = 0.9
DEFAULT_PARAMETERS: tuple[float, ...] = tuple(fsrs.scheduler.DEFAULT_PARAMETERS)


def rating(grade: int) -> fsrs.Rating:
    """pyflash's grade 0–5 as an FSRS rating: 0–2 Again, 3 Hard, 4 Good, 5 Easy."""
    g = sm2.check_grade(grade)
    if g <= 2:
        return fsrs.Rating.Again
    return (fsrs.Rating.Hard, fsrs.Rating.Good, fsrs.Rating.Easy)[g - 3]


def parse_ts(ts: str) -> datetime:
    """A log time stamp (UTC ISO-8601) as an aware datetime."""
    when = datetime.fromisoformat(ts.replace("Z", "+00:00"))
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


@dataclass(frozen=True)
class Memory:
    """What the store keeps for a card scheduled by FSRS (``CardState.memory``)."""

    card: fsrs.Card
    active: bool  # True: the row's interval and due_day are FSRS's (else SM-2's)
    sm2_interval: int | None  # SM-2's interval and due day while FSRS schedules the card
    sm2_due: int | None

    def to_json(self) -> str:
        data: dict[str, Any] = dict(self.card.to_dict())
        data.pop("card_id", None)
        data.update(active=self.active, sm2={"interval": self.sm2_interval, "due_day": self.sm2_due})
        return json.dumps(data, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Memory:
        data = json.loads(text)
        sm = data.pop("sm2", None) or {}
        active = bool(data.pop("active", False))
        card = fsrs.Card.from_dict(
            {
                "card_id": 0,
                "state": data["state"],
                "step": data.get("step"),
                "stability": data.get("stability"),
                "difficulty": data.get("difficulty"),
                "due": data["due"],
                "last_review": data.get("last_review"),
            }
        )
        return cls(card, active, sm.get("interval"), sm.get("due_day"))


def memory_of(state: CardState) -> Memory | None:
    if not state.memory:
        return None
    try:
        return Memory.from_json(state.memory)
    except (ValueError, KeyError, TypeError):
        return None  # damaged: the switch step rebuilds it from the log


def is_current(state: CardState, memory: Memory | None) -> bool:
    """True when ``memory`` was computed from the card's latest grade."""
    if memory is None or state.last_review is None or memory.card.last_review is None:
        return False
    return abs((memory.card.last_review - parse_ts(state.last_review)).total_seconds()) < 1


class FSRSScheduler:
    """FSRS for the cards of the decks it is given (see :class:`~pyflash.core.scheduling.switch.PerDeck`)."""

    def __init__(
        self,
        *,
        zone: tzinfo,
        day_starts_at: int,
        clock: Callable[[], datetime],
        parameters: Sequence[float] = DEFAULT_PARAMETERS,
        desired_retention: float = DEFAULT_RETENTION,
    ) -> None:
        self.zone = zone
        self.day_starts_at = day_starts_at
        self.clock = clock
        self.parameters = tuple(parameters)
        self.desired_retention = desired_retention
        self.engine = fsrs.Scheduler(
            parameters=self.parameters, desired_retention=desired_retention, enable_fuzzing=False
        )

    # -- the FSRS card of a stored state ---------------------------------

    def day_of(self, when: datetime) -> int:
        return local_day(when, self.zone, self.day_starts_at)

    def fsrs_card(self, state: CardState) -> fsrs.Card:
        """The card's FSRS state: its memory, or (with none) an estimate from its SM-2 state."""
        memory = memory_of(state)
        if memory is not None and (state.is_new or is_current(state, memory)):
            return memory.card
        if state.is_new or state.last_review is None:
            return fsrs.Card(card_id=0)
        return from_sm2(state, self.parameters, self.desired_retention)

    def _step(self, state: CardState, grade: int, now: datetime) -> fsrs.Card:
        card, _ = self.engine.review_card(self.fsrs_card(state), rating(grade), review_datetime=now)
        return card

    # -- the Scheduler protocol ------------------------------------------

    def preview(self, card: CardState, grade: int, day: int) -> GradePreview:
        g = sm2.check_grade(grade)
        due = self.day_of(self._step(card, g, self.clock()).due)
        interval = max(0, due - day)
        return GradePreview(g, GRADES[g].label, interval, interval == 0)

    def review(self, card: CardState, grade: int, *, day: int, now: datetime) -> Review:
        g = sm2.check_grade(grade)
        old = memory_of(card)
        # SM-2 alongside, on its own figures (they sit in the memory while FSRS is on).
        sm2_view = card
        if old is not None and old.active:
            sm2_view = replace(card, interval=old.sm2_interval or 0, due_day=old.sm2_due)
            if card.due_day is not None and old.sm2_due is None:
                sm2_view = replace(sm2_view, due_day=card.due_day)
        shadow = SM2.review(sm2_view, g, day=day, now=now)
        stepped = self._step(card, g, now)
        due = self.day_of(stepped.due)
        memory = Memory(stepped, True, shadow.after.interval, shadow.after.due_day)
        after = replace(
            shadow.after,
            interval=max(0, due - day),
            due_day=due,
            last_review=utc_now_iso(now),
            last_day=day,
            first_day=card.first_day if card.first_day is not None else day,
            memory=memory.to_json(),
        )
        kind = ReviewKind.REVIEW if shadow.kind == ReviewKind.REVIEW else ReviewKind.REPEAT
        return Review(after, kind, due <= day)

    def relearn_today(self, card: CardState, day: int) -> bool:
        """A card in a learning step due again today comes back this session."""
        memory = memory_of(card)
        if memory is None or not memory.active or card.last_day != day:
            return SM2.relearn_today(card, day)
        return self.day_of(memory.card.due) <= day

    def retrievability(self, card: CardState, now: datetime) -> float | None:
        """The probability of recall now (None for a new card)."""
        if card.is_new:
            return None
        return float(self.engine.get_card_retrievability(self.fsrs_card(card), current_datetime=now))


def from_sm2(state: CardState, parameters: Sequence[float], retention: float) -> fsrs.Card:
    """An FSRS state estimated from an SM-2 state, for a card with no review log (fsrs-rs-python's
    ``memory_state_from_sm2``, assuming SM-2 kept 90% recall)."""
    import fsrs_rs_python  # deferred: only for cards with no log (e.g. imported states)

    model = fsrs_rs_python.FSRS(list(parameters))
    ms = model.memory_state_from_sm2(state.easiness.cents / 100, float(max(1, state.interval)), 0.9)
    last = parse_ts(state.last_review) if state.last_review else datetime.now(UTC)
    return fsrs.Card(
        card_id=0,
        state=fsrs.State.Review,
        stability=float(ms.stability),
        difficulty=float(ms.difficulty),
        due=last + timedelta(days=max(1, state.interval)),
        last_review=last,
    )


def replay(
    grades: Sequence[tuple[str, int]], engine: fsrs.Scheduler
) -> fsrs.Card | None:
    """The FSRS state after ``(ts, grade)`` pairs in log order (grade -1: a reset to new)."""
    card: fsrs.Card | None = None
    for ts, grade in grades:
        if grade < 0:
            card = None
            continue
        card, _ = engine.review_card(card or fsrs.Card(card_id=0), rating(grade), review_datetime=parse_ts(ts))
    return card
