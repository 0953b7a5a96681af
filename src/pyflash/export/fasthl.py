"""Lexing and HTML in one loop: fastlex.py's tokenizer writing spans.py's HTML as it finds each token.

:func:`pyflash.export.spans.format_tokens` over :func:`pyflash.export.fastlex._tokens` costs,
per token, a generator step, a tuple, a look-up of the token type's ``<span>`` and three
``in`` tests for characters to escape. An export formats ~150 tokens a code card, so here
the two loops are one, and a token costs as few Python steps as it can:

* A rule that gives one token, keeps the state and whose match can be neither empty nor hold a
  newline (fastlex's "simple" rules: names, operators, numbers, spaces within a line) is written
  in an inner loop, from its ``<span class="...">`` kept per rule (fastlex's span lists of a
  joined matcher, filled the first time the rule matches): one list look-up, then either the
  text alone (the span already open on the line is the same) or the previous span's end, this
  span and the text.
* Two kinds of tokens need no regex at all (fastlex's ``_State.space`` and ``one_character``): in the
  middle of a line, a single space before a character its rule cannot take, when the state's first
  rule for a space is a run of one class (Python's ``[^\\S\\n]+``: ~36% of a Python snippet's tokens),
  and a character whose token is always that character alone (punctuation, most operators): its
  entry in the state's ``mid_line`` table holds the character and its spans instead of a regex.
* A token of newlines only ends the line's span in two steps.
* No escaping per token: the text is escaped once, whole, at the end. When the snippet holds
  ``& < >`` at all, the tags are first written with placeholders for ``<`` and ``>`` (``\\x01``,
  ``\\x02``, which such a snippet must not hold: spans.py takes pygments' path then), the joined
  HTML escaped, and the placeholders made ``<`` and ``>``.
* The state of the line is two strings: the span open on it (``''``: none, or a line's start) and
  the tag that ends it. A class-less token at a line's start is written as it is either way, so a
  line's start needs no flag of its own.

Every other token (callbacks such as ``bygroups``, state changes, text with a newline, errors, the
newline reset) goes through the same steps as :func:`~pyflash.export.spans.format_tokens`. The HTML
is the same byte for byte (tests compare it with pygments' ``HtmlFormatter`` in 11 languages).
"""

from __future__ import annotations

import sys
from html import escape
from typing import Any

from pygments.lexer import RegexLexer
from pygments.token import Error, Whitespace, _TokenType

from pyflash.export import fastlex

__all__ = ["PLACEHOLDERS", "fused_html"]

PLACEHOLDERS = ("\x01", "\x02")  # "<" and ">" of the tags while a snippet with & < > is written
_CLOSE = "</span>"
_CLOSE_HELD = "\x01/span\x02"


def _held(tag: str) -> str:
    """A tag written with the placeholders (interned, as every span string here: the loop compares them by identity)."""
    return sys.intern(tag.replace("<", "\x01").replace(">", "\x02"))


def _span(openers: dict[Any, str], opener: Any, held: bool, ttype: Any) -> str:
    """A token type's span as the loop writes it (interned), from ``openers`` or ``opener(ttype)``."""
    cspan = openers.get(ttype)
    if cspan is None:
        cspan = opener(ttype)
    return _held(cspan) if held else sys.intern(cspan)


def _emit(out: list[str], close_tag: str, cspan: str, value: str, lspan: str, close: str) -> tuple[str, str]:
    """One token, as spans.format_tokens writes it (``cspan``: its span, '' for none), after the line's
    ``lspan`` and ``close``; returns them as they are after it."""
    if "\n" in value:
        parts = value.split("\n")
        for part in parts[:-1]:
            if part and lspan != cspan:
                out.extend((close, cspan, part, cspan and close_tag, "\n"))
            else:
                out.extend((part, close, "\n"))
            lspan = close = ""
        value = parts[-1]
    if value:
        if lspan == cspan:
            out.append(value)
        else:
            out.extend((close, cspan, value))
            lspan = cspan
            close = cspan and close_tag
    return lspan, close


def _space(state: Any, openers: dict[Any, str], opener: Any, held: bool) -> tuple[Any, frozenset[str], str]:
    """A state's single-space token (fastlex._State.space): its matcher, the characters after which a space is
    that token alone, and its span (no matcher: not so here)."""
    found = state.space() if state is not None else None
    if found is None:
        return None, frozenset(), ""
    return found[0], found[1], _span(openers, opener, held, found[2])


def fused_html(lexer: RegexLexer, text: str, openers: dict[Any, str], opener: Any) -> str:
    """``format_tokens(lexer.get_tokens_unprocessed(text))`` for a lexer sped up by fastlex, and a text
    without :data:`PLACEHOLDERS`.

    ``openers`` maps a token type to its ``<span class="...">`` ('' for none); ``opener(type)``
    fills it in for a type not seen yet (spans.py's).
    """
    tokendefs: dict[str, Any] = getattr(lexer, "_tokens")  # noqa: B009  # private: built by pygments per class
    cls = type(lexer)
    statestack = ["root"]
    statetokens = tokendefs["root"]
    ascii = text.isascii()  # the rules' character classes narrowed to ASCII (rxtree.marked)
    state = fastlex._state(cls, tokendefs, "root", ascii)
    by_char, mid_line = (state.by_char, state.mid_line) if state is not None else ({}, {})
    end = len(text)
    held = "&" in text or "<" in text or ">" in text  # tags with placeholders, the HTML escaped at the end
    k = 3 if held else 2  # the joined matchers' span lists to use
    close_tag = _CLOSE_HELD if held else _CLOSE
    out: list[str] = []
    lspan = ""  # the class span open on the current line ('': none)
    close = ""  # the tag that ends it ('': none)
    pos = 0
    # A single space in the middle of a line, without a regex: its matcher, what may follow it, its span.
    space, after_space, space_span = _space(state, openers, opener, held) if text.endswith("\n") else (None, frozenset(), "")

    while 1:
        hit = m = rule = None
        if state is not None:
            # At a line's start every rule that can start with the character; elsewhere not those anchored there.
            chars = by_char if pos == 0 or text[pos - 1] == "\n" else mid_line
            try:
                while 1:  # simple tokens, one after the other
                    joined = chars[text[pos]]  # KeyError: a character not met yet here; IndexError: the end
                    chars = mid_line
                    if joined is space and text[pos + 1] in after_space:  # (the text ends with a newline)
                        pos += 1
                        if space_span is lspan:
                            out.append(" ")
                        else:
                            out += (close, space_span, " ")
                            lspan = space_span
                            close = space_span and close_tag
                        continue
                    if joined[0] is None:  # a token of one character, always (punctuation, most operators)
                        pos += 1
                        cspan = joined[k]
                        if cspan is lspan:
                            out.append(joined[1])
                        else:
                            out += (close, cspan, joined[1])
                            lspan = cspan
                            close = cspan and close_tag
                        continue
                    hit = joined[0](text, pos)
                    if hit is None:
                        break
                    cspan = joined[k][hit.lastindex]  # type: ignore[index]  # a marker group matched
                    if cspan is lspan:
                        value = hit[0]
                        pos += len(value)
                        out.append(value)
                    elif cspan is None:  # not a simple token, or one met the first time
                        break
                    else:
                        value = hit[0]
                        pos += len(value)
                        out += (close, cspan, value)
                        lspan = cspan
                        close = cspan and close_tag
            except KeyError:
                ch = text[pos]
                state.at(ch, chars is mid_line)
                if chars is mid_line:
                    action = state.one_character(ch)
                    if action is not None:  # kept with its span (with tags, with placeholders) instead of a regex
                        cspan = sys.intern(_span(openers, opener, False, action))
                        mid_line[ch] = (None, ch, cspan, _held(cspan))  # type: ignore[assignment]
                continue
            except IndexError:
                break
            if hit is not None:
                group = hit.lastindex
                rule = joined[1][group]  # type: ignore[index]  # a marker group matched
                action = rule[1]
                if rule[3]:  # a token, same state
                    value = hit[0]
                    pos += len(value)
                    if rule[5]:  # newlines only: the line's span ends (the next token starts a line)
                        out += (close, value)
                        lspan = close = ""
                        continue
                    cspan = _span(openers, opener, held, action)
                    if rule[4]:  # simple: its span kept for the loop above, with tags and with placeholders
                        joined[2][group] = sys.intern(openers[action])  # type: ignore[index]
                        joined[3][group] = _held(openers[action])  # type: ignore[index]
                    lspan, close = _emit(out, close_tag, cspan, value, lspan, close)
                    continue
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
                    lspan, close = _emit(out, close_tag, _span(openers, opener, held, action), m.group(), lspan, close)
                else:
                    for _index, ttype, value in action(lexer, m):
                        lspan, close = _emit(out, close_tag, _span(openers, opener, held, ttype), value, lspan, close)
            pos = m.end()
            if new_state is not None:
                fastlex.push_state(statestack, new_state)
                statetokens = tokendefs[statestack[-1]]
                state = fastlex._state(cls, tokendefs, statestack[-1], ascii)
                by_char, mid_line = (state.by_char, state.mid_line) if state is not None else ({}, {})
                if space is not None or state is not None:
                    space, after_space, space_span = _space(state, openers, opener, held) if text.endswith("\n") else (None, frozenset(), "")
            continue
        if pos >= end:
            break
        if text[pos] == "\n":
            statestack = ["root"]
            statetokens = tokendefs["root"]
            state = fastlex._state(cls, tokendefs, "root", ascii)
            by_char, mid_line = (state.by_char, state.mid_line) if state is not None else ({}, {})
            space, after_space, space_span = _space(state, openers, opener, held)
            lspan, close = _emit(out, close_tag, _span(openers, opener, held, Whitespace), "\n", lspan, close)
        else:
            lspan, close = _emit(out, close_tag, _span(openers, opener, held, Error), text[pos], lspan, close)
        pos += 1
    body = "".join(out)
    if body and body[-1] != "\n":  # the last line has text: end its span and the line
        body += close + "\n"
    if held:
        body = escape(body, quote=False).replace("\x01", "<").replace("\x02", ">")
    return body
