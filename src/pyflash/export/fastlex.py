"""Pygments' RegexLexer, one regex call per token instead of one per rule tried.

A ``RegexLexer`` state is a list of rules; at each position pygments calls
each rule's ``match`` in turn until one matches. Python code tries about 40
rules per token, and those Python-level calls are most of an export's time.
Here each state's rules are joined into one alternation, each rule wrapped in
its own group, ``(?:(r0)|(r1)|...)``: Python's regex engine tries the
alternatives in order at the same position and takes the first that matches,
which is exactly pygments' loop, so the winning rule is the same. The winning
rule's own regex is then run once, so actions see the match object they
always see. Tokens, and so the HTML, are identical (tests compare them on
every bundled deck).

A state whose rules cannot be joined (mixed flags, backreferences, a pattern
that does not compile joined) keeps pygments' loop; a lexer class that
overrides ``get_tokens_unprocessed`` is left alone. This reads pygments'
private ``_tokens`` table, so pyproject pins pygments below the next minor.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

from pygments.lexer import Lexer, RegexLexer
from pygments.token import Error, Whitespace, _TokenType

__all__ = ["speed_up"]

_BACKREF = re.compile(r"\\[1-9]|\(\?P=|\(\?\(")
_Joined = Callable[[str, int], "re.Match[str] | None"]
# lexer class -> state -> (joined match, the rule index of each outer group) or None
_CACHE: dict[type, dict[str, tuple[_Joined, dict[int, int]] | None]] = {}


_LETTERS = {re.IGNORECASE: "i", re.MULTILINE: "m", re.DOTALL: "s"}
_LEADING_FLAGS = re.compile(r"\(\?[aiLmsux]+\)")


def _join(rules: list[tuple[Any, Any, Any]]) -> tuple[_Joined, dict[int, int]] | None:
    """One alternation for a state's rules, and which rule each outer group is (None: cannot join)."""
    compiled: list[re.Pattern[str]] = []
    for rexmatch, _action, _new in rules:
        pattern = getattr(rexmatch, "__self__", None)
        if not isinstance(pattern, re.Pattern) or not isinstance(pattern.pattern, str):
            return None
        if _BACKREF.search(pattern.pattern):
            return None
        compiled.append(pattern)
    if not compiled:
        return None
    base = compiled[0].flags
    for pattern in compiled[1:]:
        base &= pattern.flags
    parts = []
    groups = 0
    outer: dict[int, int] = {}
    for i, pattern in enumerate(compiled):
        text = pattern.pattern
        extra = pattern.flags & ~base
        if extra:
            # Flags of this rule only, from its leading `(?i)`: scoped to it, `(?i:...)`.
            letters = ""
            for flag, letter in _LETTERS.items():
                if extra & flag:
                    letters += letter
                    extra &= ~flag
            if extra:
                return None
            text = f"(?{letters}:{_LEADING_FLAGS.sub('', text, count=1)})"
        elif _LEADING_FLAGS.match(text):
            text = _LEADING_FLAGS.sub("", text, count=1)  # the same flags as every rule: in ``base``
        outer[groups + 1] = i
        groups += 1 + pattern.groups
        parts.append(f"({text})")
    try:
        joined = re.compile("|".join(parts), base)
    except re.error:
        return None
    if joined.groups != groups:
        return None
    return joined.match, outer


def _state(cls: type, tokendefs: dict[str, Any], name: str) -> tuple[_Joined, dict[int, int]] | None:
    table = _CACHE.setdefault(cls, {})
    if name not in table:
        table[name] = _join(tokendefs[name])
    return table[name]


def _tokens(self: RegexLexer, text: str, stack: tuple[str, ...] = ("root",)) -> Iterator[tuple[int, Any, str]]:
    """pygments' ``RegexLexer.get_tokens_unprocessed`` (2.17-2.21), finding the rule with one joined match."""
    pos = 0
    tokendefs: dict[str, Any] = getattr(self, "_tokens")  # noqa: B009  # private: built by pygments per class
    cls = type(self)
    statestack = list(stack)
    statetokens = tokendefs[statestack[-1]]
    joined = _state(cls, tokendefs, statestack[-1])
    while 1:
        m = None
        rule = None
        if joined is not None:
            hit = joined[0](text, pos)
            if hit is not None:
                rule = statetokens[joined[1][hit.lastindex or 0]]
                # A token type (or nothing) needs only the matched text, which is the joined match's;
                # a callback (bygroups, using) gets the rule's own match object, groups numbered as it expects.
                m = hit if rule[1] is None or type(rule[1]) is _TokenType else rule[0](text, pos)
        if joined is None or (m is None and rule is not None):  # not joined (or, never seen, a disagreement)
            rule = None
            for candidate in statetokens:
                m = candidate[0](text, pos)
                if m:
                    rule = candidate
                    break
        if m and rule is not None:
            _rexmatch, action, new_state = rule
            if action is not None:
                if type(action) is _TokenType:
                    yield pos, action, m.group()
                else:
                    yield from action(self, m)
            pos = m.end()
            if new_state is not None:
                if isinstance(new_state, tuple):
                    for state in new_state:
                        if state == "#pop":
                            if len(statestack) > 1:
                                statestack.pop()
                        elif state == "#push":
                            statestack.append(statestack[-1])
                        else:
                            statestack.append(state)
                elif isinstance(new_state, int):
                    if abs(new_state) >= len(statestack):
                        del statestack[1:]
                    else:
                        del statestack[new_state:]
                elif new_state == "#push":
                    statestack.append(statestack[-1])
                else:
                    raise AssertionError(f"wrong state def: {new_state!r}")
                statetokens = tokendefs[statestack[-1]]
                joined = _state(cls, tokendefs, statestack[-1])
            continue
        try:
            if text[pos] == "\n":
                statestack = ["root"]
                statetokens = tokendefs["root"]
                joined = _state(cls, tokendefs, "root")
                yield pos, Whitespace, "\n"
                pos += 1
                continue
            yield pos, Error, text[pos]
            pos += 1
        except IndexError:
            break


def speed_up(lexer: Lexer) -> Lexer:
    """``lexer`` with the joined-rule tokenizer, when it is a plain RegexLexer; else as it is."""
    cls = type(lexer)
    if not isinstance(lexer, RegexLexer) or cls.get_tokens_unprocessed is not RegexLexer.get_tokens_unprocessed:
        return lexer
    lexer.get_tokens_unprocessed = _tokens.__get__(lexer)  # type: ignore[method-assign]  # per instance
    return lexer
