"""Cards and deck files: plain immutable data."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from typing import NamedTuple

CARD_KEYS = ("id", "q", "a", "code", "lang", "output", "note", "tags", "source", "requires")
DECK_KEYS = ("deck", "description", "tags", "lang", "cards")

_WS = re.compile(r"\s+")


def normalise(text: str | None) -> str:
    """Whitespace-insensitive form of a text, used for identity."""
    return _WS.sub(" ", text or "").strip()


def identity_text(q: str, code: str | None) -> str:
    """What identifies a card without an ``id``: its question and code."""
    return normalise(q) + "\n" + normalise(code)


def derived_key(deck: str, q: str, code: str | None) -> str:
    """The key of a card with no ``id``: a hash of deck name, q and code."""
    digest = hashlib.blake2b(
        (deck + "\x00" + identity_text(q, code)).encode("utf-8"), digest_size=8
    ).hexdigest()
    return "auto-" + digest


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
    index: int  # 1-based position in its file

    @property
    def is_output_card(self) -> bool:
        return self.output is not None

    @property
    def identity_text(self) -> str:
        return identity_text(self.q, self.code)

    @property
    def location(self) -> str:
        return f"{self.path}:{self.line}"


@dataclass(frozen=True, slots=True)
class DeckFile:
    """One YAML file and the cards it holds."""

    path: str
    deck: str
    origin: str = "path"
    description: str | None = None
    tags: tuple[str, ...] = ()
    lang: str | None = None
    cards: tuple[Card, ...] = field(default=())
    error_count: int = 0


def deck_and_parents(name: str) -> list[str]:
    """``A::B::C`` -> ``["A", "A::B", "A::B::C"]``."""
    parts = name.split("::")
    return ["::".join(parts[: i + 1]) for i in range(len(parts))]


def in_deck(card_deck: str, selected: str) -> bool:
    """True when ``card_deck`` is ``selected`` or one of its subdecks."""
    return card_deck == selected or card_deck.startswith(selected + "::")
