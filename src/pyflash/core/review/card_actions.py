"""Actions on chosen cards, outside a study session (the browser): suspend,
unsuspend, bury, unbury and forget, each logged and undoable.

:class:`CardActions` is the browser's counterpart of a session's actions
(:mod:`pyflash.core.review.actions`): it changes the cards it is given in one
transaction, writes one review-log row per card changed (``kind`` is the
action: ``suspend``, ``unsuspend``, ``bury``, ``unbury`` or ``forget``), and
keeps its own undo stack. An undo takes back the whole last action, every card
of it, through :meth:`Store.undo <pyflash.core.review.store.Store.undo>` (which
logs an ``undo`` row per card and refuses a card changed since).

A card the action would not change is left out (suspending a suspended card,
forgetting a new one): the log only holds real changes.

``forget`` puts a card back to new: no schedule, the initial easiness, no
first day, no FSRS memory. Its suspended, buried and leech marks stay. The review log keeps every
earlier grade (a forget row records the state before it), so ``lapses`` and
``reviews`` in search still count them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from pyflash.core.clock import Clock
from pyflash.core.decks.model import Card
from pyflash.core.review.records import FORGOTTEN, CardState, utc_now_iso
from pyflash.core.review.store import Store
from pyflash.core.scheduling.states import ReviewKind

__all__ = ["ActionResult", "CardAction", "CardActions", "FORGOTTEN"]


class CardAction(StrEnum):
    """What :class:`CardActions` can do to chosen cards (each is a review-log ``kind``)."""

    SUSPEND = ReviewKind.SUSPEND.value
    UNSUSPEND = ReviewKind.UNSUSPEND.value
    BURY = ReviewKind.BURY.value
    UNBURY = ReviewKind.UNBURY.value
    FORGET = ReviewKind.FORGET.value




@dataclass(frozen=True, slots=True)
class ActionResult:
    """What one action (or its undo) did: to which cards, and which were already so."""

    action: CardAction
    changed: tuple[str, ...]  # keys of the cards changed (for an undo: changed back)
    unchanged: tuple[str, ...] = ()  # keys the action left alone (already in that state)
    review_ids: tuple[int, ...] = field(default=(), repr=False)  # its log rows

    @property
    def count(self) -> int:
        return len(self.changed)


def _applies(action: CardAction, state: CardState | None, day: int) -> bool:
    """Would ``action`` change a card whose stored state is ``state`` (None: never stored)?"""
    if action is CardAction.SUSPEND:
        return state is None or not state.suspended
    if action is CardAction.UNSUSPEND:
        return state is not None and state.suspended
    if action is CardAction.BURY:
        return state is None or not state.is_buried(day)
    if action is CardAction.UNBURY:
        return state is not None and state.is_buried(day)
    return state is not None and not state.is_new  # FORGET


def _changes(action: CardAction, day: int) -> dict[str, Any]:
    if action is CardAction.SUSPEND:
        return {"suspended": True}
    if action is CardAction.UNSUSPEND:
        return {"suspended": False}
    if action is CardAction.BURY:
        return {"buried_until": day + 1}
    if action is CardAction.UNBURY:
        return {"buried_until": None}
    return dict(FORGOTTEN)


class CardActions:
    """Suspend, unsuspend, bury, unbury and forget chosen cards; undo the last of these.

    ``day`` gives today's study day (the workspace's, so a clock that moves is followed).
    """

    def __init__(self, store: Store, clock: Clock, day: Callable[[], int]) -> None:
        self.store = store
        self.clock = clock
        self._day = day
        self._done: list[ActionResult] = []
        self.generation = 0  # counts every change and undo: a screen can tell that cards changed

    @property
    def can_undo(self) -> bool:
        return bool(self._done)

    @property
    def last_action(self) -> CardAction | None:
        """What :meth:`undo` would take back."""
        return self._done[-1].action if self._done else None

    def apply(self, action: CardAction | str, cards: Iterable[Card]) -> ActionResult:
        """Do ``action`` to ``cards`` (each once), in one transaction, logged; undoable as one step."""
        action = CardAction(action)
        day = self._day()
        unique: dict[str, Card] = {}
        for card in cards:
            unique.setdefault(card.key, card)
        states = self.store.states(unique) if unique else {}
        todo = [c for key, c in unique.items() if _applies(action, states.get(key), day)]
        skipped = tuple(key for key in unique if key not in {c.key for c in todo})
        if not todo:
            return ActionResult(action, (), skipped)
        rows = [(c.key, c.deck, c.identity_text) for c in todo]
        done = self.store.change(rows, kind=action.value, ts=utc_now_iso(self.clock()), day=day, **_changes(action, day))
        result = ActionResult(action, tuple(c.key for c in todo), skipped, tuple(review_id for review_id, _ in done))
        self._done.append(result)
        self.generation += 1
        return result

    def suspend(self, cards: Iterable[Card]) -> ActionResult:
        """Suspend ``cards``: never studied until unsuspended."""
        return self.apply(CardAction.SUSPEND, cards)

    def unsuspend(self, cards: Iterable[Card]) -> ActionResult:
        return self.apply(CardAction.UNSUSPEND, cards)

    def bury(self, cards: Iterable[Card]) -> ActionResult:
        """Bury ``cards`` until tomorrow."""
        return self.apply(CardAction.BURY, cards)

    def unbury(self, cards: Iterable[Card]) -> ActionResult:
        return self.apply(CardAction.UNBURY, cards)

    def forget(self, cards: Iterable[Card]) -> ActionResult:
        """Put ``cards`` back to new (their log is kept; see the module's doc)."""
        return self.apply(CardAction.FORGET, cards)

    def undo(self) -> ActionResult | None:
        """Take back the last action, every card of it (None: nothing to undo).

        The store refuses (StoreError) a card changed since; the cards undone
        before that stay undone, and a retry undoes the rest.
        """
        if not self._done:
            return None
        last = self._done[-1]
        ts, day = utc_now_iso(self.clock()), self._day()
        remaining = list(last.review_ids)
        try:
            for review_id in reversed(last.review_ids):
                self.store.undo(review_id, ts=ts, day=day)
                remaining.remove(review_id)
        finally:
            self.generation += 1
            if remaining:  # a failure part way: the rest stays undoable
                self._done[-1] = ActionResult(last.action, last.changed, last.unchanged, tuple(remaining))
        self._done.pop()
        return ActionResult(last.action, last.changed, last.unchanged, ())

