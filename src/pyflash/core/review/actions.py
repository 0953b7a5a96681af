"""What a study session changes: grades, bury, suspend, unbury, unsuspend, and undo.

:class:`SessionActions` is the part of
:class:`~pyflash.core.review.session.StudySession` that acts on cards; the
session builds the queue. Every action is written to the store (and its
review log) before the session moves on, and every action can be undone, the
last one first: a grade, a bury, a suspend, or an unbury/unsuspend. An undo
is logged too (an ``undo`` row pointing at the action; see
:meth:`Store.undo <pyflash.core.review.store.Store.undo>`).

With ``cram=True`` nothing is written to the store: grades, bury, suspend
and their undo only change this session's queue.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from enum import StrEnum

from pyflash.core.clock import Clock
from pyflash.core.config import Config
from pyflash.core.decks.model import Card
from pyflash.core.errors import PyflashError
from pyflash.core.fieldwise import Fieldwise
from pyflash.core.review import leech
from pyflash.core.review.results import GradeOutcome, QueueItem
from pyflash.core.review.store import CardState, Store, utc_now_iso
from pyflash.core.scheduling.scheduler import Scheduler
from pyflash.core.scheduling.states import QueueKind, ReviewKind

REQUEUE_GAP = 3  # a failed card comes back after this many other cards


class SessionError(PyflashError):
    """A session used out of turn (grading before revealing, or after the end)."""


class Action(StrEnum):
    """What a session did to a card (what :meth:`SessionActions.undo` takes back)."""

    GRADE = "grade"
    BURY = "bury"
    SUSPEND = "suspend"
    UNBURY = "unbury"
    UNSUSPEND = "unsuspend"


class Done(Fieldwise):
    """One action of this session, for undo.

    A plain class rather than a slotted dataclass (the same fields, ``==`` and ``repr``): the
    dataclass decorator cost every start about 2 M instructions (this module is on the first card's path).
    """

    __slots__ = ("action", "item", "review_ids", "position", "grade", "again", "removed", "added")
    _FIELDS = __slots__

    def __init__(
        self,
        action: Action,
        item: QueueItem | None,  # the card acted on (None: unbury/unsuspend of several)
        review_ids: list[int] | None = None,  # its log rows (none in cram)
        position: int = 0,  # grade: where the card went back into the queue
        grade: int = 0,
        again: bool = False,
        removed: list[tuple[int, QueueItem]] | None = None,  # bury/suspend: taken from the queue
        added: list[QueueItem] | None = None,  # unbury/unsuspend: put back into the queue
    ) -> None:
        self.action = action
        self.item = item
        self.review_ids: list[int] = [] if review_ids is None else review_ids
        self.position = position
        self.grade = grade
        self.again = again
        self.removed: list[tuple[int, QueueItem]] = [] if removed is None else removed
        self.added: list[QueueItem] = [] if added is None else added

    def items(self) -> list[QueueItem]:
        return ([self.item] if self.item else []) + [i for _, i in self.removed] + self.added


class Stats:
    __slots__ = ("grades", "cards", "relearned")

    def __init__(self) -> None:
        self.grades: Counter[int] = Counter()
        self.cards: set[str] = set()
        self.relearned: set[str] = set()


def card_text(card: Card) -> str:
    """The text the store keeps with a card's state (to recognise it after an edit)."""
    return card.identity_text


def current_state(row: CardState | None, card: Card) -> CardState:
    """The state a scheduler grades: the stored row (with today's deck and text), or a new one."""
    if row is None:
        return CardState(key=card.key, deck=card.deck, text=card_text(card))
    return replace(row, deck=card.deck, text=card_text(card))


class SessionActions:
    """Grading, bury, suspend, unbury, unsuspend and undo (mixed into StudySession)."""

    store: Store
    config: Config
    clock: Clock
    cram: bool
    scheduler: Scheduler
    queue: list[QueueItem]
    revealed: bool
    _revealed_at: datetime | None
    _history: list[Done]
    _stats: Stats
    _states: dict[str, CardState]

    def _day(self) -> int:
        raise NotImplementedError

    def _log_args(self) -> tuple[str, int]:
        return utc_now_iso(self.clock()), self._day()

    def grade(self, grade: int, *, typed: str | None = None) -> GradeOutcome:
        """Grade the current card (after :meth:`reveal`) and move on.

        ``typed``: the answer the user typed (docs/study.md), kept in the log with the grade.
        """
        if not self.queue:
            raise SessionError("no card to grade: the session is finished")
        if not self.revealed:
            raise SessionError("reveal the answer before grading")
        item = self.queue[0]
        card = item.card
        now = self.clock()
        day = self._day()
        answer_ms = None
        if self._revealed_at is not None:
            answer_ms = max(0, int((now - self._revealed_at).total_seconds() * 1000))
        row = self._states.get(card.key)
        result = self.scheduler.review(current_state(row, card), grade, day=day, now=now)
        after, leech_action = result.after, None
        if not self.cram:
            after, leech_action = leech.apply(self.store, self.config, row, after, grade, result.kind)
        # A card suspended as a leech does not come back today.
        done = Done(Action.GRADE, item, grade=int(grade), again=result.again_today and not after.suspended)
        if not self.cram:
            # The store first: a StoreError leaves the session as it was (same card, still revealed).
            done.review_ids.append(
                self.store.record(
                    row, after, grade=grade, kind=result.kind, ts=utc_now_iso(now), day=day,
                    answer_ms=answer_ms, typed=typed,
                )
            )
            self._states[card.key] = after
        self.queue.pop(0)
        if done.again:
            done.position = min(REQUEUE_GAP, len(self.queue))
            self.queue.insert(done.position, QueueItem(card, QueueKind.RELEARN))
            self._stats.relearned.add(card.key)
        self._history.append(done)
        self._stats.grades[done.grade] += 1
        self._stats.cards.add(card.key)
        self._next()
        return GradeOutcome(
            card,
            done.grade,
            ReviewKind.CRAM if self.cram else result.kind,
            done.again,
            None if self.cram else after.due_day,
            done.review_ids[0] if done.review_ids else None,
            leech_action,
        )

    def _next(self) -> None:
        self.revealed = False
        self._revealed_at = None

    @property
    def can_undo(self) -> bool:
        return bool(self._history)

    @property
    def last_action(self) -> Action | None:
        """What :meth:`undo` would take back."""
        return self._history[-1].action if self._history else None

    def undo(self) -> Card | None:
        """Take back the last action of this session (a grade, bury, suspend,
        unbury or unsuspend); the card it was about is shown (None: nothing to undo)."""
        if not self._history:
            return None
        done = self._history[-1]
        # The store first: if it fails (StoreError), the action stays in the history.
        ts, day = self._log_args()
        for review_id in list(reversed(done.review_ids)):
            entry = self.store.undo(review_id, ts=ts, day=day)
            if entry is not None:
                if entry.before is None:
                    self._states.pop(entry.key, None)
                else:
                    self._states[entry.key] = entry.before
            done.review_ids.remove(review_id)  # undone: a retry after a failure skips it
        self._history.pop()
        if done.action is Action.GRADE:
            assert done.item is not None  # a grade is about one card
            self._undo_grade(done, done.item.card)
        elif done.removed:
            for index, item in done.removed:  # ascending: each goes back where it was
                self.queue.insert(min(index, len(self.queue)), item)
        else:
            added = {i.key for i in done.added}
            self.queue = [i for i in self.queue if i.key not in added]
        self._next()
        return done.item.card if done.item else (self.queue[0].card if self.queue else None)

    def _undo_grade(self, done: Done, card: Card) -> None:
        if done.again:
            for i, item in enumerate(self.queue):
                if item.key == card.key and item.kind == QueueKind.RELEARN:
                    del self.queue[i]
                    break
            if not any(d.item and d.item.key == card.key and d.again for d in self._history):
                self._stats.relearned.discard(card.key)
        assert done.item is not None
        self.queue.insert(0, done.item)
        self._stats.grades[done.grade] -= 1
        if not any(d.action is Action.GRADE and d.item and d.item.key == card.key for d in self._history):
            self._stats.cards.discard(card.key)

    def _set_aside(self, action: Action, **changes: object) -> Card:
        if not self.queue:
            raise SessionError("no current card")
        item = self.queue[0]
        card = item.card
        done = Done(action, item)
        if not self.cram:
            ts, day = self._log_args()
            for review_id, state in self.store.change(
                [(card.key, card.deck, card_text(card))], kind=action.value, ts=ts, day=day, **changes
            ):
                done.review_ids.append(review_id)
                self._states[card.key] = state
        done.removed = [(i, it) for i, it in enumerate(self.queue) if it.key == card.key]
        self.queue = [it for it in self.queue if it.key != card.key]
        self._history.append(done)
        self._next()
        return card

    def bury(self) -> Card:
        """Hide the current card until tomorrow."""
        return self._set_aside(Action.BURY, buried_until=self._day() + 1)

    def suspend(self) -> Card:
        """Suspend the current card until it is unsuspended."""
        return self._set_aside(Action.SUSPEND, suspended=True)

    def set_aside(self, action: Action) -> list[Card]:
        """The cards this session buried (``Action.BURY``) or suspended that are still set aside."""
        undone_by = Action.UNBURY if action is Action.BURY else Action.UNSUSPEND
        cards: dict[str, Card] = {}
        for done in self._history:
            if done.action is action and done.item is not None:
                cards[done.item.key] = done.item.card
            elif done.action is undone_by:
                for item in done.added:
                    cards.pop(item.key, None)
        return list(cards.values())

    def unbury(self) -> list[Card]:
        """Bring back the cards this session buried, next in the queue (can be undone)."""
        return self._restore(Action.BURY, Action.UNBURY, buried_until=None)

    def unsuspend(self) -> list[Card]:
        """Unsuspend the cards this session suspended, next in the queue (can be undone)."""
        return self._restore(Action.SUSPEND, Action.UNSUSPEND, suspended=False)

    def _restore(self, was: Action, action: Action, **changes: object) -> list[Card]:
        cards = self.set_aside(was)
        if not cards:
            return []
        done = Done(action, None)
        if not self.cram:
            ts, day = self._log_args()
            rows: Sequence[tuple[str, str, str]] = [(c.key, c.deck, card_text(c)) for c in cards]
            for review_id, state in self.store.change(rows, kind=action.value, ts=ts, day=day, **changes):
                done.review_ids.append(review_id)
                self._states[state.key] = state
        done.added = [QueueItem(c, QueueKind.REVIEW if self._learned(c) else QueueKind.NEW) for c in cards]
        at = 1 if self.revealed and self.queue else 0  # after a card being answered; else next
        self.queue[at:at] = done.added
        self._history.append(done)
        return cards

    def _learned(self, card: Card) -> bool:
        row = self._states.get(card.key)
        return row is not None and not row.is_new

    def _remap_history(self, by_key: dict[str, Card], old_key: str | None, new_key: str | None) -> None:
        """After a reload: the history's cards with their new text (``old_key`` is now ``new_key``)."""

        def fresh(item: QueueItem) -> QueueItem:
            key = new_key if item.key == old_key and new_key is not None else item.key
            card = by_key.get(key)
            return QueueItem(card, item.kind) if card is not None else item

        for done in self._history:
            done.item = fresh(done.item) if done.item else None
            done.removed = [(i, fresh(it)) for i, it in done.removed]
            done.added = [fresh(it) for it in done.added]
