"""Everything a command needs: loaded decks, the store, the config, a clock.

The CLI and the TUI both open a :class:`Workspace`; they never reach into
loading, the store or scheduling on their own.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from pyflash.core.clock import Clock, local_day, system_clock
from pyflash.core.config import Config, load_config
from pyflash.core.decks.loader import LoadResult, explicit_sources, load_decks
from pyflash.core.decks.model import Card, deck_and_parents
from pyflash.core.review.backup import daily_backup
from pyflash.core.review.store import Store

if TYPE_CHECKING:
    from pyflash.core.decks.identity import ReconcileReport
    from pyflash.core.review.session import StudySession


@dataclass
class DeckCounts:
    name: str
    total: int = 0
    new: int = 0
    due: int = 0
    suspended: int = 0
    origins: set[str] = field(default_factory=set)
    paths: list[str] = field(default_factory=list)


@dataclass
class Workspace:
    paths: list[str] | None
    result: LoadResult
    store: Store
    config: Config
    clock: Clock
    report: ReconcileReport

    @property
    def cards(self) -> list[Card]:
        return self.result.cards

    @property
    def today(self) -> int:
        return local_day(self.clock(), self.config.day_starts_at)

    def session(
        self,
        deck: str | None = None,
        *,
        new: int | None = None,
        reviews: int | None = None,
        cram: bool = False,
        extra_new: int = 0,
        extra_reviews: int = 0,
    ) -> StudySession:
        """A study session. ``new``/``reviews`` replace today's limits;
        ``extra_new``/``extra_reviews`` allow that many more than already
        studied today (the "study beyond the limit" offer)."""
        from pyflash.core.review.session import StudySession

        if extra_new:
            new = self.store.new_cards_on(self.today) + extra_new
        if extra_reviews:
            reviews = self.store.reviews_on(self.today) + extra_reviews

        return StudySession(
            None,
            self.store,
            files=self.result.files,
            config=self.config,
            clock=self.clock,
            deck=deck,
            new_limit=new,
            review_limit=reviews,
            cram=cram,
        )

    def unsuspend(self, deck: str) -> int:
        """Unsuspend every card of ``deck`` and its subdecks; returns how many."""
        from pyflash.core.decks.model import in_deck
        from pyflash.core.review.session import card_text

        suspended = self.store.key_sets(self.today)["suspended"]
        keys = [
            (c.key, c.deck, card_text(c))
            for f in self.result.files
            if in_deck(f.deck, deck) and suspended.intersection(f.keys)
            for c in f.cards
            if c.key in suspended
        ]
        if keys:
            self.store.set_suspended(keys, False)
        return len(keys)

    def successor(self, card: Card, report: ReconcileReport) -> str | None:
        """After a reload: the key ``card`` has now, or None if it is gone.

        Its own key if it still exists; the new key if its history was
        relinked; else the card now at the same place of the same file (a card
        with no history whose question was edited).
        """
        if card.key in self.result.all_keys:
            return card.key
        for rel in report.relinked:
            if rel.old_key == card.key:
                return rel.card.key
        for f in self.result.files:
            if f.path == card.path and 0 < card.position <= len(f.keys):
                for other in f.cards:
                    if other.position == card.position:
                        return other.key
        return None

    def reload(self) -> ReconcileReport:
        """Load the decks again (after an edit) and re-link edited cards."""
        self.result = _load(self.paths)
        self.report = _reconcile(self.result, self.store, self.clock)
        return self.report

    def deck_counts(self) -> list[DeckCounts]:
        """Counts per deck name, parents included (``A`` counts ``A::B``).

        Works on keys and sets only, so it never decodes the cards.
        """
        sets = self.store.key_sets(self.today)
        suspended, buried, learned, due = sets["suspended"], sets["buried"], sets["learned"], sets["due"]
        hidden = suspended | buried
        table: dict[str, DeckCounts] = {}
        for f in self.result.files:
            keys = set(f.keys)
            n_total = len(keys)
            n_susp = len(keys & suspended) if suspended else 0
            n_hidden = len(keys & hidden) if hidden else 0
            n_learned_hidden = len(keys & hidden & learned) if hidden else 0
            n_learned = len(keys & learned) if learned else 0
            n_new = n_total - n_learned - (n_hidden - n_learned_hidden)
            n_due = len((keys & due) - hidden) if due else 0
            for name in deck_and_parents(f.deck):
                entry = table.get(name)
                if entry is None:
                    entry = table[name] = DeckCounts(name)
                entry.origins.add(f.origin)
                if name == f.deck:
                    entry.paths.append(f.path)
                entry.total += n_total
                entry.new += n_new
                entry.due += n_due
                entry.suspended += n_susp
        # Tree order: parents before children, siblings case-insensitively.
        return [table[k] for k in sorted(table, key=lambda n: [(p.casefold(), p) for p in n.split("::")])]

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> Workspace:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _load(paths: Sequence[str] | None) -> LoadResult:
    return load_decks(None if not paths else explicit_sources(paths))


def _reconcile(result: LoadResult, store: Store, clock: Clock) -> ReconcileReport:
    from pyflash.core.decks.identity import ReconcileReport, reconcile

    if result.errors:
        # While any deck file is broken, its cards look missing: relinking or
        # calling them orphans could attach history to the wrong card.
        return ReconcileReport([], [])
    if store.learned_keys() <= result.all_keys:
        return ReconcileReport([], [])  # every history has its card: nothing to relink
    return reconcile(result.cards, store, clock())


def open_workspace(
    paths: Sequence[str] | None = None,
    *,
    clock: Clock = system_clock,
    config: Config | None = None,
    store: Store | None = None,
) -> Workspace:
    """Load decks (cached), open the store, apply the config, re-link edits."""
    cfg = config or load_config()
    result = _load(paths)
    st = store or Store()
    report = _reconcile(result, st, clock)
    ws = Workspace(list(paths) if paths else None, result, st, cfg, clock, report)
    daily_backup(st, day=ws.today, keep=cfg.backups_keep)  # once per study day (docs/doctor.md)
    return ws
