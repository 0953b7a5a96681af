"""Cards and deck files: plain immutable data."""

# No `from __future__ import annotations` here: a NamedTuple's string annotations are compiled one
# by one at import, at every start (tests/test_startup_imports.py).
import re
from collections.abc import Callable, Sequence
from enum import StrEnum
from typing import NamedTuple

from pyflash.core.digest import blake2b
from pyflash.core.errors import DeckError

CARD_KEYS = (
    "id", "q", "a", "code", "lang", "output", "note", "tags", "source", "requires", "type", "accept", "lint",
    "cloze", "reverse",
)
# The rules of `pyflash check --lint` (see pyflash.core.lint); a card's `lint:` may name them to silence them.
LINT_RULES = ("long-line", "long-answer", "leak", "duplicate", "multi-question", "draft-question")
DECK_KEYS = ("deck", "description", "tags", "lang", "cards")

_WS = re.compile(r"\s+")


class CardKind(StrEnum):
    """What a card asks: a question with an answer, or the output of its code.

    A ``StrEnum``, so ``CardKind.OUTPUT == "output"``.
    """

    QA = "qa"  # `q:` and `a:` (with optional `code:`)
    OUTPUT = "output"  # predict the `output:` that `code:` prints
    CLOZE = "cloze"  # fill in the span(s) of one cloze number of `cloze:`


def normalise(text: str | None) -> str:
    """Whitespace-insensitive form of a text, used for identity."""
    return _WS.sub(" ", text or "").strip()


def identity_text(q: str, code: str | None) -> str:
    """What identifies a card without an ``id``: its question and code."""
    return normalise(q) + "\n" + normalise(code)


def derived_key(deck: str, q: str, code: str | None) -> str:
    """The key of a card with no ``id``: a hash of deck name, q and code."""
    digest = blake2b(
        (deck + "\x00" + identity_text(q, code)).encode("utf-8"), digest_size=8
    ).hexdigest()
    return "auto-" + digest


def variant_identity(q: str, code: str | None, a: str | None, cloze_text: str | None, variant: str) -> str:
    """What identifies a reverse or cloze card apart from its key (used to re-link its history).

    A cloze card: its question and the cloze text with only its own spans
    marked, so renumbering a span keeps the text (see ``cloze.identity``).
    """
    if variant == "r":
        return identity_text(q, code) + "\n<- " + normalise(a)
    from pyflash.core.decks import cloze  # deferred: start-up time (only for cloze cards)

    text = cloze_text or ""
    spans, _ = cloze.parse(text)
    return identity_text(q, cloze.identity(text, spans, int(variant[1:])))


class Card(NamedTuple):
    """One card, as loaded from a deck file. ``key`` is its stable identity."""

    key: str
    id: str | None
    deck: str
    q: str
    a: str | None
    code: str | None
    lang: str | None
    output: str | None
    note: str | None
    tags: tuple[str, ...]
    source: str | None
    requires: tuple[str, ...]
    path: str
    line: int
    col: int
    position: int  # 1-based position in its file
    type_in: bool = False  # `type: true`: the answer is typed and checked (docs/study.md)
    accept: tuple[str, ...] = ()  # other answers a typed q/a card takes (`accept: [...]`)
    lint: tuple[str, ...] = ()  # lint rules this card silences (`lint: [leak]`)
    cloze: str | None = None  # the `cloze:` text, markers included (every card of the note has it)
    variant: str = ""  # "" one card per entry; "r" the reverse card; "c1", "c2"... one cloze number
    reverse: bool = False  # the entry has `reverse: true` (both its cards say so)

    @property
    def kind(self) -> CardKind:
        if self.cloze is not None:
            return CardKind.CLOZE
        return CardKind.OUTPUT if self.output is not None else CardKind.QA

    @property
    def is_reverse(self) -> bool:
        """The answer -> question card of a `reverse: true` entry (key ``<id>#r``)."""
        return self.variant == "r"

    @property
    def cloze_number(self) -> int:
        """The cloze number this card asks (0 for a card that is not a cloze)."""
        return int(self.variant[1:]) if self.variant.startswith("c") else 0

    def cloze_view(self, *, answer: bool) -> tuple[str, list[tuple[int, int]]]:
        """A cloze card's text as it shows, and the (start, end) of its own spans in it.

        The question has this card's spans replaced by ``[…]`` (or ``[hint]``),
        the answer has them filled in; every other span is filled in.
        """
        from pyflash.core.decks import cloze  # deferred: start-up time (only for cloze cards)

        text = self.cloze or ""
        spans, _ = cloze.parse(text)
        show = cloze.answer_text if answer else cloze.question_text
        return show(text, spans, self.cloze_number)

    @property
    def prompt(self) -> str:
        """A one-line name of what the card asks, for lists: ``q``; a reverse card's answer;
        a cloze's first line with a ``[…]``, when it has no ``q``."""
        if self.is_reverse:
            text = self.a or ""
        elif self.cloze is not None and not self.q.strip():
            body, spans = self.cloze_view(answer=False)
            start = body.rfind("\n", 0, spans[0][0]) + 1 if spans else 0
            text = body[start:]
        else:
            text = self.q
        return text.strip().split("\n", 1)[0].strip()

    @property
    def note_key(self) -> str:
        """The key of the deck entry the card comes from: its key without ``#r`` / ``#cN``."""
        return self.key[: -len(self.variant) - 1] if self.variant else self.key

    @property
    def identity_text(self) -> str:
        if self.variant:
            return variant_identity(self.q, self.code, self.a, self.cloze, self.variant)
        return identity_text(self.q, self.code)

    @property
    def location(self) -> str:
        return f"{self.path}:{self.line}"


class DeckFile:
    """One YAML file: its deck settings, its cards, and its own parse errors.

    ``keys`` is always at hand; the cards themselves may come from the cache
    and are only decoded when first asked for (``pyflash decks`` never needs
    them), and :meth:`card` decodes just the one asked for (a study session
    shows one card of a file at a time). The parser fills ``cards``; the
    loader sets ``origin``.
    """

    __slots__ = (
        "path", "deck", "origin", "description", "tags", "lang",
        "errors", "_cards", "_keys", "_decode", "_decode_one",
    )

    def __init__(
        self,
        path: str,
        deck: str,
        origin: str = "path",
        description: str | None = None,
        tags: tuple[str, ...] = (),
        lang: str | None = None,
        cards: Sequence[Card] | None = None,
        *,
        errors: list[DeckError] | None = None,
        keys: tuple[str, ...] | None = None,
        decode: Callable[[], list[Card]] | None = None,
        decode_one: Callable[[int], Card | None] | None = None,
    ) -> None:
        self.path = path
        self.deck = deck
        self.origin = origin
        self.description = description
        self.tags = tags
        self.lang = lang
        self.errors = errors if errors is not None else []
        self._cards = cards if cards is not None or decode is not None else []
        self._keys = keys
        self._decode = decode
        self._decode_one = decode_one  # one card by index; None from it: decode them all

    @property
    def cards(self) -> Sequence[Card]:
        if self._cards is None:
            self._cards = self._decode() if self._decode else []
            self._decode = self._decode_one = None
        return self._cards

    def card(self, index: int) -> Card:
        """``cards[index]``, decoding only that card while the others are not decoded."""
        if self._cards is None and self._decode_one is not None:
            card = self._decode_one(index)
            if card is not None:
                return card
        return self.cards[index]

    @property
    def keys(self) -> tuple[str, ...]:
        if self._keys is None:
            self._keys = tuple(c.key for c in self.cards)
        return self._keys

    def keep_only(self, cards: Sequence[Card]) -> None:
        """Drop the other cards (the loader does this for duplicate keys)."""
        self._cards = list(cards)
        self._keys = None
        self._decode = self._decode_one = None

    def __repr__(self) -> str:
        return f"DeckFile({self.path!r}, deck={self.deck!r}, cards={len(self.keys)})"


def deck_and_parents(name: str) -> list[str]:
    """``A::B::C`` -> ``["A", "A::B", "A::B::C"]``."""
    parts = name.split("::")
    return ["::".join(parts[: i + 1]) for i in range(len(parts))]


def in_deck(card_deck: str, selected: str) -> bool:
    """True when ``card_deck`` is ``selected`` or one of its subdecks."""
    return card_deck == selected or card_deck.startswith(selected + "::")
