"""Simple Markdown rendered without markdown-it: one plain line (:func:`quick_markdown`), or simple blocks (:func:`quick_blocks`).

Most questions and many answers are one line of text with, at most, a few
inline code spans: ``What does `zip` return?``. markdown-it takes about
0.15 ms to parse and render that (a block pass, an inline pass, tokens, a
renderer); here a regex recognises such a text and writes the same HTML,
``<p>What does <code>zip</code> return?</p>``, in a few microseconds.

Only texts whose HTML is certain take this path (:func:`quick_markdown`
returns None for anything else, and markdown-it renders it):

* one line, no whitespace but plain spaces, none at either end, no control
  characters;
* nothing that can start a block: not ``#``, ``>``, ``-``, ``+``, ``*``, ``=``,
  ``_``, ``~``, ``|``, ``<``, ``[``, a backtick fence or ``1.``/``1)``;
* outside code spans, none of ``\\ * _ [ ] ~ ` ``, ``&`` only before a space
  or the end (so never an entity), ``<`` only when there is no ``:`` or ``@``
  (so never an autolink; raw HTML is off for cards), except ``*word*`` and ``**word words**``
  delimited by spaces or the ends of the line (emphasis that cannot be read
  any other way);
* code spans of single backticks, never next to another backtick.

The HTML is markdown-it's: text escaped like its ``escapeHtml`` (``& < > "``),
a code span's content with one space stripped from each side when both are
spaces (and it is not all spaces). A test renders every text of the bundled
decks and thousands of generated ones both ways and compares.
"""

from __future__ import annotations

import re
from collections.abc import Callable

__all__ = ["quick_blocks", "quick_markdown"]

# One character of plain text: no whitespace but a space, no control character, no Markdown syntax.
_TEXT = r"[^\s\x00-\x1f\x7f\\*_\[\]~&`]| |&(?= |\Z)"
_CODE = r"`[^`\x00-\x1f\x7f]+`(?!`)"
# Emphasis that can only be emphasis: opened after the start or a space, by a letter or digit,
# closed by one, before a space or the end; its text is plain text.
_WORDS = r"[^\W_](?:(?:[^\s\x00-\x1f\x7f\\*_\[\]~<&`]| )*[^\W_])?"
_EMPH = rf"(?:(?<= )|(?<!.))(?P<em>\*\*?)(?={_WORDS}(?P=em)(?: |\Z)){_WORDS}(?P=em)(?= |\Z)"
_LINE = re.compile(rf"(?!\d+[.)]|[#>\-+*=_~|<\[ ])(?:{_EMPH}|{_CODE}|{_TEXT})+(?<! )", re.S)
_PIECES = re.compile(rf"({_CODE})|(?:(?<= )|(?<!.))(\*\*?)({_WORDS})\2(?= |\Z)")


def _escape(text: str) -> str:
    """markdown-it's ``escapeHtml``."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def quick_markdown(text: str) -> str | None:
    """The HTML markdown-it gives ``text`` (without its final newline), or None when this module cannot be sure."""
    if _LINE.fullmatch(text) is None or ("<" in text and (":" in text or "@" in text)):  # (an autolink)
        return None
    if "`" not in text and "*" not in text:
        return f"<p>{_escape(text)}</p>"
    out = ["<p>"]
    pos = 0
    for match in _PIECES.finditer(text):
        out.append(_escape(text[pos : match.start()]))
        code = match.group(1)
        if code is not None:
            content = code[1:-1]
            if content[0] == " " and content[-1] == " " and content.strip(" "):
                content = content[1:-1]
            out += ("<code>", _escape(content), "</code>")
        else:
            tag = "em" if len(match.group(2)) == 1 else "strong"
            out += (f"<{tag}>", _escape(match.group(3)), f"</{tag}>")
        pos = match.end()
    out += (_escape(text[pos:]), "</p>")
    return "".join(out)


# --------------------------------------------------------------------------
# Several blocks: one-line paragraphs, fenced code and tight one-line bullet lists, blank lines between

_FENCE_OPEN = re.compile(r"```([A-Za-z0-9_+.#-]*)")
_FENCE_LIKE = re.compile(r" {0,3}(?:`{3,}|~{3,})")  # anything markdown-it could read as a fence (open or close)
_BULLET = re.compile(r"([-*+]) ")


def quick_blocks(text: str, fence: Callable[[str, str | None], str], lang: str | None = None) -> str | None:
    """The HTML markdown-it gives a text of simple blocks (without its final newline), or None.

    The blocks, each followed by one or more empty lines or the end: a one-line paragraph that
    :func:`quick_markdown` renders; a fenced code block opened by exactly ```` ```lang ```` and
    closed by exactly ```` ``` ```` (written by ``fence(code, lang)``, render.py's fence rule);
    a bullet list of one-line items with the same marker, each item's text one that
    :func:`quick_markdown` renders (a tight list: ``<li>text</li>``). Anything else (a second
    list right after a list, text right after a fence, tabs, CR, NUL...) is None.
    """
    if "\r" in text or "\x00" in text or not text or text[0] == "\n":
        return None
    lines = text.split("\n")
    out: list[str] = []
    i = 0
    n = len(lines)
    last = ""  # the kind of the previous block ("list": a list right after it would join it)
    while i < n:
        line = lines[i]
        opened = _FENCE_OPEN.fullmatch(line)
        if opened is not None:
            body: list[str] = []
            i += 1
            while i < n and lines[i] != "```":
                if _FENCE_LIKE.match(lines[i]):
                    return None
                body.append(lines[i])
                i += 1
            if i == n:
                return None  # not closed
            i += 1
            info = opened.group(1)
            out.append(fence("\n".join(body) + "\n" if body else "", info or lang) + "\n")
            last = "fence"
        elif _BULLET.match(line):
            if last == "list":
                return None
            marker = line[0]
            out.append("<ul>\n")
            while i < n and lines[i]:
                item = lines[i]
                if item[0] != marker or not _BULLET.match(item):
                    return None
                inner = quick_markdown(item[2:])
                if inner is None:
                    return None
                out += ("<li>", inner[3:-4], "</li>\n")
                i += 1
            out.append("</ul>\n")
            last = "list"  # (ended by an empty line or the end)
        else:
            inner = quick_markdown(line)
            if inner is None:
                return None
            out.append(inner + "\n")
            i += 1
            last = "paragraph"
        if i < n and lines[i]:
            return None  # a block must be followed by an empty line
        while i < n and not lines[i]:
            i += 1
    return "".join(out).rstrip("\n")
