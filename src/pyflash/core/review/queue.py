"""Today's queue: which cards, in which order, within which daily limits.

* Cards back from earlier today ("relearn") come first, then due reviews
  (most overdue first) with the new cards spread among them (one new card
  every few reviews, as Anki's "mix new and reviews").
* New cards are ordered by the config's ``new_order``: ``mixed`` takes them
  round robin between the decks, in file order within each; ``file`` keeps
  deck order; ``random`` shuffles them, the same way all day (seeded by the day).
* Limits: a deck's own limit (``[deck."NAME"]`` in the config) or else the
  global one, and every parent deck's limit caps its subdecks. A session of
  all decks is capped by the global limit too. ``--new``/``--reviews``
  (an override) replace every limit for the session.
* What was already studied today counts against each limit, by the deck
  each card was in.
"""

# No `from __future__ import annotations` here: a NamedTuple's string annotations are compiled one
# by one at import, at every start (tests/test_startup_imports.py).
from collections.abc import Iterable, Iterator, Mapping
from typing import NamedTuple

from pyflash.core.config import Config
from pyflash.core.decks.model import DeckFile, deck_and_parents
from pyflash.core.digest import blake2b
from pyflash.core.review.store import CardState, Store
from pyflash.core.scheduling.scheduler import Scheduler
from pyflash.core.scheduling.states import QueueKind

NEW, REVIEWS = "new", "reviews"
_EVERYTHING = 1 << 62

Pick = tuple[DeckFile, int, QueueKind]


class Limit(NamedTuple):
    """One daily limit: of which kind, on which deck (None: all decks), how much was used."""

    kind: str  # NEW or REVIEWS
    deck: str | None
    per_day: int
    studied: int
    flag: bool = False  # set by --new / --reviews for this session

    @property
    def room(self) -> int:
        return max(0, self.per_day - self.studied)


def _subtree_sums(by_deck: Mapping[str, int]) -> dict[str, int]:
    """Per deck name (case-folded), what its cards and its subdecks' cards count."""
    sums: dict[str, int] = {}
    for deck, n in by_deck.items():
        for name in deck_and_parents(deck):
            key = name.casefold()
            sums[key] = sums.get(key, 0) + n
    return sums


class Limits:
    """The limits of one kind that a card of a deck must fit in, and their room left."""

    def __init__(
        self, kind: str, config: Config, by_deck: Mapping[str, int], total: int, selected: str | None, override: int | None
    ) -> None:
        self.kind = kind
        self.config = config
        self.sums = _subtree_sums(by_deck)
        self.total = total
        self.selected = selected
        self.override = override
        self.rooms: dict[str | None, int] = {}
        self.held: dict[str | None, int] = {}
        self.limits: dict[str | None, Limit] = {}
        self._chains: dict[str, list[Limit]] = {}

    def _global(self) -> int:
        return self.config.new_per_day if self.kind == NEW else self.config.reviews_per_day

    def _own(self, deck: str) -> int:
        own = self.config.deck_limit(deck)
        value = None if own is None else (own.new_per_day if self.kind == NEW else own.reviews_per_day)
        return self._global() if value is None else value

    def chain(self, deck: str) -> list[Limit]:
        """The limits a card of ``deck`` must fit in (the broadest first)."""
        chain = self._chains.get(deck)
        if chain is None:
            if self.override is not None:
                chain = [Limit(self.kind, None, self.override, self.total, flag=True)]
            else:
                chain = [] if self.selected else [Limit(self.kind, None, self._global(), self.total)]
                chain += [Limit(self.kind, n, self._own(n), self.sums.get(n.casefold(), 0)) for n in deck_and_parents(deck)]
            for limit in chain:
                key = _key(limit)
                if key not in self.limits:
                    self.limits[key] = limit
                    self.rooms[key] = limit.room
            self._chains[deck] = chain
        return chain

    def cap(self, deck: str | None) -> int:
        """The most cards this session can take (of ``deck``, or of all decks)."""
        if self.override is not None:
            return Limit(self.kind, None, self.override, self.total).room
        if deck is None:
            return Limit(self.kind, None, self._global(), self.total).room
        return min(self.rooms[_key(limit)] for limit in self.chain(deck))

    def deck_room(self, deck: str) -> int:
        """What a session of ``deck`` may take: the least room of it and its parents."""
        return min(limit.room for limit in self.chain(deck) if limit.deck is not None or limit.flag)

    def take(self, deck: str) -> bool:
        """Take one card of ``deck`` if every limit has room; else note the limit that held it."""
        chain = self.chain(deck)
        for limit in chain:
            key = _key(limit)
            if self.rooms[key] <= 0:
                self.held[key] = self.held.get(key, 0) + 1
                return False
        for limit in chain:
            self.rooms[_key(limit)] -= 1
        return True

    def full(self) -> bool:
        """True when the first limit of every chain (all decks, or --new/--reviews) has no room left.

        Then every further :meth:`take` fails on that limit, whatever the deck.
        """
        return (self.selected is None or self.override is not None) and self.rooms.get(None, 1) <= 0

    def hold(self, n: int) -> None:
        """Note ``n`` more cards held back by the first limit (what ``n`` takes would note once :meth:`full`)."""
        if n > 0:
            self.held[None] = self.held.get(None, 0) + n

    def holding(self) -> Limit | None:
        """The limit that held back the most cards (None when none was held back)."""
        if not self.held:
            return None
        key = max(self.held, key=lambda k: self.held[k])
        return self.limits[key]


def _key(limit: Limit) -> str | None:
    return None if limit.deck is None else limit.deck.casefold()


def order_new(picks: dict[str, list[Pick]], order: str, day: int) -> Iterator[Pick]:
    """New cards in the configured order (``picks``: by deck, in file order)."""
    if order == "file":
        for group in picks.values():
            yield from group
    elif order == "random":
        every = [p for group in picks.values() for p in group]
        yield from sorted(every, key=lambda p: blake2b(f"{day}:{p[0].keys[p[1]]}".encode(), digest_size=8).digest())
    else:  # mixed: round robin between the decks, file order within each
        rounds: list[Iterator[Pick]] = [iter(group) for group in picks.values()]
        while rounds:
            alive: list[Iterator[Pick]] = []
            for it in rounds:
                pick = next(it, None)
                if pick is not None:
                    yield pick
                    alive.append(it)
            rounds = alive


def spread(reviews: list[Pick], new: list[Pick]) -> list[Pick]:
    """New cards spread among the reviews: one after every few reviews, evenly."""
    if not reviews or not new:
        return reviews + new
    every = max(1, len(reviews) // len(new))
    out: list[Pick] = []
    r = iter(reviews)
    n = iter(new)
    for i, review in enumerate(r, start=1):
        out.append(review)
        if i % every == 0:
            pick = next(n, None)
            if pick is not None:
                out.append(pick)
    out.extend(n)
    return out


class Built(NamedTuple):
    picks: list[Pick]
    new: Limits
    reviews: Limits


def build(
    files: Iterable[DeckFile],
    states: dict[str, CardState],
    store: Store,
    *,
    day: int,
    config: Config,
    scheduler: Scheduler,
    selected: str | None,
    cram: bool,
    new_override: int | None,
    review_override: int | None,
) -> Built:
    """Today's queue of ``files`` (see the module's docstring)."""
    new_by_deck, reviews_by_deck = store.studied_by_deck(day) if not cram else ({}, {})
    new_limits = Limits(NEW, config, new_by_deck, sum(new_by_deck.values()), selected, new_override)
    review_limits = Limits(REVIEWS, config, reviews_by_deck, sum(reviews_by_deck.values()), selected, review_override)
    if cram:
        return Built(_everything(files, states, day), new_limits, review_limits)
    # Only as many new cards per deck as the session can take (+1 to see a limit hold one back).
    cap = _EVERYTHING if config.new_order == "random" else new_limits.cap(selected) + 1
    relearn: list[Pick] = []
    due: list[tuple[int, int, Pick]] = []
    new: dict[str, list[Pick]] = {}
    order = 0
    for f in files:
        group = new.setdefault(f.deck, [])
        if not states and len(group) >= cap:
            continue  # nothing stored at all: every card is new, and this deck has enough
        for i, key in enumerate(f.keys):
            order += 1
            row = states.get(key)
            if row is None or row.is_new:
                if row is None or not (row.suspended or row.is_buried(day)):
                    if len(group) < cap:
                        group.append((f, i, QueueKind.NEW))
                    elif not states:
                        break  # nothing stored: the rest of this file is new cards too
                continue
            if row.suspended or row.is_buried(day):
                continue
            if row.last_day == day:
                if scheduler.relearn_today(row, day):
                    relearn.append((f, i, QueueKind.RELEARN))
            elif row.due_day is not None and row.due_day <= day:
                due.append((row.due_day, order, (f, i, QueueKind.REVIEW)))
    due.sort(key=lambda t: (t[0], t[1]))
    reviews = within((pick for _d, _o, pick in due), review_limits, len(due))
    fresh = within(order_new(new, config.new_order, day), new_limits, sum(len(group) for group in new.values()))
    return Built(relearn + spread(reviews, fresh), new_limits, review_limits)


def within(picks: Iterable[Pick], limits: Limits, count: int) -> list[Pick]:
    """The ``count`` ``picks`` that ``limits`` take, in order; the rest are noted as held back.

    Once the first limit is full, the rest are held by it without asking each
    (at 100k cards, thousands of new cards are left once the day's 20 are taken).
    """
    taken: list[Pick] = []
    for pick in picks:
        count -= 1
        if limits.take(pick[0].deck):
            taken.append(pick)
        elif limits.full():
            limits.hold(count)
            break
    return taken


def _everything(files: Iterable[DeckFile], states: dict[str, CardState], day: int) -> list[Pick]:
    """Cram: every card not suspended or buried, in deck order."""
    picks: list[Pick] = []
    for f in files:
        for i, key in enumerate(f.keys):
            row = states.get(key)
            if row is None:
                picks.append((f, i, QueueKind.NEW))
            elif not (row.suspended or row.is_buried(day)):
                picks.append((f, i, QueueKind.NEW if row.is_new else QueueKind.REVIEW))
    return picks


def chosen(
    files: Iterable[DeckFile], states: dict[str, CardState], keys: Iterable[str], day: int, scheduler: Scheduler
) -> list[Pick]:
    """"Study these cards now": the cards of ``keys``, in that order, whether due or not
    and beyond every daily limit; suspended and buried ones are left out."""
    where = {key: (f, i) for f in files for i, key in enumerate(f.keys)}
    picks: list[Pick] = []
    seen: set[str] = set()
    for key in keys:
        if key in seen or key not in where:
            continue
        seen.add(key)
        f, i = where[key]
        row = states.get(key)
        if row is None or row.is_new:
            if row is None or not (row.suspended or row.is_buried(day)):
                picks.append((f, i, QueueKind.NEW))
        elif not (row.suspended or row.is_buried(day)):
            picks.append((f, i, QueueKind.RELEARN if scheduler.relearn_today(row, day) else QueueKind.REVIEW))
    return picks


def allowed_new(limits: Limits, new_by_deck: Mapping[str, int]) -> dict[str, int]:
    """Per deck name (parents included), the new cards a session of it would take today.

    ``new_by_deck``: the unseen cards of each deck's own files. A parent takes
    what its subdecks allow plus its own cards, up to its own room.
    """
    names = {name for deck in new_by_deck for name in deck_and_parents(deck)}
    allowed: dict[str, int] = {}
    for name in sorted(names, key=lambda n: -n.count("::")):  # subdecks before their parents
        below = sum(n for child, n in allowed.items() if child.rpartition("::")[0] == name)
        allowed[name] = min(limits.deck_room(name), new_by_deck.get(name, 0) + below)
    return allowed
