"""A study session: today's queue, grading, undo, bury and suspend. No UI.

The TUI drives a :class:`StudySession`; tests drive it the same way.

* The queue (built in :mod:`pyflash.core.review.queue`): cards left from
  earlier today that still need a 4 or 5 ("relearn"), then due reviews (most
  overdue first) with new cards spread among them, within the daily limits
  of each deck and its parents (which count what was already done today).
* A grade below 4 puts the card back later in the session (after a few other
  cards, never immediately next unless nothing else is left).
* Every grade is written to the store before the next card is shown.
* ``cram=True`` studies without touching the schedule: nothing is written.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import replace
from datetime import datetime, tzinfo

from pyflash.core.clock import Clock, local_day, system_clock, system_zone
from pyflash.core.config import Config
from pyflash.core.decks.model import Card, DeckFile
from pyflash.core.errors import PyflashError
from pyflash.core.query.selection import Selection
from pyflash.core.review import queue
from pyflash.core.review.results import GradeOutcome, Held, QueueCounts, QueueItem, Summary
from pyflash.core.review.store import CardState, Store, utc_now_iso
from pyflash.core.scheduling.grades import GRADES
from pyflash.core.scheduling.schedule import SM2
from pyflash.core.scheduling.scheduler import GradePreview, Scheduler
from pyflash.core.scheduling.states import QueueKind, ReviewKind

REQUEUE_GAP = 3  # a failed card comes back after this many other cards


class SessionError(PyflashError):
    """A session used out of turn (grading before revealing, or after the end)."""


class _Done:
    """One grade of this session, for undo."""

    __slots__ = ("review_id", "item", "position", "grade", "again")

    def __init__(self, review_id: int | None, item: QueueItem, position: int, grade: int, again: bool) -> None:
        self.review_id = review_id
        self.item = item
        self.position = position
        self.grade = grade
        self.again = again


class _Stats:
    __slots__ = ("grades", "cards", "relearned")

    def __init__(self) -> None:
        self.grades: Counter[int] = Counter()
        self.cards: set[str] = set()
        self.relearned: set[str] = set()


def card_text(card: Card) -> str:
    """The text the store keeps with a card's state (to recognise it after an edit)."""
    return card.identity_text


def _current_state(row: CardState | None, card: Card) -> CardState:
    """The state a scheduler grades: the stored row (with today's deck and text), or a new one."""
    if row is None:
        return CardState(key=card.key, deck=card.deck, text=card_text(card))
    return replace(row, deck=card.deck, text=card_text(card))


def _as_files(cards: Sequence[Card] | None, files: Sequence[DeckFile] | None, selection: Selection) -> list[DeckFile]:
    """The deck files of the selection. Cards given directly are grouped by file."""
    if files is None:
        groups: dict[tuple[str, str], list[Card]] = {}
        for card in cards or ():
            groups.setdefault((card.path, card.deck), []).append(card)
        files = [DeckFile(path, name, cards=tuple(group)) for (path, name), group in groups.items()]
    return selection.files(files)


class StudySession:
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
    ) -> None:
        self.store = store
        self.config = (config or Config()).with_limits(new_limit, review_limit)
        self.clock = clock
        self.zone = zone if zone is not None else system_zone()
        self.scheduler = scheduler
        self.deck = deck
        self.selection = Selection(deck, tuple(tags))
        self.cram = cram
        self.new_limit = new_limit  # --new / --reviews: replace every daily limit for this session
        self.review_limit = review_limit
        # Cards are decoded lazily, per file: building today's queue only
        # decodes the files that hold a queued card.
        self._files = _as_files(cards, files, self.selection)
        self.started = clock()
        self.today = self._day()
        self.revealed = False
        self._revealed_at: datetime | None = None
        self._history: list[_Done] = []
        self._stats = _Stats()
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
        for f in self._files:
            for i, key in enumerate(f.keys):
                yield f, i, key

    def _build_queue(self) -> list[QueueItem]:
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
        state = _current_state(row, card)
        day = self._day()
        return [self.scheduler.preview(state, info.grade, day) for info in GRADES]

    def grade(self, grade: int) -> GradeOutcome:
        """Grade the current card (after :meth:`reveal`) and move on."""
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
        result = self.scheduler.review(_current_state(row, card), grade, day=day, now=now)
        review_id: int | None = None
        kind = ReviewKind.CRAM if self.cram else result.kind
        if not self.cram:
            # The store first: a StoreError leaves the session as it was (same card, still revealed).
            review_id = self.store.record(
                row,
                result.after,
                grade=grade,
                kind=result.kind,
                ts=utc_now_iso(now),
                day=day,
                answer_ms=answer_ms,
            )
            self._states[card.key] = result.after
        self.queue.pop(0)
        again = result.again_today
        position = 0
        if again:
            position = min(REQUEUE_GAP, len(self.queue))
            self.queue.insert(position, QueueItem(card, QueueKind.RELEARN))
            self._stats.relearned.add(card.key)
        self._history.append(_Done(review_id, item, position, int(grade), again))
        self._stats.grades[int(grade)] += 1
        self._stats.cards.add(card.key)
        self._next()
        return GradeOutcome(
            card, int(grade), kind, again, None if self.cram else result.after.due_day, review_id
        )

    def _next(self) -> None:
        self.revealed = False
        self._revealed_at = None

    @property
    def can_undo(self) -> bool:
        return bool(self._history)

    def undo(self) -> Card | None:
        """Take back the last grade of this session; that card is shown again."""
        if not self._history:
            return None
        done = self._history[-1]
        card = done.item.card
        if done.review_id is not None:
            # The store first: if it fails (StoreError), the grade stays in the history.
            entry = self.store.undo(done.review_id, ts=utc_now_iso(self.clock()), day=self._day())
            restored = entry.before if entry else None
            if restored is None:
                self._states.pop(card.key, None)
            else:
                self._states[card.key] = restored
        self._history.pop()
        if done.again:
            for i, item in enumerate(self.queue):
                if item.card.key == card.key and item.kind == QueueKind.RELEARN:
                    del self.queue[i]
                    break
            if not any(d.item.card.key == card.key and d.again for d in self._history):
                self._stats.relearned.discard(card.key)
        self.queue.insert(0, done.item)
        self._stats.grades[done.grade] -= 1
        if not any(d.item.card.key == card.key for d in self._history):
            self._stats.cards.discard(card.key)
        self._next()
        return card

    def _drop_current(self) -> QueueItem:
        if not self.queue:
            raise SessionError("no current card")
        item = self.queue.pop(0)
        self.queue = [i for i in self.queue if i.card.key != item.card.key]
        self._next()
        return item

    def bury(self) -> Card:
        """Hide the current card until tomorrow."""
        card = self.queue[0].card if self.queue else None
        if card is None:
            raise SessionError("no current card")
        if not self.cram:
            state = self.store.update(card.key, card.deck, card_text(card), buried_until=self._day() + 1)
            self._states[card.key] = state
        self._drop_current()
        return card

    def suspend(self) -> Card:
        """Suspend the current card until it is unsuspended."""
        card = self.queue[0].card if self.queue else None
        if card is None:
            raise SessionError("no current card")
        state = self.store.update(card.key, card.deck, card_text(card), suspended=True)
        self._states[card.key] = state
        self._drop_current()
        return card

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
        wanted = {item.card.key for item in self.queue} | {d.item.card.key for d in self._history}
        if old_key is not None and new_key is not None:
            wanted.add(new_key)
        by_key = {
            key: f.cards[i] for f, i, key in self._keys() if key in wanted
        }
        self._states = self.store.states()
        kept: list[QueueItem] = []
        for item in self.queue:
            key = item.card.key
            if key == old_key and new_key is not None:
                key = new_key
            card = by_key.get(key)
            if card is not None:
                kept.append(QueueItem(card, item.kind))
        self.queue = kept
        for done in self._history:
            key = done.item.card.key
            if key == old_key and new_key is not None:
                key = new_key
            if key in by_key:
                done.item = QueueItem(by_key[key], done.item.kind)

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
