"""Syntax tree -> a test over one card and its review facts.

Text is compared case-folded (``str.casefold``), so any script works, CJK
included: a word matches anywhere inside the text, with no word boundaries.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from fractions import Fraction

from pyflash.core.decks import cloze
from pyflash.core.decks.model import Card
from pyflash.core.query.facts import CardFacts, FactsTable
from pyflash.core.query.syntax import And, Deck, Everything, Id, Is, Node, Not, Or, Prop, Rated, Tag, Text


class Subject:
    """One card and its facts; its searchable text and its facts are made once, when first asked for."""

    __slots__ = ("card", "_table", "_facts", "_text")

    def __init__(self, card: Card, table: FactsTable) -> None:
        self.card = card
        self._table = table
        self._facts: CardFacts | None = None
        self._text: str | None = None

    @property
    def facts(self) -> CardFacts:
        if self._facts is None:
            self._facts = self._table.get(self.card.key)
        return self._facts

    @property
    def text(self) -> str:
        if self._text is None:
            self._text = card_text(self.card)
        return self._text


Predicate = Callable[[Subject], bool]


def card_text(card: Card) -> str:
    """What bare words and phrases look in: question, answer, code, output, note and cloze text, case-folded.

    A cloze text is searched as its answer shows it: every span filled in, no markers.
    """
    filled = None
    if card.cloze is not None:
        spans, _ = cloze.parse(card.cloze)
        filled = cloze.answer_text(card.cloze, spans, 0)[0]
    parts = (card.q, card.a, card.code, card.output, card.note, filled)
    return "\n".join(p for p in parts if p).casefold()


def wildcard(pattern: str) -> str:
    """A regular expression for ``pattern``: ``*`` is any run of characters, the rest is literal."""
    return ".*".join(re.escape(part) for part in pattern.split("*"))


def _name_matcher(pattern: str) -> Callable[[str], bool]:
    """Matches a ``::`` name that is ``pattern`` or under it (deck and tag), case-insensitively."""
    rx = re.compile(f"(?:{wildcard(pattern.casefold())})(?:::.*)?", re.DOTALL)
    return lambda name: rx.fullmatch(name.casefold()) is not None


_OPS: dict[str, Callable[[Fraction, Fraction], bool]] = {
    "=": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


def compile_query(node: Node, *, today: int) -> Predicate:
    """A predicate for ``node``; ``today`` is the study day."""
    # A dispatch over the node types: one short branch each.
    if isinstance(node, Everything):
        return lambda s: True
    if isinstance(node, Not):
        inner = compile_query(node.node, today=today)
        return lambda s: not inner(s)
    if isinstance(node, And | Or):
        parts = [compile_query(n, today=today) for n in node.nodes]
        if isinstance(node, And):
            return lambda s: all(p(s) for p in parts)
        return lambda s: any(p(s) for p in parts)
    if isinstance(node, Text):
        return _text(node.pattern)
    if isinstance(node, Deck):
        deck = _name_matcher(node.pattern)
        return lambda s: deck(s.card.deck)
    if isinstance(node, Tag):
        return _tag(node.pattern)
    if isinstance(node, Id):
        rx = re.compile("|".join(f"(?:{wildcard(p)})" for p in node.patterns), re.DOTALL)
        return lambda s: rx.fullmatch(s.card.key) is not None or (
            s.card.id is not None and rx.fullmatch(s.card.id) is not None
        )
    if isinstance(node, Is):
        return _is(node.what, today)
    if isinstance(node, Prop):
        return _prop(node, today)
    return _rated(node, today)


def _text(pattern: str) -> Predicate:
    folded = pattern.casefold()
    if "*" not in folded:
        return lambda s: folded in s.text
    rx = re.compile(wildcard(folded), re.DOTALL)
    return lambda s: rx.search(s.text) is not None


def _tag(pattern: str) -> Predicate:
    if pattern.casefold() == "none":
        return lambda s: not s.card.tags
    tag = _name_matcher(pattern)
    return lambda s: any(tag(t) for t in s.card.tags)


def _is(what: str, today: int) -> Predicate:
    tests: dict[str, Predicate] = {
        "new": lambda s: s.facts.is_new,
        "learning": lambda s: s.facts.learning(today),
        "review": lambda s: s.facts.state(today) == "review",
        "due": lambda s: s.facts.due(today),
        "suspended": lambda s: s.facts.suspended,
        "buried": lambda s: s.facts.buried(today),
        "leech": lambda s: s.facts.leech,  # marked when its lapses reached leech_threshold
    }
    return tests[what]


def prop_value(facts: CardFacts, name: str, today: int) -> Fraction | None:
    """The number ``prop:NAME`` compares; None where a new card has none (ivl, ease, due)."""
    if name == "lapses":
        return Fraction(facts.lapses)
    if name == "reps":
        return Fraction(facts.reviews)
    if facts.due_day is None:
        return None
    if name == "ivl":
        return Fraction(facts.interval)
    if name == "ease":
        return Fraction(facts.ease_cents, 100)
    return Fraction(facts.due_day - today)


def _prop(node: Prop, today: int) -> Predicate:
    compare = _OPS[node.op]
    name, value = node.name, node.value

    def test(s: Subject) -> bool:
        mine = prop_value(s.facts, name, today)
        return mine is not None and compare(mine, value)

    return test


def _rated(node: Rated, today: int) -> Predicate:
    first = today - node.days + 1
    grade = node.grade
    if grade is None:
        return lambda s: any(day >= first for day, _ in s.facts.recent)
    return lambda s: any(day >= first and g == grade for day, g in s.facts.recent)


def earliest_rated_day(node: Node, today: int) -> int | None:
    """The first study day any ``rated:`` term of ``node`` looks at (None: it has none)."""
    if isinstance(node, Rated):
        return today - node.days + 1
    if isinstance(node, Not):
        return earliest_rated_day(node.node, today)
    if isinstance(node, And | Or):
        days = [d for n in node.nodes if (d := earliest_rated_day(n, today)) is not None]
        return min(days, default=None)
    return None


def uses_counts(node: Node) -> bool:
    """Whether ``node`` looks at lapses or reviews (``prop:lapses``, ``prop:reps``)."""
    if isinstance(node, Prop):
        return node.name in ("lapses", "reps")
    if isinstance(node, Not):
        return uses_counts(node.node)
    if isinstance(node, And | Or):
        return any(uses_counts(n) for n in node.nodes)
    return False


def deck_filter(node: Node) -> Callable[[str], bool]:
    """A test on a deck name that every matching card's deck passes (from the ``deck:`` terms all must meet).

    It lets a search skip whole deck files without reading their cards.
    """
    if isinstance(node, Deck):
        return _name_matcher(node.pattern)
    if isinstance(node, And):
        tests = [deck_filter(n) for n in node.nodes]
        return lambda name: all(t(name) for t in tests)
    if isinstance(node, Or):
        tests = [deck_filter(n) for n in node.nodes]
        return lambda name: any(t(name) for t in tests)
    return lambda name: True
