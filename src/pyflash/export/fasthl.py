"""Lexing and HTML in one loop: fastlex.py's tokenizer writing spans.py's HTML as it finds each token.

:func:`pyflash.export.spans.format_tokens` over :func:`pyflash.export.fastlex._tokens` costs,
per token, a generator step, a tuple, a look-up of the token type's ``<span>`` and three
``in`` tests for characters to escape. An export formats ~150 tokens a code card, so here
the two loops are one: a rule that gives one token and keeps the state (most of them)
is written at once, in an inner loop that runs from token to token while they are such tokens.
Its ``<span class="...">`` is kept per rule (fastlex's third list of a joined matcher, filled the
first time the rule matches), so such a token costs one list look-up instead of finding its rule
and its type's span; the escape tests run only when the text holds ``& < >`` at all. Every
other token (callbacks such as ``bygroups``, state changes, errors, the newline reset) goes
through the same steps as :func:`~pyflash.export.spans.format_tokens`. The HTML is the same
byte for byte (tests compare it with pygments' ``HtmlFormatter`` on every bundled snippet).
"""

from __future__ import annotations

from html import escape
from typing import Any

from pygments.lexer import RegexLexer
from pygments.token import Error, Whitespace, _TokenType

from pyflash.export import fastlex

__all__ = ["fused_html"]


def fused_html(lexer: RegexLexer, text: str, openers: dict[Any, str], opener: Any) -> str:
    """``format_tokens(lexer.get_tokens_unprocessed(text))`` for a lexer sped up by fastlex.

    ``openers`` maps a token type to its ``<span class="...">`` ('' for none); ``opener(type)``
    fills it in for a type not seen yet (spans.py's).
    """
    tokendefs: dict[str, Any] = getattr(lexer, "_tokens")  # noqa: B009  # private: built by pygments per class
    cls = type(lexer)
    statestack = ["root"]
    statetokens = tokendefs["root"]
    ascii = text.isascii()  # the rules' character classes narrowed to ASCII (fastlex._ascii_only)
    state = fastlex._state(cls, tokendefs, "root", ascii)
    by_char, mid_line = (state.by_char, state.mid_line) if state is not None else ({}, {})
    end = len(text)
    escaping = "&" in text or "<" in text or ">" in text
    out: list[str] = []
    append = out.append
    lspan = ""  # the class span open on the current line
    line = False  # the current line has text
    pos = 0

    def emit(ttype: Any, value: str) -> None:
        """One token, as spans.format_tokens writes it."""
        nonlocal lspan, line
        cspan = openers.get(ttype)
        if cspan is None:
            cspan = opener(ttype)
        if escaping and ("&" in value or "<" in value or ">" in value):
            value = escape(value, quote=False)
        if "\n" in value:
            parts = value.split("\n")
            for part in parts[:-1]:
                if line:
                    if lspan != cspan and part:
                        out.extend((lspan and "</span>", cspan, part, cspan and "</span>", "\n"))
                    else:
                        out.extend((part, lspan and "</span>", "\n"))
                    line = False
                elif part:
                    out.extend((cspan, part, cspan and "</span>", "\n"))
                else:
                    append("\n")
            value = parts[-1]
        if value:
            if not line:
                out.extend((cspan, value))
                lspan = cspan
                line = True
            elif lspan != cspan:
                out.extend((lspan and "</span>", cspan, value))
                lspan = cspan
            else:
                append(value)

    while 1:
        m = None
        rule = None
        if state is not None:
            hit = None
            # At a line's start every rule that can start with the character; elsewhere not those anchored there.
            chars = by_char if pos == 0 or text[pos - 1] == "\n" else mid_line
            while pos < end:  # tokens of a known span, one after the other (emit's steps, inlined)
                ch = text[pos]
                joined = chars.get(ch) or state.at(ch, chars is mid_line)
                chars = mid_line
                hit = joined[0](text, pos)
                if hit is None:
                    break
                cspan = joined[2][hit.lastindex]  # type: ignore[index]  # an outer group matched
                if cspan is None:  # a callback, a state change, or a rule met the first time
                    break
                value = hit.group()
                pos += len(value)
                if "\n" in value or (escaping and ("&" in value or "<" in value or ">" in value)):
                    emit(joined[1][hit.lastindex][1], value)  # type: ignore[index]
                    if value[-1] == "\n":
                        chars = by_char
                elif value:
                    if line:
                        if lspan != cspan:
                            out.extend((lspan and "</span>", cspan, value))
                            lspan = cspan
                        else:
                            append(value)
                    else:
                        out.extend((cspan, value))
                        lspan = cspan
                        line = True
            else:
                joined = state.full  # type: ignore[assignment]  # not None: see fastlex._state
                hit = joined[0](text, pos)
            if hit is not None:
                group = hit.lastindex
                rule = joined[1][group]  # type: ignore[index]  # an outer group matched
                action = rule[1]
                if rule[3]:  # a token, same state, met the first time: its span kept for the loop above
                    cspan = openers.get(action)
                    joined[2][group] = opener(action) if cspan is None else cspan  # type: ignore[index]
                    value = hit.group()
                    pos += len(value)
                    emit(action, value)
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
                    emit(action, m.group())
                else:
                    for _index, ttype, value in action(lexer, m):
                        emit(ttype, value)
            pos = m.end()
            if new_state is not None:
                fastlex.push_state(statestack, new_state)
                statetokens = tokendefs[statestack[-1]]
                state = fastlex._state(cls, tokendefs, statestack[-1], ascii)
                by_char, mid_line = (state.by_char, state.mid_line) if state is not None else ({}, {})
            continue
        if pos >= end:
            break
        if text[pos] == "\n":
            statestack = ["root"]
            statetokens = tokendefs["root"]
            state = fastlex._state(cls, tokendefs, "root", ascii)
            by_char, mid_line = (state.by_char, state.mid_line) if state is not None else ({}, {})
            emit(Whitespace, "\n")
        else:
            emit(Error, text[pos])
        pos += 1
    if line:
        out.extend((lspan and "</span>", "\n"))
    return "".join(out)
