"""Keeping review history when cards are edited.

A card's key is its ``id`` when it has one, else a hash of its deck name and
normalised ``q`` and ``code`` (see :func:`pyflash.core.decks.model.derived_key`).
So reordering cards, moving them between files of the same deck, or editing
``a``, ``note`` or ``tags`` never changes the key.

Editing ``q`` or ``code`` of a card without an ``id`` changes its key. Then
:func:`reconcile` looks, within the same deck, for *orphaned* history (a
stored card whose key no longer appears) that is at least 80% similar to a
card that has no history yet, and carries the history over, recording the
relink once in the store. Orphans with no close match are reported, never
deleted.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime

from pyflash.core.decks.model import Card
from pyflash.core.review.store import Store, utc_now_iso

SIMILARITY = 0.8


@dataclass(frozen=True, slots=True)
class Relinked:
    old_key: str
    card: Card
    similarity: float


@dataclass(frozen=True, slots=True)
class Orphan:
    key: str
    deck: str
    text: str


@dataclass
class ReconcileReport:
    relinked: list[Relinked]
    orphans: list[Orphan]


def reconcile(
    cards: Sequence[Card],
    store: Store,
    now: datetime,
    *,
    skip_decks: Collection[str] = (),
    dry_run: bool = False,
) -> ReconcileReport:
    """Re-link edited cards to their orphaned history; report the rest.

    Only decks that loaded cleanly are considered (``skip_decks`` lists the
    others): while a deck has a broken file, its missing cards are not orphans.
    """
    loaded_decks = {c.deck for c in cards} - set(skip_decks)
    keys = {c.key for c in cards}
    orphans_by_deck: dict[str, list[Orphan]] = defaultdict(list)
    stored = store.states()
    for state in stored.values():
        if state.key not in keys and state.deck in loaded_decks and state.due_day is not None:
            orphans_by_deck[state.deck].append(Orphan(state.key, state.deck, state.text))
    if not orphans_by_deck:
        return ReconcileReport([], [])
    fresh_by_deck: dict[str, list[Card]] = defaultdict(list)
    for card in cards:
        if card.deck in orphans_by_deck and card.key not in stored:
            fresh_by_deck[card.deck].append(card)
    report = ReconcileReport([], [])
    for deck, orphans in orphans_by_deck.items():
        fresh = fresh_by_deck.get(deck, [])
        used: set[int] = set()
        for ratio, oi, ci in _best_matches(orphans, fresh):
            used.add(oi)
            card = fresh[ci]
            if not dry_run:
                store.relink(orphans[oi].key, card.key, card.identity_text, round(ratio, 3), utc_now_iso(now))
            report.relinked.append(Relinked(orphans[oi].key, card, ratio))
        report.orphans.extend(o for i, o in enumerate(orphans) if i not in used)
    return report


def _best_matches(orphans: Sequence[Orphan], fresh: Sequence[Card]) -> list[tuple[float, int, int]]:
    """(similarity, orphan index, card index), most similar first, each side used once."""
    import difflib  # deferred: start-up time (only needed when some history is orphaned)

    pairs: list[tuple[float, int, int]] = []
    texts = [c.identity_text for c in fresh]
    for oi, orphan in enumerate(orphans):
        for ci, text in enumerate(texts):
            matcher = difflib.SequenceMatcher(None, orphan.text, text, autojunk=False)
            if matcher.real_quick_ratio() < SIMILARITY or matcher.quick_ratio() < SIMILARITY:
                continue
            ratio = matcher.ratio()
            if ratio >= SIMILARITY:
                pairs.append((ratio, oi, ci))
    pairs.sort(key=lambda p: (-p[0], p[1], p[2]))
    used_o: set[int] = set()
    used_c: set[int] = set()
    matches: list[tuple[float, int, int]] = []
    for ratio, oi, ci in pairs:
        if oi in used_o or ci in used_c:
            continue
        used_o.add(oi)
        used_c.add(ci)
        matches.append((ratio, oi, ci))
    return matches
