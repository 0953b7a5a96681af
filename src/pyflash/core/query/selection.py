"""Which cards a command works on: a deck (with its subdecks) and tags.

One :class:`Selection` serves ``study``, ``decks`` and ``export``. Deck
names and tags compare case-insensitively; ``A`` selects ``A::B`` too, and
the tag ``python`` selects ``python::io``.
"""

# No `from __future__ import annotations` here: a NamedTuple's string annotations are compiled one
# by one at import, at every start (tests/test_startup_imports.py).
from collections.abc import Iterable, Sequence
from typing import NamedTuple

from pyflash.core.decks.model import Card, DeckFile, deck_and_parents
from pyflash.core.errors import PyflashError


def deck_matches(card_deck: str, selected: str) -> bool:
    """True when ``card_deck`` is ``selected`` or one of its subdecks (ignoring case)."""
    deck, sel = card_deck.casefold(), selected.casefold()
    return deck == sel or deck.startswith(sel + "::")


def tag_matches(card_tags: Iterable[str], wanted: Sequence[str]) -> bool:
    """True when a tag of the card is one of ``wanted`` or below one (``python`` -> ``python::io``)."""
    folded = [w.casefold() for w in wanted]
    for tag in card_tags:
        t = tag.casefold()
        if any(t == w or t.startswith(w + "::") for w in folded):
            return True
    return False


class Selection(NamedTuple):
    """A deck (None: every deck) and tags (empty: any card).

    A NamedTuple rather than a frozen dataclass: it is built at every start, and a
    frozen dataclass costs about 0.6 ms to create (start-up time).
    """

    deck: str | None = None
    tags: tuple[str, ...] = ()

    def files(self, files: Iterable[DeckFile]) -> list[DeckFile]:
        """The deck files of the selection; with tags, copies holding only the tagged cards."""
        chosen = [f for f in files if self.deck is None or deck_matches(f.deck, self.deck)]
        if not self.tags:
            return chosen
        narrowed = []
        for f in chosen:
            cards = [card for card in f.cards if tag_matches(card.tags, self.tags)]
            if cards:
                narrowed.append(DeckFile(f.path, f.deck, f.origin, f.description, f.tags, f.lang, cards=cards, errors=f.errors))
        return narrowed

    def cards(self, files: Iterable[DeckFile]) -> list[Card]:
        return [card for f in self.files(files) for card in f.cards]


def resolve_deck(name: str, names: Sequence[str]) -> str:
    """The deck called ``name`` (ignoring case), or the one deck whose full name ends in ``::name``.

    Otherwise a PyflashError: the decks it could mean, or a did-you-mean list.
    """
    if name in names:
        return name
    folded = name.casefold()
    for candidate in names:
        if candidate.casefold() == folded:
            return candidate
    # ``argparse`` for ``Python::argparse``: the end of one deck's full name.
    tails = [c for c in names if c.casefold().endswith("::" + folded)]
    if len(tails) == 1:
        return tails[0]
    if tails:
        raise PyflashError(f"'{name}' names several decks: {', '.join(tails)} (give the full name)")
    import difflib  # deferred: start-up time (only for a mistake)

    by_fold = {n.casefold(): n for n in names}
    close = _outermost([by_fold[c] for c in difflib.get_close_matches(folded, list(by_fold), n=3, cutoff=0.6)])
    hint = f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
    raise PyflashError(f"no deck named '{name}'{hint} (decks: {', '.join(names) or 'none'})")


def check_tags(tags: Sequence[str], files: Iterable[DeckFile]) -> tuple[str, ...]:
    """``tags`` if each one is on some card; else a PyflashError with a did-you-mean list."""
    if not tags:
        return ()
    every: dict[str, str] = {}  # the first spelling of each tag
    for f in files:
        for card in f.cards:
            for tag in card.tags:
                for t in deck_and_parents(tag):
                    every.setdefault(t.casefold(), t)
    known = sorted(every.values(), key=str.casefold)
    for tag in tags:
        if not tag_matches(known, [tag]):
            import difflib  # deferred: start-up time (only for a mistake)

            by_fold = {t.casefold(): t for t in known}
            close = _outermost([by_fold[c] for c in difflib.get_close_matches(tag.casefold(), list(by_fold), n=3, cutoff=0.6)])
            hint = f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
            shown = ", ".join(known[:20]) + (", ..." if len(known) > 20 else "")
            raise PyflashError(f"no card has the tag '{tag}'{hint} (tags: {shown or 'none'})")
    return tuple(tags)


def _outermost(names: list[str]) -> list[str]:
    """``names`` without those below another of them (``A::B`` goes when ``A`` is there)."""
    return [n for n in names if not any(n != o and deck_matches(n, o) for o in names)]
