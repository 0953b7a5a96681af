"""The values a study session hands out: queue items, counts, grade outcomes, the summary."""

# No `from __future__ import annotations` here: a NamedTuple's string annotations are compiled one
# by one at import, at every start (tests/test_startup_imports.py).
from collections.abc import Iterator
from typing import NamedTuple

from pyflash.core.decks.model import Card, DeckFile
from pyflash.core.review.queue import Limit
from pyflash.core.scheduling.states import QueueKind, ReviewKind


class QueueItem:
    """A card in today's queue, and why it is there.

    ``QueueItem.later(file, index, kind)`` decodes the card only when it is
    first asked for: today's queue may hold cards of many deck files (new
    cards are mixed across decks), and only the one on screen needs decoding
    (not the rest of its file: :meth:`DeckFile.card`).
    """

    __slots__ = ("_card", "_file", "_index", "kind")

    def __init__(self, card: Card, kind: QueueKind) -> None:
        self._card: Card | None = card
        self._file: DeckFile | None = None
        self._index = 0
        self.kind = kind

    @classmethod
    def later(cls, file: DeckFile, index: int, kind: QueueKind) -> "QueueItem":
        item = cls.__new__(cls)
        item._card, item._file, item._index, item.kind = None, file, index, kind
        return item

    @property
    def card(self) -> Card:
        if self._card is None:
            assert self._file is not None
            self._card = self._file.card(self._index)  # that card alone, not its whole file
        return self._card

    @property
    def key(self) -> str:
        """The card's key (without decoding the card)."""
        if self._card is None and self._file is not None:
            return self._file.keys[self._index]
        return self.card.key

    def __iter__(self) -> Iterator[Card | QueueKind]:
        return iter((self.card, self.kind))  # unpacks like the (card, kind) tuple it was

    def __eq__(self, other: object) -> bool:
        return isinstance(other, QueueItem) and (self.card, self.kind) == (other.card, other.kind)

    def __hash__(self) -> int:
        return hash((self.key, self.kind))

    def __repr__(self) -> str:
        return f"QueueItem(key={self.key!r}, kind={self.kind!r})"


class QueueCounts(NamedTuple):
    """How many queued cards are new, back for relearning, and due reviews."""

    new: int
    relearn: int
    review: int

    @property
    def total(self) -> int:
        return self.new + self.relearn + self.review


class GradeOutcome(NamedTuple):
    """What :meth:`StudySession.grade` did."""

    card: Card
    grade: int
    kind: ReviewKind  # REVIEW, REPEAT or CRAM
    again_today: bool
    due_day: int | None
    review_id: int | None
    leech: str | None = None  # "tag" or "suspend": this grade made the card a leech (docs/scheduling.md)


class Summary(NamedTuple):
    """The figures of a finished session."""

    reviewed: int  # grades given
    cards: int  # distinct cards graded
    seconds: float
    grades: dict[int, int]
    relearned: int  # cards that came back for relearning
    next_due_day: int | None
    today: int


class Held(NamedTuple):
    """A daily limit that kept cards out of today's session, and the flag that gets more."""

    limit: Limit
    waiting: int  # cards of the selection beyond the limits
    more: int  # how many the suggested command studies
    deck: str | None  # the session's deck

    @property
    def flag(self) -> str:
        return "--new" if self.limit.kind == "new" else "--reviews"

    def command(self) -> str:
        deck = ""
        if self.deck:
            deck = f"--deck '{self.deck}' " if " " in self.deck else f"--deck {self.deck} "
        return f"pyflash study {deck}{self.flag} {self.more}"

    def message(self) -> str:
        """E.g. "New cards: daily limit of 20 reached (20 studied today); `pyflash study --new 10` studies 10 more"."""
        lim = self.limit
        what = "New cards" if lim.kind == "new" else "Reviews"
        if lim.flag:
            which = f"the {self.flag} limit of {lim.per_day}"
        elif lim.deck is None:
            which = f"daily limit of {lim.per_day}"
        else:
            which = f"daily limit of {lim.per_day} for {lim.deck}"
        return f"{what}: {which} reached ({lim.studied} studied today); `{self.command()}` studies {self.more} more"
