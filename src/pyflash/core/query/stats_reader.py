"""The figures of ``pyflash stats`` and the stats screen, read from a frozen request.

:class:`StatsRequest` holds what the figures depend on, taken from the workspace on
its own thread; :meth:`StatsRequest.read` can then run in a worker thread, with a
read-only connection of its own.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from pyflash.core.decks.model import DeckFile
from pyflash.core.query import stats as stats_query
from pyflash.core.query.selection import Selection
from pyflash.core.review.store import Store
from pyflash.core.scheduling.scheduler import Scheduler


@dataclass(frozen=True)
class StatsRequest:
    files: Sequence[DeckFile]
    chosen: str | None  # the deck (and its subdecks), or None for every deck
    tags: tuple[str, ...]
    whole_log: bool  # every card and every log row (no deck, no tags)
    today: int
    days: int
    leech_threshold: int
    store: Store | None
    scheduler: Scheduler
    now: datetime
    own_connection: bool = True

    def keys(self) -> list[str]:
        if self.tags:
            return [c.key for c in Selection(self.chosen, self.tags).cards(self.files)]
        return [key for f in Selection(self.chosen).files(self.files) for key in f.keys]

    def read(self) -> stats_query.Stats:
        keys = self.keys()
        store = self.store
        own = store is None or self.own_connection  # a connection opened here, closed here
        if store is None:
            db = stats_query.empty_database()  # read-only, no file yet
        else:
            db = stats_query.open_read_only(store.path) if self.own_connection else store.connection
        try:
            figures = stats_query.compute(
                db, keys, today=self.today, days=self.days, leech_threshold=self.leech_threshold,
                whole_log=self.whole_log,
            )
            if store is None:
                return figures
            from pyflash.core.scheduling.switch import retrievability  # deferred: FSRS figures only

            states = stats_query.states_with_memory(db)
            mean, count = retrievability(states, self.scheduler, self.now, None if self.whole_log else set(keys))
            return dataclasses.replace(figures, retrievability=mean, fsrs_cards=count) if count else figures
        finally:
            if own:
                db.close()
