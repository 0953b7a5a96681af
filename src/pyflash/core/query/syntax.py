"""The search language's syntax tree: plain frozen dataclasses.

:func:`pyflash.core.query.parser.parse` builds it from a query string;
:func:`pyflash.core.query.predicate.compile_query` turns it into a test over
one card and its review facts. docs/search.md describes the language.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

IS_VALUES = ("new", "due", "review", "learning", "suspended", "buried", "leech")
PROPERTIES = ("ivl", "ease", "lapses", "due", "reps")
OPERATORS = ("<=", ">=", "!=", "=", "<", ">")  # longest first: the lexer tries them in this order


@dataclass(frozen=True, slots=True)
class Everything:
    """The empty query: every card."""


@dataclass(frozen=True, slots=True)
class Text:
    """A bare word or a ``"phrase"``: found in the card's text (``*``: any run of characters)."""

    pattern: str


@dataclass(frozen=True, slots=True)
class Deck:
    """``deck:NAME``: that deck and its subdecks (``*`` wildcards)."""

    pattern: str


@dataclass(frozen=True, slots=True)
class Tag:
    """``tag:T``: that tag and its children ``T::...`` (``*`` wildcards); ``tag:none``: no tags."""

    pattern: str


@dataclass(frozen=True, slots=True)
class Is:
    """``is:new`` and the other states of :data:`IS_VALUES`."""

    what: str


@dataclass(frozen=True, slots=True)
class Prop:
    """``prop:ivl>=10``: a number of the card's schedule compared with a value."""

    name: str
    op: str
    value: Fraction


@dataclass(frozen=True, slots=True)
class Rated:
    """``rated:N`` (graded in the last N study days), ``rated:N:G`` (given grade G)."""

    days: int
    grade: int | None = None


@dataclass(frozen=True, slots=True)
class Id:
    """``id:X`` or ``id:X,Y``: the card's id (its key); ``*`` wildcards."""

    patterns: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Not:
    """``-term``."""

    node: Node


@dataclass(frozen=True, slots=True)
class And:
    """Terms side by side (or joined by ``and``)."""

    nodes: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Or:
    """Terms joined by ``or``."""

    nodes: tuple[Node, ...]


Node = Everything | Text | Deck | Tag | Is | Prop | Rated | Id | Not | And | Or
