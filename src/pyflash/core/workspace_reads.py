"""What a :class:`~pyflash.core.workspace.Workspace` reads (:class:`WorkspaceReads`, its base).

The decks and tags chosen (:meth:`~WorkspaceReads.select`: every count, list
and session keeps to them), the cards of a deck, search, a card's history, the
deck counts and the stats. Nothing here writes to the review store; what each
needs beyond the loaded decks is imported when it is first used (start-up time).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from pyflash.core.decks.model import Card, DeckFile, deck_and_parents
from pyflash.core.query.selection import Selection, check_tags, resolve_deck
from pyflash.core.scheduling.states import CardStatus

if TYPE_CHECKING:
    from datetime import tzinfo

    from pyflash.core.clock import Clock
    from pyflash.core.config import Config
    from pyflash.core.decks.loader import LoadResult
    from pyflash.core.query.counts import DeckCounts
    from pyflash.core.query.search import SearchHit
    from pyflash.core.query.stats import Stats
    from pyflash.core.review.history import HistoryEntry
    from pyflash.core.review.store import Store
    from pyflash.core.scheduling.scheduler import Scheduler


_NO_HISTORY: dict[str, set[str]] = {status: set() for status in CardStatus}


class WorkspaceReads:
    """What the workspace reads (a base of :class:`~pyflash.core.workspace.Workspace`, which sets these)."""

    result: LoadResult
    config: Config
    clock: Clock
    zone: tzinfo
    tags: tuple[str, ...]
    _store: Store | None

    if TYPE_CHECKING:

        @property
        def today(self) -> int: ...

        @property
        def scheduler(self) -> Scheduler: ...

    @property
    def cards(self) -> list[Card]:
        """Every loaded card (decodes them all)."""
        return self.result.cards

    def deck_names(self) -> list[str]:
        """Every deck name, parents included (``A::B`` gives ``A`` too), sorted."""
        return sorted({name for f in self.result.files for name in deck_and_parents(f.deck)})

    def select_deck(self, name: str) -> str:
        """The deck called ``name``, ignoring case (a parent of decks counts); else a
        PyflashError with a did-you-mean list."""
        return resolve_deck(name, self.deck_names())

    def select(self, deck: str | None = None, tags: Sequence[str] = ()) -> Selection:
        """Check ``deck`` and ``tags`` and keep to them: from now on, counts, card lists
        and sessions of this workspace only see cards with one of ``tags`` (when given).

        A deck or tag that matches nothing raises a PyflashError with a did-you-mean list.
        """
        name = self.select_deck(deck) if deck else None
        self.tags = check_tags(tuple(tags), Selection(name).files(self.result.files))
        return Selection(name, self.tags)

    def _files(self, deck: str | None = None) -> list[DeckFile]:
        return Selection(deck, self.tags).files(self.result.files)

    def cards_in(self, deck: str | None = None) -> list[Card]:
        """The cards of ``deck`` and its subdecks (every card when None), in deck order."""
        return [card for f in self._files(deck) for card in f.cards]

    def search(self, text: str, deck: str | None = None, *, sort: str | None = None) -> list[SearchHit]:
        """The cards (of ``deck``, when given) that match the query ``text`` (docs/search.md).

        Each hit has the card (``hit.card``; ``hit.q``, ``hit.key``...) and its
        review facts today; ``sort``: due, ivl, ease, lapses or deck (default:
        deck order). A malformed query raises PyflashError ``query:COL: ...``.
        """
        from pyflash.core.query import search as query  # deferred: start-up time (the first card needs no search)

        return query.find(
            self._files(deck), text, self._store, today=self.today, deck=deck, sort=sort,
        )

    def cards_by_key(self, keys: Sequence[str]) -> list[Card]:
        """The loaded cards of ``keys``, in that order (keys of no loaded card are left out)."""
        from pyflash.core.query import search as query  # deferred: start-up time (the first card needs no search)

        found = {card.key: card for card in query.select(self.result.files, keys=set(keys))}
        return [found[key] for key in dict.fromkeys(keys) if key in found]

    def history(self, key: str, *, undone: bool = False) -> list[HistoryEntry]:
        """The card ``key``'s review history, oldest first: each grade and action with its
        date, grade, interval, easiness and answer time (``undone=True``: undone ones too,
        marked). Follows the card through edits (relinks). Empty with no review database."""
        from pyflash.core.review.history import (
            card_history,  # deferred: start-up time (only the browser and `i` in study read it)
        )

        if self._store is None:
            return []
        return card_history(self._store, key, zone=self.zone, undone=undone)

    def stats(self, deck: str | None = None, days: int = 30) -> Stats:
        """``pyflash stats``: the figures of ``deck`` (and subdecks) and the tags chosen with
        :meth:`select`; every card when neither."""
        return self.stats_reader(deck, days, own_connection=False)()

    def stats_reader(self, deck: str | None = None, days: int = 30, *, own_connection: bool = True) -> Callable[[], Stats]:
        """:meth:`stats` as a function to call later, in a worker thread: it reads the review
        database through a read-only connection of its own (the workspace's stays on its thread).
        An unknown ``deck`` raises PyflashError here, at once."""
        from pyflash.core.query.stats_reader import StatsRequest  # deferred: start-up time (only stats needs it)

        chosen = None if deck is None else self.select_deck(deck)
        return StatsRequest(
            files=self.result.files, chosen=chosen, tags=self.tags, whole_log=deck is None and not self.tags,
            today=self.today, days=days, leech_threshold=self.config.leech_threshold,
            store=self._store, scheduler=self.scheduler, now=self.clock(), own_connection=own_connection,
        ).read

    def deck_counts(self, deck: str | None = None) -> list[DeckCounts]:
        """Counts per deck name, parents included (``A`` counts ``A::B``); only ``deck``
        and its subdecks when given. ``new_today`` is what today's limits allow.

        Works on keys and sets only, so it never decodes the cards (unless tags narrow them).
        """
        from pyflash.core.query.counts import count_decks  # deferred: start-up time (the deck picker's counts)

        sets = self._store.key_sets(self.today) if self._store is not None else _NO_HISTORY
        studied = self._store.new_by_deck(self.today) if self._store is not None else {}
        return count_decks(self._files(deck), sets, studied, self.config, deck)

    def new_today_all(self, counts: list[DeckCounts]) -> int:
        """The new cards a session of every deck takes today (``counts``: from :meth:`deck_counts`)."""
        studied = self._store.new_cards_on(self.today) if self._store is not None else 0
        roots = sum(c.new_today for c in counts if "::" not in c.name)
        return min(roots, max(0, self.config.new_per_day - studied))
