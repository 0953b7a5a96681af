"""Query text -> syntax tree (:mod:`pyflash.core.query.syntax`).

Grammar (``or`` binds loosest; terms side by side are joined by "and")::

    query := or_expr?
    or_expr := and_expr ("or" and_expr)*
    and_expr := unary ("and"? unary)*
    unary := "-" unary | "(" or_expr ")" | term

A mistake raises :class:`PyflashError` as ``query:COL: what is wrong (and how
to fix it)``, COL being the 1-based column of the problem.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction

from pyflash.core.errors import PyflashError
from pyflash.core.query.syntax import (
    IS_VALUES,
    OPERATORS,
    PROPERTIES,
    And,
    Deck,
    Everything,
    Id,
    Is,
    Node,
    Not,
    Or,
    Prop,
    Rated,
    Tag,
    Text,
)

KEYS = ("deck", "tag", "is", "prop", "rated", "id")


class QueryError(PyflashError):
    """A malformed query; ``column`` is 1-based."""

    def __init__(self, column: int, message: str) -> None:
        super().__init__(f"query:{column}: {message}")
        self.column = column


@dataclass(frozen=True, slots=True)
class Token:
    kind: str  # "(", ")", "-", "or", "and", "word", "phrase"
    col: int  # 1-based
    text: str = ""
    value_col: int = 0  # word: the column of the value after "key:"


def _phrase(query: str, i: int) -> tuple[str, int]:
    """The text of the quoted string opening at ``query[i]`` and the index after it (``\\"``, ``\\\\`` escape)."""
    out: list[str] = []
    j = i + 1
    while j < len(query):
        ch = query[j]
        if ch == "\\" and j + 1 < len(query) and query[j + 1] in '"\\':
            out.append(query[j + 1])
            j += 2
        elif ch == '"':
            return "".join(out), j + 1
        else:
            out.append(ch)
            j += 1
    raise QueryError(i + 1, 'this quote is never closed (add a closing ")')


def tokenize(query: str) -> list[Token]:
    """The tokens of ``query``, each with its column."""
    tokens: list[Token] = []
    i, n = 0, len(query)
    while i < n:
        ch = query[i]
        if ch.isspace():
            i += 1
        elif ch in "()":
            tokens.append(Token(ch, i + 1))
            i += 1
        elif ch == "-":
            if i + 1 >= n or query[i + 1].isspace() or query[i + 1] == ")":
                raise QueryError(i + 1, "'-' needs a search right after it, e.g. -tag:done")
            tokens.append(Token("-", i + 1))
            i += 1
        elif ch == '"':
            text, i_next = _phrase(query, i)
            tokens.append(Token("phrase", i + 1, text))
            i = i_next
        else:
            token, i = _word(query, i)
            tokens.append(token)
    return tokens


def _word(query: str, start: int) -> tuple[Token, int]:
    """A bare word or ``key:value`` starting at ``start`` (``key:"quoted value"`` too)."""
    j = start
    n = len(query)
    while j < n and not query[j].isspace() and query[j] not in '()"':
        j += 1
    word = query[start:j]
    colon = word.find(":")
    if colon > 0 and j < n and query[j] == '"' and colon == len(word) - 1:
        value, j = _phrase(query, j)
        return Token("word", start + 1, word + value, start + colon + 3), j
    lowered = word.casefold()
    if lowered in ("or", "and"):
        return Token(lowered, start + 1), j
    return Token("word", start + 1, word, start + colon + 2 if colon > 0 else 0), j


def parse(query: str) -> Node:
    """The syntax tree of ``query`` (the empty query: :class:`Everything`)."""
    tokens = tokenize(query)
    if not tokens:
        return Everything()
    parser = _Parser(tokens, len(query))
    node = parser.or_expr()
    if parser.pos < len(tokens):  # only a stray ")" stops or_expr early
        raise QueryError(tokens[parser.pos].col, "')' has no matching '(' (remove it, or add '(' before it)")
    return node


class _Parser:
    """Recursive descent over the tokens."""

    def __init__(self, tokens: list[Token], length: int) -> None:
        self.tokens = tokens
        self.pos = 0
        self.end_col = length + 1

    def peek(self) -> Token | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def or_expr(self) -> Node:
        nodes = [self.and_expr()]
        while (tok := self.peek()) is not None and tok.kind == "or":
            self.pos += 1
            after = self.peek()
            if after is None or after.kind in (")", "or", "and"):
                raise QueryError(tok.col, "'or' needs a search on its right, e.g. tag:a or tag:b")
            nodes.append(self.and_expr())
        return nodes[0] if len(nodes) == 1 else Or(tuple(nodes))

    def and_expr(self) -> Node:
        nodes: list[Node] = []
        while (tok := self.peek()) is not None and tok.kind not in ("or", ")"):
            if tok.kind == "and":
                self.pos += 1
                after = self.peek()
                if not nodes or after is None or after.kind in (")", "or", "and"):
                    raise QueryError(tok.col, "'and' needs a search on both sides, e.g. tag:a and tag:b")
                continue
            nodes.append(self.unary())
        if not nodes:
            tok = self.peek()
            if tok is not None and tok.kind == "or":
                raise QueryError(tok.col, "'or' needs a search on its left, e.g. tag:a or tag:b")
            col = tok.col if tok is not None else self.end_col
            raise QueryError(col, "a search is missing here")
        return nodes[0] if len(nodes) == 1 else And(tuple(nodes))

    def unary(self) -> Node:
        tok = self.tokens[self.pos]
        self.pos += 1
        if tok.kind == "-":
            after = self.peek()
            if after is None or after.kind in (")", "or", "and"):
                raise QueryError(tok.col, "'-' needs a search right after it, e.g. -tag:done")
            return Not(self.unary())
        if tok.kind == "(":
            after = self.peek()
            if after is None:
                raise QueryError(tok.col, "this '(' is never closed (add ')')")
            if after.kind == ")":
                raise QueryError(tok.col, "empty parentheses: put a search inside, or remove them")
            node = self.or_expr()
            close = self.peek()
            if close is None or close.kind != ")":
                raise QueryError(tok.col, "this '(' is never closed (add ')')")
            self.pos += 1
            return node
        if tok.kind == "phrase":
            return Text(tok.text)
        return term(tok)


def term(tok: Token) -> Node:
    """One word: a bare word, or ``key:value``."""
    word = tok.text
    if not tok.value_col:
        return Text(word)
    key, value = word.split(":", 1)
    name = key.casefold()
    if name not in KEYS:
        raise QueryError(
            tok.col,
            f"unknown search '{key}:' (known: {', '.join(k + ':' for k in KEYS)}); "
            f'to find the text itself, put it in quotes: "{word}"',
        )
    col = tok.value_col
    if not value:
        raise QueryError(col, f"'{name}:' needs a value after the colon, e.g. {_EXAMPLES[name]}")
    if name == "deck":
        return Deck(value)
    if name == "tag":
        return Tag(value)
    if name == "id":
        parts = tuple(p for p in value.split(",") if p)
        if not parts:
            raise QueryError(col, "'id:' needs an id, e.g. id:py-list-append")
        return Id(parts)
    if name == "is":
        if value.casefold() not in IS_VALUES:
            raise QueryError(col, f"unknown state 'is:{value}' (use one of: {', '.join(IS_VALUES)})")
        return Is(value.casefold())
    if name == "prop":
        return _prop(value, col)
    return _rated(value, col)


_EXAMPLES = {
    "deck": "deck:Python::Pandas",
    "tag": "tag:python",
    "is": "is:due",
    "prop": "prop:ivl>=10",
    "rated": "rated:7",
    "id": "id:py-list-append",
}
_INT = re.compile(r"[+-]?\d+")
_DECIMAL = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)")


def _prop(value: str, col: int) -> Prop:
    m = re.match(r"[A-Za-z_]*", value)
    name = m.group(0).casefold() if m else ""
    if name not in PROPERTIES:
        raise QueryError(col, f"unknown property '{value[: len(name) or 1]}' (use one of: {', '.join(PROPERTIES)}),"
                         " e.g. prop:ivl>=10")
    rest = value[len(name):]
    op = next((o for o in OPERATORS if rest.startswith(o)), None)
    if op is None:
        raise QueryError(col + len(name), f"'prop:{name}' needs a comparison ({' '.join(OPERATORS)}), e.g. prop:{name}>=3")
    number = rest[len(op):]
    at = col + len(name) + len(op)
    pattern = _DECIMAL if name == "ease" else _INT
    if not pattern.fullmatch(number):
        kind = "a number such as 2.5" if name == "ease" else "a whole number"
        raise QueryError(at, f"'prop:{name}{op}' needs {kind}, not '{number}'")
    return Prop(name, op, Fraction(number))


def _rated(value: str, col: int) -> Rated:
    days, _, grade = value.partition(":")
    if not days.isdigit() or int(days) < 1:
        raise QueryError(col, f"'rated:' needs a number of days (1 = today), not '{days}', e.g. rated:7")
    if not _:
        return Rated(int(days))
    at = col + len(days) + 1
    if len(grade) != 1 or grade not in "012345":
        raise QueryError(at, f"'rated:{days}:' needs a grade from 0 to 5, not '{grade}', e.g. rated:{days}:0")
    return Rated(int(days), int(grade))
