"""Cards that claim the same key (an ``id`` used twice, in two files or in one).

Exactly one claimant keeps the key (and with it the review history); every
other one is left out and reported at its *own* ``path:line:col``, naming
where the key is already used. Which one keeps it is decided in two steps:

* the loader, which never sees the store, keeps the first in load order:
  bundled decks, then the user's folder, then ``PYFLASH_DECKS``, and within
  each in path order (:func:`find`, :func:`settle`);
* the workspace, which has the store, may then hand the key to the claimant
  the store remembers (same deck and text as the stored card), so that a new
  file reusing a studied card's ``id`` never takes over its history
  (:func:`pyflash.core.decks.identity.settle_duplicates`).

Within one file the same holds: the loader has the parser keep both cards.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from pyflash.core.decks.model import Card, DeckFile
from pyflash.core.errors import DeckError
from pyflash.core.fieldwise import Fieldwise

__all__ = ["Claims", "duplicate_error", "find", "settle"]


class Claims(Fieldwise):
    """Every key claimed by more than one card, with each claimant, in load order.

    A plain class rather than a dataclass (the same fields, ``==`` and ``repr``): the decorator
    cost every start about 1.5 M instructions (this module is imported with the loader).
    """

    _FIELDS = ("by_key", "originals", "winners", "errors")

    def __init__(
        self,
        by_key: dict[str, list[Card]],
        originals: dict[str, list[Card]],  # path -> the cards of each file involved, as parsed
        winners: dict[str, Card] | None = None,  # key -> the claimant that keeps it
        errors: list[DeckError] | None = None,  # the errors reported for the others
    ) -> None:
        self.by_key = by_key
        self.originals = originals
        self.winners: dict[str, Card] = {} if winners is None else winners
        self.errors: list[DeckError] = [] if errors is None else errors


def find(files: Sequence[DeckFile]) -> Claims | None:
    """The keys used by more than one card (None, the common case, when there are none)."""
    first: dict[str, Card] = {}
    by_key: dict[str, list[Card]] = {}
    for deck_file in files:
        for card in deck_file.cards:
            other = first.setdefault(card.key, card)
            if other is not card:
                by_key.setdefault(card.key, [other]).append(card)
    if not by_key:
        return None
    paths = {c.path for claimants in by_key.values() for c in claimants}
    originals = {f.path: list(f.cards) for f in files if f.path in paths}
    return Claims(by_key, originals)


def settle(
    files: Sequence[DeckFile],
    errors: list[DeckError],
    claims: Claims,
    winners: Mapping[str, Card] | None = None,
) -> None:
    """Give each claimed key to ``winners[key]`` (default: the first claimant).

    Drops the other claimants from their files and puts one error per dropped
    card in ``errors`` (replacing the ones a previous call put there).
    """
    chosen = {key: (winners or {}).get(key, claimants[0]) for key, claimants in claims.by_key.items()}
    dropped = {id(c) for key, claimants in claims.by_key.items() for c in claimants if c is not chosen[key]}
    for deck_file in files:
        original = claims.originals.get(deck_file.path)
        if original is not None:
            deck_file.keep_only([c for c in original if id(c) not in dropped])
    stale = set(claims.errors)
    errors[:] = [e for e in errors if e not in stale]
    claims.winners = chosen
    claims.errors = [
        duplicate_error(card, chosen[key])
        for key, claimants in claims.by_key.items()
        for card in claimants
        if card is not chosen[key]
    ]
    errors.extend(claims.errors)
    errors.sort(key=lambda e: (e.path, e.line, e.col))


def duplicate_error(card: Card, first: Card) -> DeckError:
    """The error for ``card``, left out because ``first`` keeps its key."""
    if card.path == first.path:
        at = f"card {first.position} at {first.path}:{first.line}"
        if card.id:
            message = f"card {card.position}: duplicate id '{card.id}', already used by {at}; ids must be unique"
        else:
            message = f"card {card.position}: same question and code as {at}; merge them or give one an `id`"
    elif card.id:
        message = (
            f"card {card.position}: duplicate id '{card.id}', already used at {first.path}:{first.line} "
            f"(card {first.position}); ids must be unique across all decks (rename this one)"
        )
    else:
        message = (
            f"card {card.position}: same deck, question and code as {first.path}:{first.line}; "
            "merge them or give one an `id`"
        )
    return DeckError(card.path, card.line, card.col, message)
