"""Everything a command needs: loaded decks, the store, the config, a clock, a zone.

The CLI, the TUI and the export all open a :class:`Workspace`; they never
reach into loading, the store or scheduling on their own. Where things are
comes in as :class:`~pyflash.core.locations.Locations` (the CLI builds it
with ``pyflash.paths.locations()``): the core never reads the environment.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import tzinfo
from pathlib import Path
from typing import TYPE_CHECKING

from pyflash.core.clock import Clock, local_day, system_clock, system_zone
from pyflash.core.config import Config, load_config
from pyflash.core.decks.loader import LoadResult, explicit_sources, load_decks
from pyflash.core.decks.model import Card
from pyflash.core.errors import PyflashError
from pyflash.core.locations import Locations
from pyflash.core.review.backup import daily_backup
from pyflash.core.review.rules import Rules
from pyflash.core.review.store import Store, utc_now_iso
from pyflash.core.scheduling.states import CardStatus, ReviewKind
from pyflash.core.workspace_reads import WorkspaceReads

if TYPE_CHECKING:
    from pyflash.core.decks.add import AddPlan, CardDraft
    from pyflash.core.decks.identity import ReconcileReport
    from pyflash.core.review.card_actions import CardActions
    from pyflash.core.review.session import StudySession
    from pyflash.core.scheduling.optimize import Optimized
    from pyflash.core.scheduling.scheduler import Scheduler


class Workspace(WorkspaceReads):
    """Loaded decks, the review store, the settings, the clock and the zone.

    Open one with :func:`open_workspace`; close it (or use ``with``). What it reads (the
    deck selection, search, histories, counts, stats) is :class:`~pyflash.core.workspace_reads.WorkspaceReads`'s.
    """

    def __init__(
        self,
        paths: list[str] | None,
        result: LoadResult,
        store: Store | None,
        config: Config,
        clock: Clock,
        zone: tzinfo,
        report: ReconcileReport,
        locations: Locations | None = None,
        *,
        read_only: bool = False,
    ) -> None:
        self.paths = paths
        self.result = result
        self._store = store
        self.config = config
        self.clock = clock
        self.zone = zone
        self.report = report
        self.locations = locations
        self.read_only = read_only
        self._scheduler: Scheduler | None = None
        self.tags: tuple[str, ...] = ()  # set by select(): every count, list and session keeps to these tags
        self._card_actions: CardActions | None = None

    @property
    def scheduler(self) -> Scheduler:
        """SM-2, or FSRS for the decks the config gives it (docs/scheduling.md)."""
        if self._scheduler is None:
            from pyflash.core.scheduling.switch import build, uses_fsrs  # deferred: start-up time

            params = self.fsrs_parameters() if uses_fsrs(self.config) else None
            self._scheduler = build(self.config, zone=self.zone, clock=self.clock, parameters=params)
            if self._store is not None:  # events from other devices are replayed with the same rules (docs/sync.md)
                self._store.rules = Rules(self._scheduler, self.config.leech_threshold, self.config.leech_action_for)
        return self._scheduler

    def fsrs_parameters(self) -> tuple[float, ...] | None:
        """The FSRS parameters ``pyflash optimize --save`` fitted, or None (the defaults)."""
        if self.locations is None:
            return None
        from pyflash.core.scheduling.params import load_parameters  # deferred: start-up time

        return load_parameters(self.locations.store.parent)

    def optimize(self, deck: str | None = None, *, save: bool = False) -> Optimized:
        """Fit FSRS to the review log (of ``deck`` and its subdecks) and score SM-2, FSRS with default and
        with fitted parameters on held-out reviews (docs/scheduling.md); ``save`` keeps the fitted parameters."""
        from pyflash.core.scheduling.optimize import optimize  # deferred: start-up time
        from pyflash.core.scheduling.switch import retention_of  # deferred: start-up time

        keys = None if deck is None else [card.key for card in self.cards_in(deck)]
        result = optimize(self.store.graded_rows(keys), retention=retention_of(self.config, deck or ""))
        if save and self.locations is not None:
            from pyflash.core.scheduling.params import save_parameters  # deferred: start-up time

            save_parameters(self.locations.store.parent, result.parameters, result.train_items, utc_now_iso(self.clock()))
        return result

    @property
    def store(self) -> Store:
        """The review store (a read-only workspace over no database has none)."""
        if self._store is None:
            raise PyflashError("no review history yet: this workspace was opened read-only")
        return self._store

    def _writable_store(self) -> Store:
        if self.read_only:
            raise PyflashError("this workspace was opened read-only; open it without read_only to study")
        return self.store

    @property
    def today(self) -> int:
        """Today's study day, in the user's zone."""
        return local_day(self.clock(), self.zone, self.config.day_starts_at)

    def limits_beyond_today(self, new: int | None, reviews: int | None) -> tuple[int | None, int | None]:
        """Daily limits that allow ``new`` / ``reviews`` more cards than were studied today
        (``pyflash study --new N``); None stays None."""
        if new is None and reviews is None:
            return None, None
        store, day = self._writable_store(), self.today
        return (
            None if new is None else store.new_cards_on(day) + new,
            None if reviews is None else store.reviews_on(day) + reviews,
        )

    def session(
        self,
        deck: str | None = None,
        *,
        new: int | None = None,
        reviews: int | None = None,
        cram: bool = False,
        extra_new: int = 0,
        extra_reviews: int = 0,
        keys: Sequence[str] | None = None,
    ) -> StudySession:
        """A study session. ``new``/``reviews`` replace today's limits (every deck's);
        ``extra_new``/``extra_reviews`` allow that many more than already
        studied today (the "study beyond the limit" offer).

        ``keys``: study just these cards now, in this order, due or not and
        beyond the daily limits (suspended and buried ones are left out)."""
        from pyflash.core.review.session import (
            StudySession,  # deferred: start-up time (`pyflash decks` needs no session)
        )

        store = self._writable_store()
        if extra_new:
            new = store.new_cards_on(self.today) + extra_new
        if extra_reviews:
            reviews = store.reviews_on(self.today) + extra_reviews

        return StudySession(
            None,
            store,
            files=self.result.files,
            config=self.config,
            clock=self.clock,
            zone=self.zone,
            deck=deck,
            tags=self.tags,
            new_limit=new,
            review_limit=reviews,
            cram=cram,
            scheduler=self.scheduler,
            keys=keys,
        )

    @property
    def card_actions(self) -> CardActions:
        """Suspend, unsuspend, bury, unbury and forget chosen cards, logged and undoable
        (:mod:`pyflash.core.review.card_actions`); one undo stack per workspace."""
        if self._card_actions is None:
            from pyflash.core.review.card_actions import (
                CardActions,  # deferred: start-up time (only the browser acts on chosen cards)
            )

            self._card_actions = CardActions(self._writable_store(), self.clock, lambda: self.today)
        return self._card_actions

    def unsuspend(self, deck: str) -> int:
        """Unsuspend every card of ``deck`` and its subdecks (with the selected tags, logged); returns how many."""
        return self._restore(deck, CardStatus.SUSPENDED, ReviewKind.UNSUSPEND, suspended=False)

    def unbury(self, deck: str) -> int:
        """Unbury every buried card of ``deck`` and its subdecks (with the selected tags, logged); returns how many."""
        return self._restore(deck, CardStatus.BURIED, ReviewKind.UNBURY, buried_until=None)

    def _restore(self, deck: str, status: CardStatus, kind: ReviewKind, **changes: object) -> int:
        from pyflash.core.query import search as query  # deferred: start-up time (the first card needs no search)
        from pyflash.core.review.session import card_text  # deferred: start-up time (see session())

        store = self._writable_store()
        keys = store.key_sets(self.today)[status]
        cards = [(c.key, c.deck, card_text(c)) for c in query.select(self._files(deck), keys=keys)]
        if cards:
            store.change(cards, kind=kind, ts=utc_now_iso(self.clock()), day=self.today, **changes)
        return len(cards)

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
            if f.path == card.path:  # (positions count broken cards too, so no bound on len(f.keys))
                for other in f.cards:
                    if other.position == card.position:
                        return other.key
        return None

    def read_decks(self) -> LoadResult:
        """Read and parse the deck files again, without applying them.

        Touches files only, never the store, so a UI may call it in a worker
        thread and hand the result to :meth:`reload` on the store's thread.
        """
        return _load(self.paths, self.locations)

    def reload(self, result: LoadResult | None = None, *, edited: Card | None = None) -> ReconcileReport:
        """Use ``result`` (from :meth:`read_decks`), or load the decks again, and re-link edited cards.

        ``edited``: the card just edited; its history follows it even while its deck has a broken card.
        """
        self.result = result if result is not None else self.read_decks()
        self.report = _reconcile(self.result, self._store, self.clock, edited, relink=not self.read_only)
        return self.report

    def plan_add(self, draft: CardDraft, *, copy_bundled: bool = False) -> AddPlan:
        """Where and how ``draft`` would be added (nothing is written): see :func:`pyflash.core.decks.add.plan_add`.

        A new deck's file goes to the user's deck folder; when the workspace was
        opened on deck paths, to the first folder among them (else the first file's).

        An invalid card, a used id or a bundled deck (without ``copy_bundled``:
        ``BundledDeckError``) raise PyflashError with the message to show.
        """
        from pyflash.core.decks import add  # deferred: start-up time (only adding needs it)

        store = self._store
        taken = (lambda key: store.get(key) is not None) if store is not None else None
        paths = [Path(p).expanduser() for p in self.paths or ()]
        folders = [p for p in paths if p.is_dir()]
        new_files = folders[0] if folders else paths[0].parent if paths else None
        return add.plan_add(
            draft, self.result, self.locations, taken=taken, copy_bundled=copy_bundled, new_files=new_files
        )

    def add_card(self, plan: AddPlan) -> Path:
        """Write the card planned with :meth:`plan_add`; returns the file. Call :meth:`reload` to see it."""
        from pyflash.core.decks import add  # deferred: start-up time (only adding needs it)

        return add.apply_add(plan, self.result)

    def close(self) -> None:
        """Close the store (if one was opened)."""
        if self._store is not None:
            self._store.close()

    def __enter__(self) -> Workspace:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _load(paths: Sequence[str] | None, locations: Locations | None) -> LoadResult:
    cache_dir = locations.deck_cache if locations is not None else None
    if paths:
        return load_decks(explicit_sources(paths), cache_dir=cache_dir)
    if locations is None:
        raise PyflashError("no deck paths and no default deck folders (pass paths or locations)")
    # Default folders that do not exist are skipped.
    return load_decks(locations.deck_sources, cache_dir=cache_dir, skip_missing=True)


def _reconcile(
    result: LoadResult, store: Store | None, clock: Clock, edited: Card | None = None, *, relink: bool = True
) -> ReconcileReport:
    from pyflash.core.decks.identity import reconcile_loaded  # deferred: start-up time (kept off importing this module)

    # Duplicate ids go to the card the store knows (read-only too); decks with a broken file are not relinked.
    return reconcile_loaded(result, store, clock(), edited, relink=relink)


def open_workspace(
    paths: Sequence[str] | None = None,
    *,
    locations: Locations | None = None,
    clock: Clock = system_clock,
    zone: tzinfo | None = None,
    config: Config | None = None,
    store: Store | None = None,
    read_only: bool = False,
) -> Workspace:
    """Load the decks (cached), open the store, apply the config, re-link edits.

    ``paths``: deck files or folders (None: the default deck folders).
    ``locations``: where the store, the config and the default deck folders
    are (``pyflash.paths.locations()``); without it, the store's and the
    loader's own defaults and the default settings.
    ``zone``: the user's zone; else the config's ``timezone``; else the machine's.
    ``read_only``: no side effects on the review history: the database is
    never created, nothing is relinked, and an existing one is only read
    (a session needs a writable workspace).
    """
    cfg = config or (load_config(locations.config) if locations is not None else Config())
    the_zone = zone if zone is not None else cfg.zone()
    if the_zone is None:
        the_zone = system_zone()
    result = _load(paths, locations)
    st = store
    if st is None and not read_only:
        if locations is None:
            raise ValueError("open_workspace needs locations (pyflash.paths.locations()) or a store")
        st = Store(locations.store, leech_threshold=cfg.leech_threshold)
    elif st is None and locations is not None and locations.store.is_file():
        st = Store(locations.store, leech_threshold=cfg.leech_threshold)
    report = _reconcile(result, st, clock, relink=not read_only)
    ws = Workspace(
        list(paths) if paths else None, result, st, cfg, clock, the_zone, report, locations, read_only=read_only
    )
    if st is not None and not read_only:
        from pyflash.core.scheduling.switch import apply_schedulers  # deferred: start-up time

        apply_schedulers(st, ws.scheduler)  # a changed `scheduler` setting re-derives the schedules
        daily_backup(st, day=ws.today, keep=cfg.backups_keep)  # once per study day (docs/doctor.md)
    return ws
