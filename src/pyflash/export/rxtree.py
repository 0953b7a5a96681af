"""Python's own regex parser, read for what fastlex.py needs to know of a pygments rule.

* :func:`first`: the characters a rule's match can start with (per first character, fastlex
  joins only the rules that can start there);
* :func:`anchored`: whether a rule can only match at a line's start (``^``, ``\\A``);
* :func:`ascii_only`: a pattern compiled for ASCII text, its character classes cut to ASCII.

These read ``re._parser``, ``re._constants`` and ``re._compiler`` (private, stable since
3.11): anything they do not know makes them answer the safe way (any character, not
anchored, the pattern as it is).
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable
from typing import Any


def ascii_only(pattern: str, flags: int) -> re.Pattern[str]:
    """``re.compile(pattern, flags)`` for ASCII text only: each character class without its non-ASCII part.

    Where no character of the text can be above U+007F, a class's ranges and characters above it
    cannot match, so dropping them changes no match; but Python's regex engine tests a character
    that is in none of a class's first 65,536 code points against each range it has beyond them,
    one after the other: pygments' Unicode identifier classes hold hundreds of them, tried
    at the end of every name. A class under IGNORECASE is left whole (U+212A, the Kelvin sign,
    matches ``k``), and so is anything not analysed here.
    """
    try:
        tree = _P.parse(pattern, flags)
        _narrow(tree.data, flags)
        narrowed: re.Pattern[str] = _COMPILER.compile(tree, flags)
    except re.error:
        raise
    except Exception:  # a private API that changed: the pattern as it is
        return re.compile(pattern, flags)
    return narrowed


def _narrow(items: list[tuple[Any, Any]], flags: int) -> None:
    """:func:`ascii_only`'s pass over a parsed pattern, in place."""
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
        elif op is _C.BRANCH:
            for alternative in av[1]:
                _narrow(alternative.data, flags)
        elif op in _REPEATS or op in (_C.ASSERT, _C.ASSERT_NOT):
            _narrow(av[-1].data, flags)
        elif op is getattr(_C, "ATOMIC_GROUP", None):
            _narrow(av.data, flags)


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
