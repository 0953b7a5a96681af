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

A deck with a broken file is left out of relinking (its missing cards may
only be unreadable, not gone); the other decks are relinked as usual. Only a
broken file whose deck name is not known for sure (no card could be read, or
the name fell back to the file name) holds back every deck.

When two cards claim one key (:mod:`pyflash.core.decks.duplicates`),
:func:`settle_duplicates` hands it to the card the store remembers, so a
newcomer never takes over a studied card's history.
"""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Collection, Sequence
from datetime import datetime
from pathlib import Path
from typing import NamedTuple

from pyflash.core.decks import duplicates
from pyflash.core.decks.loader import LoadResult
from pyflash.core.decks.model import Card, DeckFile
from pyflash.core.review.store import CardState, Store, utc_now_iso

SIMILARITY = 0.8


class Relinked(NamedTuple):  # NamedTuples, not frozen dataclasses: this module is imported at every start
    old_key: str
    card: Card
    similarity: float


class Orphan(NamedTuple):
    key: str
    deck: str
    text: str


class ReconcileReport(NamedTuple):  # a NamedTuple of two lists (a dataclass cost every start ~1.5 M instructions)
    relinked: list[Relinked]
    orphans: list[Orphan]


def reconcile_loaded(
    result: LoadResult, store: Store | None, now: datetime, edited: Card | None = None, *, relink: bool = True
) -> ReconcileReport:
    """After loading: settle duplicate keys by the store, then relink edited cards.

    ``edited``: the card the user just edited (the study screen's ``e``); its
    history follows it even while another card of its deck is broken.
    ``relink=False`` (a read-only workspace): only read the store, never write it.
    """
    if store is None:
        return ReconcileReport([], [])
    settle_duplicates(result, store)
    if not relink:
        return ReconcileReport([], [])
    skip = broken_decks(result)
    if skip is None:
        # A broken file of unknown deck: any deck's cards may be in it, so a
        # missing card is not an orphan anywhere (relinking could attach
        # history to the wrong card).
        return ReconcileReport([], [])
    learned = store.learned_keys()
    renumbered: list[Relinked] = []
    # A history follows a renumbered cloze only from a learned key of a cloze (``<note>#cN``): with
    # none, nothing can move and no card is decoded (the bundled decks' cloze files cost a fresh
    # start ~15 M instructions). Else only the files that hold a cloze card are decoded: at 100k
    # cards, decoding every file here cost start-up about 0.4 s.
    if "#c" in "\0".join(learned):  # one C-level search
        cloze_files = [f for f in result.files if "#c" in "\0".join(f.keys)]  # one C-level search per file
        renumbered = follow_renumbered_clozes([c for f in cloze_files for c in f.cards], store, now, skip_decks=skip)
        if renumbered:
            learned = store.learned_keys()  # histories moved
    if learned <= result.all_keys:
        return ReconcileReport(renumbered, [])  # every history has its card: nothing to relink
    report = reconcile(result.cards, store, now, skip_decks=skip)
    report.relinked[:0] = renumbered
    if edited is not None and edited.deck in skip and edited.key not in result.all_keys:
        report.relinked.extend(_relink_edited(edited, result, store, now))
    return report


def _relink_edited(edited: Card, result: LoadResult, store: Store, now: datetime) -> list[Relinked]:
    """Carry the history of the card just edited to its new text, in its own file.

    Safe in a deck with a broken file: the user named this card, and only a
    card of the same file, with no history and a close text, can take it.
    """
    old = store.get(edited.key)
    if old is None or old.due_day is None:
        return []
    in_file = [c for f in result.files if f.path == edited.path for c in f.cards]
    fresh = [c for c in in_file if c.deck == edited.deck and store.get(c.key) is None]
    matches = _best_matches([Orphan(old.key, old.deck, old.text)], fresh)
    if not matches:
        return []
    ratio, _, ci = matches[0]
    card = fresh[ci]
    store.relink(old.key, card.key, card.identity_text, round(ratio, 3), utc_now_iso(now))
    return [Relinked(old.key, card, ratio)]


def follow_renumbered_clozes(
    cards: Sequence[Card], store: Store, now: datetime, *, skip_decks: Collection[str] = ()
) -> list[Relinked]:
    """Move each cloze's history to its new number when the spans were only renumbered.

    A cloze card's stored text is its identity text (the cloze text with its
    own spans marked, no numbers), so a span that moved from c3 to c2 is found
    by an exact match within its entry. The history follows it; a history
    displaced from a number whose span is gone is kept under ``<key>~N``, an
    orphan (reported, relinked by similarity like any other). Anything short of
    an exact match leaves the history with its number.
    """
    clozes = [c for c in cards if c.cloze is not None and c.deck not in skip_decks]
    if not clozes:
        return []
    stored = store.states([c.key for c in clozes])
    stale = {c.note_key for c in clozes if (s := stored.get(c.key)) is not None and s.text != c.identity_text}
    if not stale:
        return []
    every = store.states()
    relinked: list[Relinked] = []
    moves: dict[str, str] = {}
    texts: dict[str, str] = {}
    for note in sorted(stale):
        mine = [c for c in clozes if c.note_key == note]
        old = {k: s for k, s in every.items() if k.startswith(note + "#c") and s.due_day is not None}
        by_text: dict[str, str] = {}
        for key, state in sorted(old.items()):
            by_text.setdefault(state.text, key)
        for card in mine:
            source = by_text.get(card.identity_text)
            if source is not None and source != card.key and (card.key not in old or old[card.key].text != card.identity_text):
                moves[source] = card.key
                texts[card.key] = card.identity_text
                relinked.append(Relinked(source, card, 1.0))
    if not moves:
        return []
    targets = set(moves.values())
    for key in sorted(targets - set(moves)):
        if key in every:  # its span is gone: keep its history as an orphan
            n = 1
            while f"{key}~{n}" in every or f"{key}~{n}" in targets:
                n += 1
            moves[key] = f"{key}~{n}"
    store.rekey(moves, texts, utc_now_iso(now))
    return relinked


def broken_decks(result: LoadResult) -> set[str] | None:
    """The decks with a broken file; None when a broken file's deck is not known for sure."""
    failed = result.failed_paths
    if not failed:
        return set()
    decks: set[str] = set()
    for f in result.files:
        if f.path in failed and f.errors:
            if not _deck_is_known(f):
                return None
            decks.add(f.deck)
    return decks


def _deck_is_known(f: DeckFile) -> bool:
    """True when the file's deck name was read from it (it has cards, and a name of its own)."""
    return bool(f.keys) and f.deck != Path(f.path).stem


def settle_duplicates(result: LoadResult, store: Store) -> None:
    """Give each key claimed by two cards to the claimant the store remembers.

    The store keeps the deck and text of every card it has a row for. The
    claimant that matches them (same deck and text, else same text, else same
    deck, else the most similar text) keeps the key; ties go to the older file,
    then to load order. A key the store does not know stays with the first
    claimant in load order (bundled, then the user's folder, then path order).
    """
    claims = result.claims
    if claims is None:
        return
    winners: dict[str, Card] = {}
    for key, claimants in claims.by_key.items():
        state = store.get(key)
        if state is not None:
            winners[key] = _remembered(claimants, state)
    if any(winners[k] is not claims.winners.get(k) for k in winners):
        duplicates.settle(result.files, result.errors, claims, winners)


def _remembered(claimants: Sequence[Card], state: CardState) -> Card:
    """The claimant most like the stored card (see :func:`settle_duplicates`)."""
    import difflib  # deferred: start-up time (only needed for an id used twice)

    def mtime(card: Card) -> int:
        try:
            return os.stat(card.path).st_mtime_ns
        except OSError:
            return 0

    def rank(item: tuple[int, Card]) -> tuple[bool, bool, bool, float, int, int]:
        order, card = item
        text = card.identity_text
        similar = difflib.SequenceMatcher(None, state.text, text, autojunk=False).ratio()
        same_deck = card.deck == state.deck
        same_text = text == state.text
        return (not (same_deck and same_text), not same_text, not same_deck, -similar, mtime(card), order)

    return min(enumerate(claimants), key=rank)[1]


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
