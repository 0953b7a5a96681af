"""pygments tokens to HTML spans: what ``HtmlFormatter(nowrap=True)`` writes, in one loop.

pygments' formatter is a chain of generators (the lexer's tokens, the
``get_tokens`` streamer, the formatter's lines, its wrappers) with a few
attribute lookups per token; an export formats about 150 tokens a card, so
that chain costs as much as the lexing itself. :func:`highlight_tokens` reads
the lexer's ``(index, type, text)`` tokens directly and writes the same HTML
(``<span class="k">`` with pygments' short classes; the colours are in the
note type's CSS) into one list. It is a transcription of
``HtmlFormatter._format_lines`` (pygments 2.17-2.21, pinned in pyproject) for
the options pyflash uses, so the output is byte for byte the formatter's: a
test compares them on every snippet of the bundled decks.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from html import escape
from typing import Any

from pygments.formatters import HtmlFormatter
from pygments.lexer import Lexer

from pyflash.export.fasthl import PLACEHOLDERS, fused_html
from pyflash.export.fastlex import is_sped_up

__all__ = ["highlight_tokens"]

_OPENERS: dict[Any, str] = {}  # token type -> '<span class="...">' ('' for plain text)


@cache
def _formatter() -> HtmlFormatter[str]:
    return HtmlFormatter(nowrap=True)


def _opener(ttype: Any) -> str:
    classes: str = _formatter()._get_css_classes(ttype)  # type: ignore[attr-defined]  # private, pinned
    opener = f'<span class="{classes}">' if classes else ""
    _OPENERS[ttype] = opener
    return opener


def format_tokens(tokens: Iterable[tuple[int, Any, str]]) -> str:
    """The HTML of ``(index, type, text)`` tokens, as ``pygments.format(..., HtmlFormatter(nowrap=True))``."""
    out: list[str] = []
    append = out.append
    openers = _OPENERS
    lspan = ""  # the class span open on the current line
    line = False  # the current line has text
    for _index, ttype, value in tokens:
        cspan = openers.get(ttype)
        if cspan is None:
            cspan = _opener(ttype)
        if "&" in value or "<" in value or ">" in value:
            value = escape(value, quote=False)
        if "\n" in value:
            parts = value.split("\n")
            for part in parts[:-1]:
                if line:
                    if lspan != cspan and part:
                        out += (lspan and "</span>", cspan, part, cspan and "</span>", "\n")
                    else:
                        out += (part, lspan and "</span>", "\n")
                    line = False
                elif part:
                    out += (cspan, part, cspan and "</span>", "\n")
                else:
                    append("\n")
            value = parts[-1]
        if value:
            if not line:
                out += (cspan, value)
                lspan = cspan
                line = True
            elif lspan != cspan:
                out += (lspan and "</span>", cspan, value)
                lspan = cspan
            else:
                append(value)
    if line:
        out += (lspan and "</span>", "\n")
    return "".join(out)


def highlight_tokens(lexer: Lexer, code: str) -> str:
    """``pygments.format(lexer.get_tokens(code), HtmlFormatter(nowrap=True))``, without the generator chain."""
    prepare = getattr(lexer, "_preprocess_lexer_input", None)  # private: get_tokens' first step
    if lexer.filters or prepare is None:  # (pyflash adds no filters) pygments' own path
        return format_tokens((0, t, v) for t, v in lexer.get_tokens(code))
    if is_sped_up(lexer):  # lexing and HTML in one loop (fasthl.py)
        text = prepare(code)
        if PLACEHOLDERS[0] not in text and PLACEHOLDERS[1] not in text:
            return fused_html(lexer, text, _OPENERS, _opener)  # type: ignore[arg-type]  # a RegexLexer
        return format_tokens(lexer.get_tokens_unprocessed(text))
    return format_tokens(lexer.get_tokens_unprocessed(prepare(code)))
