"""Finding cards: by deck, by key, and with the search language (docs/search.md).

:func:`select` works on the loaded deck files alone: a file's cards are only
decoded when the file can hold a match. :func:`find` runs a query over the
cards and their review facts (:mod:`pyflash.core.query.facts`), read from
the store in bulk.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pyflash.core.clock import day_to_date
from pyflash.core.decks.model import Card, DeckFile, in_deck
from pyflash.core.errors import PyflashError

if TYPE_CHECKING:
    from pyflash.core.query.facts import CardFacts
    from pyflash.core.review.store import Store

SORTS = ("due", "ivl", "ease", "lapses", "deck")
_KEYED_COUNTS = 5000  # up to this many hits, count their reviews by key (an index look-up each)


def select(
    files: Iterable[DeckFile],
    deck: str | None = None,
    *,
    keys: Collection[str] | None = None,
) -> Iterator[Card]:
    """The cards of ``deck`` and its subdecks (every deck when None), in deck order.

    With ``keys``, only the cards whose key is in it; files holding none of
    them are skipped without decoding their cards.
    """
    for f in files:
        if deck is not None and not in_deck(f.deck, deck):
            continue
        if keys is None:
            yield from f.cards
        elif not keys or not any(key in keys for key in f.keys):
            continue
        else:
            yield from (card for card in f.cards if card.key in keys)


@dataclass(frozen=True, slots=True)
class SearchHit:
    """A card found by a search, with its review facts as of ``today``."""

    card: Card
    facts: CardFacts
    today: int

    @property
    def key(self) -> str:
        return self.card.key

    @property
    def q(self) -> str:
        return self.card.prompt

    @property
    def deck(self) -> str:
        return self.card.deck

    @property
    def state(self) -> str:
        """``new``, ``learning`` or ``review``."""
        return self.facts.state(self.today)

    @property
    def due(self) -> str | None:
        """The due date (``YYYY-MM-DD``); None for a new card."""
        day = self.facts.due_day
        return None if day is None else day_to_date(day).isoformat()

    @property
    def due_in(self) -> int | None:
        """Days from today to the due day (0: today, below 0: overdue); None for a new card."""
        day = self.facts.due_day
        return None if day is None else day - self.today

    @property
    def interval(self) -> int | None:
        return None if self.facts.is_new else self.facts.interval

    @property
    def ease(self) -> float | None:
        return None if self.facts.is_new else self.facts.ease_cents / 100

    def to_dict(self) -> dict[str, Any]:
        """The ``pyflash search --json`` object (docs/search.md)."""
        card, facts = self.card, self.facts
        return {
            "id": card.key,
            "deck": card.deck,
            "path": card.path,
            "line": card.line,
            "q": card.q,
            "state": self.state,
            "due": self.due,
            "interval": self.interval,
            "ease": self.ease,
            "lapses": facts.lapses,
            "reviews": facts.reviews,
            "tags": list(card.tags),
            "suspended": facts.suspended,
            "buried": facts.buried(self.today),
            "leech": facts.leech,
        }


_LAST = float("inf")
_SORT_KEYS: dict[str, Callable[[SearchHit], tuple[Any, ...]]] = {
    # Each puts the cards that need you most first; ties keep deck order.
    "due": lambda h: (h.facts.due_day if h.facts.due_day is not None else _LAST,),
    "ivl": lambda h: (_LAST if h.facts.is_new else h.facts.interval,),
    "ease": lambda h: (_LAST if h.facts.is_new else h.facts.ease_cents,),
    "lapses": lambda h: (-h.facts.lapses,),
    "deck": lambda h: (h.card.deck.casefold(), h.card.deck),
}


def find(
    files: Iterable[DeckFile],
    query: str,
    store: Store | None,
    *,
    today: int,
    deck: str | None = None,
    sort: str | None = None,
) -> list[SearchHit]:
    """The cards (of ``deck``, when given) that match ``query``, in deck order or by ``sort``.

    ``store`` gives the review facts (None: every card is new). A malformed
    query raises :class:`PyflashError` as ``query:COL: ...``.
    """
    from pyflash.core.query.facts import FactsTable, load_counts, load_facts  # deferred: start-up time (decks)
    from pyflash.core.query.parser import parse  # deferred: start-up time (as above)
    from pyflash.core.query.predicate import (  # deferred: start-up time (as above)
        Subject,
        compile_query,
        deck_filter,
        earliest_rated_day,
        uses_counts,
    )

    if sort is not None and sort not in _SORT_KEYS:
        raise PyflashError(f"unknown sort '{sort}' (use one of: {', '.join(SORTS)})")
    node = parse(query)
    test = compile_query(node, today=today)
    facts = FactsTable()
    counted = store is None or uses_counts(node)
    if store is not None:
        # Lapses and reviews take a pass over the whole log: when the query does not
        # look at them, they are counted afterwards, for the cards found only.
        facts = load_facts(store, since_day=earliest_rated_day(node, today), count_keys=None if counted else ())
    decks = deck_filter(node)
    found = [card for card in select((f for f in files if decks(f.deck)), deck) if test(Subject(card, facts))]
    if store is not None and not counted and found:
        keys = [card.key for card in found]
        facts.counts = load_counts(store, keys if len(keys) <= _KEYED_COUNTS else None)
    hits = [SearchHit(card, facts.get(card.key), today) for card in found]
    if sort is not None:
        hits.sort(key=_SORT_KEYS[sort])
    return hits


def search(files: Iterable[DeckFile], query: str, deck: str | None = None) -> list[Card]:
    """Cards (of ``deck``, when given) that match ``query``, without review history (every card counts as new).

    The query is the search language of docs/search.md: bare words are found,
    case-insensitively, in the question, answer, code, output or note. An
    empty query matches every card.
    """
    return [hit.card for hit in find(files, query, None, today=0, deck=deck)]
