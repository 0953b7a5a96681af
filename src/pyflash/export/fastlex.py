"""Pygments' RegexLexer, one regex call per token instead of one per rule tried.

A ``RegexLexer`` state is a list of rules; at each position pygments calls
each rule's ``match`` in turn until one matches. Python code tries about 40
rules per token, and those Python-level calls are most of an export's time.
Here each state's rules are joined into one alternation, each rule followed by an
empty marker group, ``(?:r0)()|(?:r1)()|...``: Python's regex engine tries the
alternatives in order at the same position and takes the first that matches,
which is exactly pygments' loop, so the winning rule is the same, and the match's
``lastindex`` names it. The rules' own groups are made non-capturing in the joined
regex (:func:`rxtree.marked`: a match object then holds one group per rule, not every
group of every rule); a callback's rule's own regex is run once more, so actions see
the match object they always see. Tokens, and so the HTML, are identical (tests compare
them in 11 languages and on every bundled deck).

Most rules cannot start with the character at the current position (a name
cannot start with a space, a string with a letter other than its prefixes),
so each state also has, per first character, a joined regex of only the rules
that *can* start with it, in their order (:func:`rxtree.first`, from the parsed
regex: the set of characters a rule's match can begin with, or "any" when
the rule can match the empty string or uses something not analysed). Rules
left out cannot match there, so the first rule that matches is the same.

Most code is ASCII, and for an ASCII text (:meth:`str.isascii`) every joined regex is
compiled with its character classes cut down to ASCII (:func:`rxtree.marked`): the same matches
on such a text, without the regex engine walking the hundreds of non-BMP ranges of pygments'
Unicode name classes at the end of every name (about 5% of a code card's instructions).

Rules anchored at a line's start (``^``, ``\\A``: Python's docstring and soft-keyword rules)
cannot match elsewhere; each state also has, per character, a matcher without them for
positions in the middle of a line (``mid_line``, used by fasthl.py): a mid-line space in
Python tries one rule instead of four.

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

from pyflash.export import rxtree

__all__ = ["speed_up"]

_BACKREF = re.compile(r"\\[1-9]|\(\?P=|\(\?\(")
_Joined = Callable[[str, int], "re.Match[str] | None"]
# A joined matcher: its match; by group number (the match's lastindex), for each rule: (rule's match, action,
# new state, a plain token?, a plain token whose text is never empty and never holds a newline?, a plain token
# of newlines only?); then, by the same number, the <span> fasthl.py writes for a plain token of the second
# kind (filled when first met), with tags and with fasthl's placeholder tags.
_Matcher = tuple[_Joined, list[Any], list[str | None], list[str | None]]
_Rule = tuple[Any, Any, Any]


_LETTERS = {re.IGNORECASE: "i", re.MULTILINE: "m", re.DOTALL: "s"}
_LEADING_FLAGS = re.compile(r"\(\?[aiLmsux]+\)")


def _join(
    rules: list[_Rule], ascii: bool = False, simple: list[bool] | None = None, newlines: list[bool] | None = None
) -> _Matcher | None:
    """One alternation for ``rules``, and which rule each marker group is (None: cannot join).

    ``ascii``: for ASCII text only, its character classes narrowed to ASCII (:func:`rxtree.marked`);
    ``simple``: per rule, whether its match can be neither empty nor hold a newline (:func:`rxtree.empty_or_newline`);
    ``newlines``: whether it is newlines only (:func:`rxtree.only_newlines`)."""
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
    outer: list[Any] = [None]
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
        rexmatch, action, new_state = rules[i]
        plain = type(action) is _TokenType and new_state is None
        outer.append((rexmatch, action, new_state, plain, plain and simple is not None and simple[i],
                      plain and newlines is not None and newlines[i]))
        parts.append((text, pattern.groups))
    try:
        joined = rxtree.marked(parts, base, ascii)
    except re.error:
        return None
    if joined is None:
        return None
    return joined.match, outer, [None] * len(outer), [None] * len(outer)


_Analysed = tuple[Callable[[str], bool] | None, bool, bool, bool]
_ANALYSED: dict[Any, _Analysed] = {}  # rule's pattern -> rxtree's findings
_UNKNOWN: _Analysed = (None, False, False, False)


def _analysed(pattern: re.Pattern[str]) -> _Analysed:
    """A rule's first characters (:func:`rxtree.first`), whether it is anchored at a line's start
    (:func:`rxtree.anchored`), whether its match is never empty and never holds a newline, and
    whether it is newlines only."""
    found = _ANALYSED.get(pattern)
    if found is None:
        tree = rxtree.parse(pattern)  # parsed once, for all four
        found = (rxtree.first(pattern, tree), rxtree.anchored(pattern, tree),
                 not rxtree.empty_or_newline(pattern, tree), rxtree.only_newlines(pattern, tree))
        _ANALYSED[pattern] = found
    return found


def _never(text: str, pos: int) -> None:
    return None


class _State:
    """A lexer state's joined rules: all of them, and per first character only those that can start with it."""

    __slots__ = ("ascii", "by_char", "mid_line", "full", "rules", "_firsts", "_anchored", "_simple", "_newlines",
                 "_by_set", "_space", "_space_done")

    def __init__(self, rules: list[_Rule], ascii: bool = False) -> None:
        self.rules = rules
        self.ascii = ascii  # for ASCII text only (rxtree.marked)
        analysed = [_analysed(rule[0].__self__) if isinstance(getattr(rule[0], "__self__", None), re.Pattern)
                    else _UNKNOWN for rule in rules]
        self._firsts = [found[0] for found in analysed]
        self._anchored = [found[1] for found in analysed]
        self._simple = [found[2] for found in analysed]
        self._newlines = [found[3] for found in analysed]
        self.full = _join(rules, ascii, self._simple, self._newlines)
        self.by_char: dict[str, _Matcher] = {}
        self.mid_line: dict[str, _Matcher] = {}  # the same, at a position not starting a line
        self._by_set: dict[tuple[int, ...], _Matcher] = {}
        self._space: tuple[_Matcher, frozenset[str], Any] | None = None
        self._space_done = False

    def at(self, ch: str, mid_line: bool = False) -> _Matcher:
        """The joined matcher for a position holding ``ch`` (only called when ``full`` is not None);
        ``mid_line``: for a position that does not start the text or follow a newline, where the rules
        anchored at a line's start (``^``, ``\\A``) cannot match, so they are left out."""
        assert self.full is not None
        chosen = tuple(
            i for i, test in enumerate(self._firsts)
            if (test is None or test(ch)) and not (mid_line and self._anchored[i])
        )
        found = self._by_set.get(chosen)
        if found is None:
            if not chosen:
                found = (_never, [], [], [])
            elif len(chosen) == len(self.rules):
                found = self.full
            else:
                found = _join([self.rules[i] for i in chosen], self.ascii, [self._simple[i] for i in chosen],
                              [self._newlines[i] for i in chosen]) or self.full
            self._by_set[chosen] = found
        (self.mid_line if mid_line else self.by_char)[ch] = found
        return found


    def space(self) -> tuple[_Matcher, frozenset[str], Any] | None:
        """For fasthl.py, when a single space in the middle of a line is a token of its own, found without a
        regex: the matcher ``mid_line[" "]`` (an object of its own, kept under that key only), the ASCII
        characters after which a space is that token alone, and its token type (None: not so here).

        That is when the first rule that can start with a space there is a plain, simple rule that matches
        the longest run of one character class (pygments' ``[^\\S\\n]+`` text rule, for one): a space then
        always matches it, and a space followed by a character outside the class is its whole match."""
        if not self._space_done:
            self._space_done = True
            if self.full is not None:
                found = self.at(" ", True)
                chosen = [i for i, test in enumerate(self._firsts) if (test is None or test(" ")) and not self._anchored[i]]
                rexmatch, action, new_state = self.rules[chosen[0]] if chosen else (None, None, None)
                pattern = getattr(rexmatch, "__self__", None)
                if (pattern is not None and self._simple[chosen[0]] and type(action) is _TokenType and new_state is None
                        and rxtree.run_of_class(rxtree.parse(pattern))):
                    ends = [pattern.match(" " + chr(c)) for c in range(128)]
                    after = frozenset(chr(c) for c, hit in enumerate(ends) if hit is not None and hit.end() == 1)
                    own = (found[0], found[1], found[2], found[3])  # not the object other characters share
                    self.mid_line[" "] = own
                    self._space = (own, after, action)
        return self._space

    def one_character(self, ch: str) -> Any:
        """For fasthl.py, the token type of ``ch`` in the middle of a line when its token is always ``ch`` alone,
        found without a regex (None: not so): the first rule that can start with it there is a plain, simple
        rule whose match at it is always it (:func:`rxtree.one_character`: punctuation, most operators)."""
        if self.full is None:
            return None
        for i, test in enumerate(self._firsts):
            if (test is None or test(ch)) and not self._anchored[i]:
                rexmatch, action, new_state = self.rules[i]
                pattern = getattr(rexmatch, "__self__", None)
                if (isinstance(pattern, re.Pattern) and self._simple[i] and type(action) is _TokenType
                        and new_state is None and rxtree.one_character(pattern, ch)):
                    return action
                return None
        return None

# lexer class -> state name -> its joined rules (None: not joinable, pygments' loop); for any text, for ASCII text
_CACHE: dict[type, dict[str, _State | None]] = {}
_ASCII: dict[type, dict[str, _State | None]] = {}


def _state(cls: type, tokendefs: dict[str, Any], name: str, ascii: bool = False) -> _State | None:
    """The joined rules of a lexer state (``ascii``: for a text that :meth:`str.isascii`)."""
    table = (_ASCII if ascii else _CACHE).setdefault(cls, {})
    if name not in table:
        state = _State(tokendefs[name], ascii)
        table[name] = state if state.full is not None else None
    return table[name]


def push_state(statestack: list[str], new_state: Any) -> None:
    """A rule's new state applied to the state stack, as pygments' RegexLexer does."""
    if isinstance(new_state, tuple):
        for name in new_state:
            if name == "#pop":
                if len(statestack) > 1:
                    statestack.pop()
            elif name == "#push":
                statestack.append(statestack[-1])
            else:
                statestack.append(name)
    elif isinstance(new_state, int):
        if abs(new_state) >= len(statestack):
            del statestack[1:]
        else:
            del statestack[new_state:]
    elif new_state == "#push":
        statestack.append(statestack[-1])
    else:
        raise AssertionError(f"wrong state def: {new_state!r}")


def _tokens(self: RegexLexer, text: str, stack: tuple[str, ...] = ("root",)) -> Iterator[tuple[int, Any, str]]:
    """pygments' ``RegexLexer.get_tokens_unprocessed`` (2.17-2.21), finding the rule with one joined match."""
    pos = 0
    tokendefs: dict[str, Any] = getattr(self, "_tokens")  # noqa: B009  # private: built by pygments per class
    cls = type(self)
    statestack = list(stack)
    statetokens = tokendefs[statestack[-1]]
    ascii = text.isascii()
    state = _state(cls, tokendefs, statestack[-1], ascii)
    by_char = state.by_char if state is not None else {}
    end = len(text)
    while 1:
        m = None
        rule = None
        if state is not None:
            if pos < end:
                ch = text[pos]
                joined = by_char.get(ch) or state.at(ch)
            else:
                joined = state.full  # type: ignore[assignment]  # not None: see _state
            hit = joined[0](text, pos)
            if hit is not None:
                rule = joined[1][hit.lastindex]  # type: ignore[index]  # never None: an outer group matched
                action = rule[1]
                if rule[3]:  # the common case: a token, same state
                    value = hit.group()
                    yield pos, action, value
                    pos += len(value)
                    continue
                # A token type (or nothing) needs only the matched text, which is the joined match's;
                # a callback (bygroups, using) gets the rule's own match object, groups numbered as it expects.
                m = hit if action is None or type(action) is _TokenType else rule[0](text, pos)
        if state is None or (m is None and rule is not None):  # not joined (or, never seen, a disagreement)
            rule = None
            for candidate in statetokens:
                m = candidate[0](text, pos)
                if m:
                    rule = candidate
                    break
        if m and rule is not None:
            action, new_state = rule[1], rule[2]
            if action is not None:
                if type(action) is _TokenType:
                    yield pos, action, m.group()
                else:
                    yield from action(self, m)
            pos = m.end()
            if new_state is not None:
                push_state(statestack, new_state)
                statetokens = tokendefs[statestack[-1]]
                state = _state(cls, tokendefs, statestack[-1], ascii)
                by_char = state.by_char if state is not None else {}
            continue
        try:
            if text[pos] == "\n":
                statestack = ["root"]
                statetokens = tokendefs["root"]
                state = _state(cls, tokendefs, "root", ascii)
                by_char = state.by_char if state is not None else {}
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


def is_sped_up(lexer: Lexer) -> bool:
    """Whether :func:`speed_up` gave ``lexer`` the joined-rule tokenizer."""
    method = lexer.__dict__.get("get_tokens_unprocessed")
    return getattr(method, "__func__", None) is _tokens
