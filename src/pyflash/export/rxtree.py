"""Python's own regex parser, read for what fastlex.py needs to know of a pygments rule.

* :func:`first`: the characters a rule's match can start with (per first character, fastlex
  joins only the rules that can start there);
* :func:`anchored`: whether a rule can only match at a line's start (``^``, ``\\A``);
* :func:`empty_or_newline`: whether a rule's match can be empty or hold a newline (fasthl.py
  writes the others without looking at their text);
* :func:`marked`: rules joined into one regex that says which rule matched, for ASCII text with
  its character classes cut to ASCII.

These read ``re._parser``, ``re._constants`` and ``re._compiler`` (private, stable since
3.11): anything they do not know makes them answer the safe way (any character, not
anchored, not joined).
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable
from typing import Any


def _narrow(items: list[tuple[Any, Any]], flags: int) -> None:
    """A parsed pattern for ASCII text only, in place: each character class without its non-ASCII part.

    Where no character of the text can be above U+007F, a class's ranges and characters above it
    cannot match, so dropping them changes no match; but Python's regex engine tests a character
    that is in none of a class's first 65,536 code points against each range it has beyond them,
    one after the other: pygments' Unicode identifier classes hold hundreds of them, tried
    at the end of every name. A class under IGNORECASE is left whole (U+212A, the Kelvin sign,
    matches ``k``), and so is anything not analysed here.
    """
    for i, (op, av) in enumerate(items):
        if op is _C.IN:
            if not flags & re.IGNORECASE:
                kept = []
                for kind, value in av:
                    if kind is _C.LITERAL and value > 0x7F:
                        continue
                    if kind is _C.RANGE:
                        if value[0] > 0x7F:
                            continue
                        value = (value[0], min(value[1], 0x7F))
                    kept.append((kind, value))
                items[i] = (op, kept)
        elif op is _C.SUBPATTERN:
            _narrow(av[3].data, (flags | av[1]) & ~av[2])
        else:
            for inner in _nested(op, av):
                _narrow(inner, flags)


def _nested(op: Any, av: Any) -> list[list[tuple[Any, Any]]]:
    """The item lists inside a parsed node that is not a group: a branch's alternatives, the body of a
    repeat, an assertion or an atomic group (none for any other node)."""
    if op is _C.BRANCH:
        return [alternative.data for alternative in av[1]]
    if op in _REPEATS or op in (_C.ASSERT, _C.ASSERT_NOT):
        return [av[-1].data]
    if op is getattr(_C, "ATOMIC_GROUP", None):
        return [av.data]
    return []


# --------------------------------------------------------------------------
# The characters a rule's match can start with (from Python's own regex parser)

_P: Any = importlib.import_module("re._parser")  # private, stable since 3.11 (sre_parse before)
_C: Any = importlib.import_module("re._constants")
_COMPILER: Any = importlib.import_module("re._compiler")
_CATEGORIES = {
    _C.CATEGORY_DIGIT: r"\d", _C.CATEGORY_NOT_DIGIT: r"\D", _C.CATEGORY_SPACE: r"\s",
    _C.CATEGORY_NOT_SPACE: r"\S", _C.CATEGORY_WORD: r"\w", _C.CATEGORY_NOT_WORD: r"\W",
}
_REPEATS = tuple(getattr(_C, name) for name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT") if hasattr(_C, name))
_ZERO_WIDTH = (_C.AT, _C.ASSERT, _C.ASSERT_NOT)  # ignored: a weaker condition keeps the set a superset
_FLAGS = re.IGNORECASE | re.ASCII | re.DOTALL


class _Unknown(Exception):
    """A construct :func:`first` does not analyse: the rule may start with anything."""


def _char(code: int) -> str:
    return f"\\U{code:08x}"


def _class(items: list[tuple[Any, Any]]) -> str:
    parts = []
    negate = ""
    for op, av in items:
        if op is _C.NEGATE:
            negate = "^"
        elif op is _C.LITERAL:
            parts.append(_char(av))
        elif op is _C.RANGE:
            parts.append(f"{_char(av[0])}-{_char(av[1])}")
        elif op is _C.CATEGORY and av in _CATEGORIES:
            parts.append(_CATEGORIES[av])
        else:
            raise _Unknown
    return f"[{negate}{''.join(parts)}]"


def _starts(items: Any, flags: int, out: list[tuple[str, int]]) -> bool:
    """Add to ``out`` (regex, flags) for each character set a match of ``items`` can start with;
    True when ``items`` can match the empty string (then what follows can start the match too)."""
    for op, av in items:
        if op is _C.LITERAL:
            out.append((f"[{_char(av)}]", flags))
            return False
        if op is _C.NOT_LITERAL:
            out.append((f"[^{_char(av)}]", flags))
            return False
        if op is _C.ANY:
            out.append((".", flags))
            return False
        if op is _C.IN:
            out.append((_class(av), flags))
            return False
        if op in _ZERO_WIDTH:
            continue
        if op is _C.SUBPATTERN:
            _group, add, remove, sub = av
            if not _starts(sub, (flags | add) & ~remove, out):
                return False
        elif op is getattr(_C, "ATOMIC_GROUP", None):
            if not _starts(av, flags, out):
                return False
        elif op is _C.BRANCH:
            empty = False
            for alternative in av[1]:
                empty = _starts(alternative, flags, out) or empty
            if not empty:
                return False
        elif op in _REPEATS:
            low, _high, sub = av
            if not _starts(sub, flags, out) and low > 0:
                return False
        else:
            raise _Unknown
    return True


def parse(pattern: re.Pattern[str]) -> Any:
    """``pattern`` parsed by Python's regex parser (None: it cannot be)."""
    try:
        return _P.parse(pattern.pattern, pattern.flags)
    except (re.error, RecursionError, TypeError, ValueError):
        return None


def first(pattern: re.Pattern[str], tree: Any = None) -> Callable[[str], bool] | None:
    """A test of the characters a match of ``pattern`` (parsed: ``tree``) can start with (None: any, or the empty string)."""
    out: list[tuple[str, int]] = []
    try:
        if _starts(parse(pattern) if tree is None else tree, pattern.flags, out):
            return None
        tests = [re.compile(text, flags & _FLAGS).match for text, flags in out]
    except (_Unknown, re.error, RecursionError, TypeError, ValueError):
        return None
    return lambda ch: any(test(ch) for test in tests)


_LINE_START = (_C.AT_BEGINNING, _C.AT_BEGINNING_LINE, _C.AT_BEGINNING_STRING)  # ^ (with or without MULTILINE), \\A


def _anchored_items(items: Any) -> bool:
    """Whether a match of ``items`` must pass a ``^`` or ``\\A`` before any character (False: not sure)."""
    for op, av in items:
        if op is _C.AT:
            if av in _LINE_START:
                return True
        elif op is _C.ASSERT or op is _C.ASSERT_NOT:
            continue  # zero width: what follows still starts the match
        elif op is _C.SUBPATTERN:
            return _anchored_items(av[3])
        elif op is _C.BRANCH:
            return all(_anchored_items(alternative) for alternative in av[1])
        else:
            return False
    return False


def anchored(pattern: re.Pattern[str], tree: Any = None) -> bool:
    """Whether ``pattern`` (parsed: ``tree``) can only match at the start of the text or just after a newline."""
    tree = parse(pattern) if tree is None else tree
    try:
        return tree is not None and _anchored_items(tree)
    except (RecursionError, TypeError, ValueError):
        return False


def empty_or_newline(pattern: re.Pattern[str], tree: Any = None) -> bool:
    """Whether a match of ``pattern`` (parsed: ``tree``) can be empty or hold a newline (True: not sure).

    fasthl.py writes a token that can be neither without looking at its text."""
    tree = parse(pattern) if tree is None else tree
    try:
        return tree is None or _starts(tree, pattern.flags, []) or _newline(tree, pattern.flags)
    except (_Unknown, re.error, RecursionError, TypeError, ValueError):
        return True


_NEWLINE = ord("\n")


def _newline(items: Any, flags: int) -> bool:
    """Whether the text matched by ``items`` can hold a newline (lookarounds match none of it)."""
    for op, av in items:
        if op is _C.LITERAL:
            if av == _NEWLINE:
                return True
        elif op is _C.NOT_LITERAL:
            if av != _NEWLINE:
                return True
        elif op is _C.ANY:
            if flags & re.DOTALL:
                return True
        elif op is _C.IN:
            if re.compile(_class(av), flags & _FLAGS).match("\n"):
                return True
        elif op is _C.SUBPATTERN:
            if _newline(av[3], (flags | av[1]) & ~av[2]):
                return True
        elif op is _C.BRANCH:
            if any(_newline(alternative, flags) for alternative in av[1]):
                return True
        elif op in _REPEATS:
            if _newline(av[2], flags):
                return True
        elif op is getattr(_C, "ATOMIC_GROUP", None):
            if _newline(av, flags):
                return True
        elif op not in _ZERO_WIDTH:
            raise _Unknown
    return False


def marked(rules: list[tuple[str, int]], flags: int, ascii: bool) -> re.Pattern[str] | None:
    """Rules (their pattern text and number of groups) joined as ``(?:r0)()|(?:r1)()|...`` and compiled
    with the rules' own groups made non-capturing: a match by rule i closes group i + 1 last, so the
    match's ``lastindex`` names the rule, and a match object holds one group per rule, not every
    group of every rule (None: a pattern this cannot handle). ``ascii``: for ASCII text only (:func:`_narrow`).

    The rules' own groups are not needed: a token rule's text is the whole match, and a callback
    gets its rule's own match object (fastlex.py runs it again).
    """
    markers: dict[int, int] = {}
    number = 0
    for i, (_text, groups) in enumerate(rules):
        number += groups + 1
        markers[number] = i + 1
    try:
        tree = _P.parse("|".join(f"(?:{text})()" for text, _groups in rules), flags)
        if tree.state.groups != number + 1 or tree.state.grouprefpos:
            return None
        if ascii:
            _narrow(tree.data, flags)
        _renumber(tree.data, markers)
        tree.state.groupwidths = [None] * (len(rules) + 1)
        tree.state.groupdict = {}
        compiled: re.Pattern[str] = _COMPILER.compile(tree, flags)
    except re.error:
        raise
    except Exception:  # a private API that changed
        return None
    return compiled if compiled.groups == len(rules) else None


def _renumber(items: list[tuple[Any, Any]], markers: dict[int, int]) -> None:
    """The groups of a parsed pattern, in place: a marker numbered as ``markers`` says, any other group none."""
    for i, (op, av) in enumerate(items):
        if op is _C.SUBPATTERN:
            group, add, remove, sub = av
            items[i] = (op, (markers.get(group) if group else None, add, remove, sub))
            _renumber(sub.data, markers)
        elif op is _C.GROUPREF or op is _C.GROUPREF_EXISTS:
            raise re.error("a reference to a group")
        else:
            for inner in _nested(op, av):
                _renumber(inner, markers)


def only_newlines(pattern: re.Pattern[str], tree: Any = None) -> bool:
    """Whether every match of ``pattern`` (parsed: ``tree``) is one or more newlines and nothing else (False: not sure)."""
    tree = parse(pattern) if tree is None else tree
    try:
        return tree is not None and not _starts(tree, pattern.flags, []) and _newlines_only(tree)
    except (_Unknown, re.error, RecursionError, TypeError, ValueError):
        return False


def _newlines_only(items: Any) -> bool:
    for op, av in items:
        if op is _C.LITERAL:
            if av != _NEWLINE:
                return False
        elif op is _C.SUBPATTERN:
            if not _newlines_only(av[3]):
                return False
        elif op in _REPEATS:
            if not _newlines_only(av[2]):
                return False
        elif op is _C.BRANCH:
            if not all(_newlines_only(alternative) for alternative in av[1]):
                return False
        elif op is not _C.AT:
            return False
    return True


def run_of_class(tree: Any) -> bool:
    """Whether a parsed pattern is one character class repeated greedily, at least once and without limit
    (``[^\\S\\n]+``, ``\\s+``): its match is then the longest run of characters of that class."""
    try:
        if tree is None or len(tree) != 1:
            return False
        op, av = tree[0]
        if op is not _C.MAX_REPEAT and op is not getattr(_C, "POSSESSIVE_REPEAT", None):
            return False
        low, high, sub = av
        return bool(low == 1 and high is _C.MAXREPEAT and len(sub) == 1 and sub[0][0] in (_C.IN, _C.LITERAL, _C.NOT_LITERAL))
    except (TypeError, ValueError, AttributeError):
        return False


_PLAIN_OPS = (_C.LITERAL, _C.NOT_LITERAL, _C.IN, _C.ANY)


def _without_assertions(items: Any) -> bool:
    """Whether a parsed pattern has nothing but characters, classes, groups, alternatives and repeats."""
    for op, av in items:
        if op in _PLAIN_OPS:
            continue
        if op is _C.SUBPATTERN:
            if not _without_assertions(av[3]):
                return False
        elif op is _C.BRANCH:
            if not all(_without_assertions(alternative) for alternative in av[1]):
                return False
        elif op in _REPEATS:
            if not _without_assertions(av[2]):
                return False
        else:
            return False
    return True


def one_character(pattern: re.Pattern[str], ch: str) -> bool:
    """Whether ``pattern``'s match at a ``ch`` is always ``ch`` alone: every alternative that can start
    with it is one character wide and asserts nothing (``[]{}:(),;[]``; in ``==|[=+]``, ``+`` but not ``=``)."""
    tree = parse(pattern)
    try:
        if tree is None:
            return False
        alternatives = tree[0][1][1] if len(tree) == 1 and tree[0][0] is _C.BRANCH else [tree]
        found = False
        for alternative in alternatives:
            starts: list[tuple[str, int]] = []
            if _starts(alternative, pattern.flags, starts):
                return False  # can be empty
            if not any(re.compile(text, flags & _FLAGS).match(ch) for text, flags in starts):
                continue
            if alternative.getwidth() != (1, 1) or not _without_assertions(alternative):
                return False
            found = True
        return found
    except (_Unknown, re.error, RecursionError, TypeError, ValueError, AttributeError, IndexError):
        return False
