"""A card text that is one plain paragraph, drawn without a Markdown parser.

Most questions are one line of text with some ``inline code``. Textual's
``Markdown`` widget (with markdown-it-py and pygments behind it) costs more to
import and lay out than the rest of the first card together, so the card view
draws such a text from :func:`plain_paragraph` instead: the same
:class:`~textual.content.Content` (text and ``.code_inline`` spans) that
``Markdown`` builds for it, in a widget styled the same way
(:mod:`pyflash.ui.card_text`). Anything else, including any character that
Markdown could read as syntax outside a code span, returns None and is drawn by
the ``Markdown`` widget as before.

Nothing here imports the Markdown widget or markdown-it-py.
"""

from __future__ import annotations

import re

from textual.content import Content, Span

# Outside code spans, a text with none of these is plain text to CommonMark with
# strikethrough and tables (the parser of pyflash.core.markup): no emphasis, link,
# image, autolink, entity, escape, strikethrough or raw HTML can start there.
_SYNTAX = re.compile(r"[\\*~\[\]<>&!\r\n\x00]")
# An underscore between two letters or digits (``line_profiler``) can neither open
# nor close emphasis in CommonMark; any other is left to Markdown.
_UNDERSCORES = re.compile(r"_+")
# At the start of a line these may open a block (heading, quote, list, rule,
# setext line, table, fence, indented code); a text that starts so is left to Markdown.
_BLOCK_START = re.compile(r"[#>+*\-=_~|:<\s]|\d{1,9}[.)]|```")
_TICKS = re.compile(r"`+")
_SPACES = re.compile(r"\s+")  # Textual's Markdown collapses each run of white space in text to one space

CODE_INLINE = ".code_inline"


def _intraword(plain: str) -> bool:
    """True when every run of underscores in ``plain`` has a letter or digit on both sides."""
    for run in _UNDERSCORES.finditer(plain):
        start, end = run.span()
        if start == 0 or end == len(plain) or not (plain[start - 1].isalnum() and plain[end].isalnum()):
            return False
    return True


def plain_paragraph(markdown: str) -> Content | None:
    """The Content Textual's ``Markdown`` draws for ``markdown``, when that is one plain paragraph; else None.

    Plain: one line of text and ``code spans``, nothing else that Markdown
    would read as syntax. Code spans follow CommonMark: a run of backticks
    opens one and the next run of the same length closes it; one space is
    taken from each end of its content when both ends have one.
    """
    if not markdown or markdown != markdown.strip() or _BLOCK_START.match(markdown):
        return None
    text: list[str] = []
    spans: list[Span] = []
    size = 0
    pos = 0
    while True:
        opener = _TICKS.search(markdown, pos)
        plain = markdown[pos : opener.start() if opener else len(markdown)]
        if _SYNTAX.search(plain) or not _intraword(plain):
            return None
        plain = _SPACES.sub(" ", plain)
        text.append(plain)
        size += len(plain)
        if opener is None:
            break
        ticks = opener.group()
        closer = _TICKS.search(markdown, opener.end())
        while closer is not None and closer.group() != ticks:
            closer = _TICKS.search(markdown, closer.end())
        if closer is None:
            return None  # an unmatched run of backticks is literal text: left to Markdown
        code = markdown[opener.end() : closer.start()]
        if code.startswith(" ") and code.endswith(" ") and len(code.strip()) > 0:
            code = code[1:-1]
        spans.append(Span(size, size + len(code), CODE_INLINE))
        text.append(code)
        size += len(code)
        pos = closer.end()
    return Content("".join(text), spans=spans)
