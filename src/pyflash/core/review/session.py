"""A study session: today's queue, grading, undo, bury and suspend. No UI.

Grading, bury, suspend and undo live in :mod:`pyflash.core.review.actions`
(mixed in); this module builds the queue and sums the session up.

The TUI drives a :class:`StudySession`; tests drive it the same way.

* The queue (built in :mod:`pyflash.core.review.queue`): cards left from
  earlier today that still need a 4 or 5 ("relearn"), then due reviews (most
  overdue first) with new cards spread among them, within the daily limits
  of each deck and its parents (which count what was already done today).
* A grade below 4 puts the card back later in the session (after a few other
  cards, never immediately next unless nothing else is left).
* Every grade, bury and suspend is written to the store before the next card
  is shown, and can be undone.
* ``cram=True`` studies without touching the schedule: nothing is written.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from datetime import datetime, tzinfo

from pyflash.core.clock import Clock, local_day, system_clock, system_zone
from pyflash.core.config import Config
from pyflash.core.decks.model import Card, DeckFile
from pyflash.core.query.selection import Selection
from pyflash.core.review import queue
from pyflash.core.review.actions import (
    REQUEUE_GAP,
    Done,
    SessionActions,
    SessionError,
    Stats,
    card_text,
    current_state,
)
from pyflash.core.review.results import Held, QueueCounts, QueueItem, Summary
from pyflash.core.review.store import Store
from pyflash.core.scheduling.grades import GRADES
from pyflash.core.scheduling.schedule import SM2
from pyflash.core.scheduling.scheduler import GradePreview, Scheduler
from pyflash.core.scheduling.states import QueueKind

__all__ = ["REQUEUE_GAP", "SessionError", "StudySession", "card_text"]

def _as_files(cards: Sequence[Card] | None, files: Sequence[DeckFile] | None, selection: Selection) -> list[DeckFile]:
    """The deck files of the selection. Cards given directly are grouped by file."""
    if files is None:
        groups: dict[tuple[str, str], list[Card]] = {}
        for card in cards or ():
            groups.setdefault((card.path, card.deck), []).append(card)
        files = [DeckFile(path, name, cards=tuple(group)) for (path, name), group in groups.items()]
    return selection.files(files)


class StudySession(SessionActions):
    """Today's study of ``cards`` against ``store``.

    The study day comes from ``clock`` and ``zone`` (the machine's when None);
    ``scheduler`` decides what each grade does (SM-2 by default).
    """

    def __init__(
        self,
        cards: Sequence[Card] | None,
        store: Store,
        *,
        files: Sequence[DeckFile] | None = None,
        config: Config | None = None,
        clock: Clock = system_clock,
        zone: tzinfo | None = None,
        scheduler: Scheduler = SM2,
        deck: str | None = None,
        tags: Sequence[str] = (),
        new_limit: int | None = None,
        review_limit: int | None = None,
        cram: bool = False,
        keys: Sequence[str] | None = None,
    ) -> None:
        self.store = store
        self.config = (config or Config()).with_limits(new_limit, review_limit)
        self.clock = clock
        self.zone = zone if zone is not None else system_zone()
        self.scheduler = scheduler
        self.deck = deck
        self.selection = Selection(deck, tuple(tags))
        self.cram = cram
        self.keys = None if keys is None else tuple(keys)  # "study these cards now": only these, in this order
        self.new_limit = new_limit  # --new / --reviews: replace every daily limit for this session
        self.review_limit = review_limit
        # Cards are decoded lazily, per file: building today's queue only
        # decodes the files that hold a queued card.
        self._files = _as_files(cards, files, self.selection)
        self.started = clock()
        self.today = self._day()
        self.revealed = False
        self._revealed_at: datetime | None = None
        self._history: list[Done] = []
        self._stats = Stats()
        self._states = store.states()
        self.queue: list[QueueItem] = self._build_queue()
        self.total_planned = len(self.queue)

    # -- the queue -------------------------------------------------------

    def _day(self) -> int:
        return local_day(self.clock(), self.zone, self.config.day_starts_at)

    @property
    def cards(self) -> list[Card]:
        """Every card of the selection (decodes them all: avoid on hot paths)."""
        return [card for f in self._files for card in f.cards]

    @property
    def card_count(self) -> int:
        return sum(len(f.keys) for f in self._files)

    def _keys(self) -> Iterator[tuple[DeckFile, int, str]]:
        """(file, index, key) of every card of the selection, in deck order."""
        only = None if self.keys is None else set(self.keys)
        for f in self._files:
            for i, key in enumerate(f.keys):
                if only is None or key in only:
                    yield f, i, key

    def _build_queue(self) -> list[QueueItem]:
        if self.keys is not None:
            picks = queue.chosen(self._files, self._states, self.keys, self.today, self.scheduler)
            self._limits = (queue.Limits(queue.NEW, self.config, {}, 0, None, None),
                            queue.Limits(queue.REVIEWS, self.config, {}, 0, None, None))
            return [QueueItem.later(f, i, kind) for f, i, kind in picks]
        built = queue.build(
            self._files,
            self._states,
            self.store,
            day=self.today,
            config=self.config,
            scheduler=self.scheduler,
            selected=self.deck,
            cram=self.cram,
            new_override=self.new_limit,
            review_override=self.review_limit,
        )
        self._limits = (built.new, built.reviews)
        return [QueueItem.later(f, i, kind) for f, i, kind in built.picks]  # decoded when shown

    def held_back(self) -> list[Held]:
        """The limits that kept cards out of today's queue (new cards first), with what they allow."""
        beyond = self.available_beyond_limits()
        out = []
        for limits, waiting in zip(self._limits, (beyond.new, beyond.review), strict=True):
            limit = limits.holding()
            if limit is not None and waiting:
                per_day = limit.per_day if limit.per_day > 0 else (10 if limit.kind == "new" else 50)
                out.append(Held(limit, waiting, min(waiting, per_day), self.deck))
        return out

    def available_beyond_limits(self) -> QueueCounts:
        """How many new and due cards the daily limits held back."""
        day = self.today
        queued = {item.key for item in self.queue}
        new = review = 0
        for _f, _i, key in self._keys():
            if key in queued:
                continue
            row = self._states.get(key)
            if row is not None and (row.suspended or row.is_buried(day)):
                continue
            if row is None or row.is_new:
                new += 1
            elif row.last_day != day and row.due_day is not None and row.due_day <= day:
                review += 1
        return QueueCounts(new, 0, review)

    @property
    def current(self) -> Card | None:
        """The card to study now (None when the session is finished)."""
        return self.queue[0].card if self.queue else None

    @property
    def current_kind(self) -> QueueKind | None:
        return self.queue[0].kind if self.queue else None

    @property
    def finished(self) -> bool:
        return not self.queue

    def counts(self) -> QueueCounts:
        """What is left in the queue, by kind."""
        c = Counter(item.kind for item in self.queue)
        return QueueCounts(c[QueueKind.NEW], c[QueueKind.RELEARN], c[QueueKind.REVIEW])

    @property
    def done_count(self) -> int:
        return len(self._stats.cards)

    def progress(self) -> tuple[int, int]:
        """(cards finished for today, cards in this session)."""
        queued = {item.key for item in self.queue}
        remaining = len(queued)
        # A card back for relearning is not finished yet: count it once.
        finished = len(self._stats.cards - queued)
        total = max(self.total_planned, finished + remaining)
        return total - remaining, total

    # -- studying --------------------------------------------------------

    def reveal(self) -> None:
        """Show the current card's answer (grading needs it; answer time starts here)."""
        if self.current is None:
            raise SessionError("no card to reveal: the session is finished")
        if not self.revealed:
            self.revealed = True
            self._revealed_at = self.clock()

    def previews(self) -> list[GradePreview]:
        """For each grade 0..5, the interval it would give the current card."""
        card = self.current
        if card is None:
            return []
        row = None if self.cram else self._states.get(card.key)
        state = current_state(row, card)
        day = self._day()
        return [self.scheduler.preview(state, info.grade, day) for info in GRADES]

    def replace_cards(
        self,
        cards: Sequence[Card] | None,
        old_key: str | None = None,
        new_key: str | None = None,
        *,
        files: Sequence[DeckFile] | None = None,
    ) -> None:
        """After a deck was edited and reloaded: show the new text of queued cards.

        ``old_key``/``new_key`` tell that the current card's key changed (its
        history was relinked); queued cards whose key vanished are dropped.
        """
        self._files = _as_files(cards, files, self.selection)
        wanted = {item.key for item in self.queue} | {i.key for d in self._history for i in d.items()}
        if old_key is not None and new_key is not None:
            wanted.add(new_key)
        by_key = {
            key: f.cards[i] for f, i, key in self._keys() if key in wanted
        }
        self._states = self.store.states()
        kept: list[QueueItem] = []
        for item in self.queue:
            key = item.key
            if key == old_key and new_key is not None:
                key = new_key
            card = by_key.get(key)
            if card is not None:
                kept.append(QueueItem(card, item.kind))
        self.queue = kept
        self._remap_history(by_key, old_key, new_key)

    def sync(self, files: Sequence[DeckFile] | None = None) -> None:
        """After changes made outside this session (the browser): read the card states
        again, take the decks' new text (``files``), and drop queued cards that are now
        suspended or buried. A card forgotten there is studied as it now is."""
        current = self.queue[0].key if self.queue else None
        self.replace_cards(None, files=files if files is not None else self._files)
        day = self._day()
        self.queue = [
            item for item in self.queue
            if (row := self._states.get(item.key)) is None or not (row.suspended or row.is_buried(day))
        ]
        if not self.queue or self.queue[0].key != current:
            self._next()

    # -- the end ---------------------------------------------------------

    def next_due_day(self) -> int | None:
        """The earliest day a card of this selection is due, outside today's queue.

        Today when the daily limits held due cards back; None when nothing is
        scheduled (only new or suspended cards).
        """
        queued = {item.key for item in self.queue}
        days = [
            max(row.due_day, row.buried_until or 0, self.today)
            for _f, _i, key in self._keys()
            if key not in queued
            and (row := self._states.get(key)) is not None
            and not row.suspended
            and row.due_day is not None
        ]
        return min(days, default=None)

    def summary(self) -> Summary:
        seconds = max(0.0, (self.clock() - self.started).total_seconds())
        grades = {g: n for g, n in sorted(self._stats.grades.items()) if n > 0}
        return Summary(
            reviewed=sum(grades.values()),
            cards=len(self._stats.cards),
            seconds=seconds,
            grades=grades,
            relearned=len(self._stats.relearned),
            next_due_day=self.next_due_day(),
            today=self.today,
        )
