"""Finding cards: by deck, by key, and by text.

Everything here works on the loaded deck files and touches no store. A deck
file's cards are only decoded when the file can hold a match.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator

from pyflash.core.decks.model import Card, DeckFile, in_deck


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


def searchable_text(card: Card) -> str:
    """Everything of a card a search looks at, case-folded."""
    parts = (card.deck, card.q, card.a, card.code, card.output, card.note, card.source, *card.tags)
    return "\n".join(p for p in parts if p).casefold()


def search(files: Iterable[DeckFile], query: str, deck: str | None = None) -> list[Card]:
    """Cards (of ``deck``, when given) that contain every word of ``query``.

    Case-insensitive; a word matches inside the question, answer, code,
    output, note, source, tags or deck name. An empty query matches every card.
    """
    words = query.casefold().split()
    return [card for card in select(files, deck) if all(w in searchable_text(card) for w in words)]
