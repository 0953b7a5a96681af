"""``pyflash decks`` and the deck picker's figures: counts per deck, from keys and sets only."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from pyflash.core.config import Config
from pyflash.core.decks.model import DeckFile, deck_and_parents
from pyflash.core.query.selection import deck_matches
from pyflash.core.review.queue import NEW, Limits, allowed_new
from pyflash.core.scheduling.states import CardStatus


@dataclass
class DeckCounts:
    """One deck's figures for ``pyflash decks`` and the deck picker (parents count their subdecks)."""

    name: str
    total: int = 0
    new: int = 0  # unseen cards (not suspended or buried)
    new_today: int = 0  # the new cards today's limits allow
    due: int = 0
    suspended: int = 0
    origins: set[str] = field(default_factory=set)
    paths: list[str] = field(default_factory=list)


def count_decks(
    files: Iterable[DeckFile],
    sets: Mapping[str, set[str]],
    studied: dict[str, int],
    config: Config,
    deck: str | None = None,
) -> list[DeckCounts]:
    """Counts per deck name of ``files`` (parents count their subdecks; only ``deck`` and its
    subdecks when given). ``sets``: the store's key sets today; ``studied``: new cards per deck today."""
    suspended, buried = sets[CardStatus.SUSPENDED], sets[CardStatus.BURIED]
    learned, due = sets[CardStatus.LEARNED], sets[CardStatus.DUE]
    hidden = suspended | buried
    table: dict[str, DeckCounts] = {}
    own_new: dict[str, int] = {}
    for f in files:
        keys = set(f.keys)
        n_total = len(keys)
        n_susp = len(keys & suspended) if suspended else 0
        n_hidden = len(keys & hidden) if hidden else 0
        n_learned_hidden = len(keys & hidden & learned) if hidden else 0
        n_learned = len(keys & learned) if learned else 0
        n_new = n_total - n_learned - (n_hidden - n_learned_hidden)
        n_due = len((keys & due) - hidden) if due else 0
        own_new[f.deck] = own_new.get(f.deck, 0) + n_new
        for name in deck_and_parents(f.deck):
            if deck is not None and not deck_matches(name, deck):
                continue
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
    limits = Limits(NEW, config, studied, sum(studied.values()), None, None)
    for name, n in allowed_new(limits, own_new).items():
        if name in table:
            table[name].new_today = n
    # Tree order: parents before children, siblings case-insensitively.
    return [table[k] for k in sorted(table, key=lambda n: [(p.casefold(), p) for p in n.split("::")])]
