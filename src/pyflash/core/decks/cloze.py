"""Cloze markers in a card's ``cloze:`` text: Anki's ``{{c1::hidden}}`` and ``{{c1::hidden::hint}}``.

Each cloze *number* is one card: card ``c2`` hides every span numbered 2 and
shows the others as plain text. A span ends at the first ``}}`` outside the
braces it opened, so code with dicts or sets in the hidden text works:
``{{c1::{"a": 1}}}`` hides ``{"a": 1}``. As in Anki, the hint starts at the
first ``::`` of the span (so the hidden text cannot hold ``::``).

Errors (an unclosed span, a stray ``}``, an empty span, a nested marker, a
number gap such as c1, c3, no marker at all) are returned with the offset
of the marker in the text; :mod:`pyflash.core.decks.parse` turns the offset
into the ``line:col`` of the deck file.
"""

from __future__ import annotations

import re
from typing import NamedTuple

__all__ = ["ClozeError", "Span", "answer_text", "filled", "identity", "numbers", "parse", "question_text"]

_OPEN = re.compile(r"\{\{c(\d+)::")
ELLIPSIS = "[…]"


class Span(NamedTuple):
    """One marker: ``text[start:end]`` is ``{{cN::hidden}}`` (or ``{{cN::hidden::hint}}``)."""

    number: int
    start: int
    end: int
    hidden: str
    hint: str | None

    @property
    def placeholder(self) -> str:
        """What the question shows in place of the span: ``[…]`` or ``[hint]``."""
        return f"[{self.hint}]" if self.hint else ELLIPSIS


class ClozeError(NamedTuple):
    offset: int  # in the cloze text
    message: str


def parse(text: str) -> tuple[list[Span], list[ClozeError]]:
    """Every marker of ``text`` in order, and every problem with the markers."""
    spans: list[Span] = []
    errors: list[ClozeError] = []
    pos = 0
    while (m := _OPEN.search(text, pos)) is not None:
        number = int(m.group(1))
        close, problem = _close_of(text, m.end())
        if problem is not None:
            offset = problem.offset if problem.offset >= 0 else m.start()
            errors.append(ClozeError(offset, problem.message.replace("{n}", str(number))))
            break  # the rest of the text is inside the broken span
        body = text[m.end() : close]
        hidden, sep, hint = body.partition("::")
        label = f"c{number}"
        if number == 0:
            errors.append(ClozeError(m.start(), "cloze numbers start at 1: write `{{c1::...}}`, not c0"))
        elif not hidden.strip():
            errors.append(ClozeError(m.start(), f"cloze {label} hides nothing: put the hidden text after `{{{{{label}::`"))
        spans.append(Span(number, m.start(), close + 2, hidden, hint.strip() or None if sep else None))
        pos = close + 2
    if not spans and not errors:
        errors.append(ClozeError(0, "'cloze' has no marker: hide a part with `{{c1::hidden text}}`"))
    errors.extend(_gaps(spans))
    errors.sort()
    return spans, errors


def _close_of(text: str, start: int) -> tuple[int, ClozeError | None]:
    """The offset of the ``}}`` that ends the span whose body starts at ``start``.

    (-1, error) when there is none; the error's offset is -1 when it is about
    the marker itself (the caller puts it there).
    """
    depth = 0
    i = start
    n = len(text)
    while i < n:
        ch = text[i]
        if ch == "{":
            nested = _OPEN.match(text, i)
            if nested is not None:
                return -1, ClozeError(
                    i, f"a cloze marker inside another (c{nested.group(1)} in c" + "{n}): close the first with `}}` before it"
                )
            depth += 1
        elif ch == "}":
            if depth:
                depth -= 1
            elif text.startswith("}}", i):
                return i, None
            else:
                return -1, ClozeError(
                    i, "unbalanced `}` in a cloze span: a `}` in the hidden text needs its `{` (or end the span with `}}`)"
                )
        i += 1
    return -1, ClozeError(-1, "cloze c{n} is never closed: end it with `}}` (braces inside it must balance)")


def _gaps(spans: list[Span]) -> list[ClozeError]:
    """An error at the first marker past each missing number (c1, c3: c2 is missing)."""
    used = sorted({s.number for s in spans if s.number > 0})
    errors: list[ClozeError] = []
    for missing in range(1, (used[-1] if used else 0) + 1):
        if missing in used:
            continue
        after = min((s for s in spans if s.number > missing), key=lambda s: s.start)
        shown = ", ".join(f"c{u}" for u in used)
        errors.append(
            ClozeError(after.start, f"cloze numbers skip c{missing} ({shown} used): renumber so they run c1, c2, ... without a gap")
        )
        break  # one gap reported is enough to fix them all
    return errors


def numbers(spans: list[Span]) -> list[int]:
    """The cloze numbers used, in order: one card each."""
    return sorted({s.number for s in spans})


def _render(text: str, spans: list[Span], number: int, *, hide: bool) -> tuple[str, list[tuple[int, int]]]:
    out: list[str] = []
    marks: list[tuple[int, int]] = []
    size = 0
    pos = 0
    for span in spans:
        out.append(text[pos : span.start])
        size += span.start - pos
        piece = span.hidden
        if span.number == number:
            piece = span.placeholder if hide else span.hidden
            marks.append((size, size + len(piece)))
        out.append(piece)
        size += len(piece)
        pos = span.end
    out.append(text[pos:])
    return "".join(out), marks


def question_text(text: str, spans: list[Span], number: int) -> tuple[str, list[tuple[int, int]]]:
    """The text with cloze ``number`` replaced by ``[…]`` (or ``[hint]``), the others shown.

    Also the (start, end) offsets of each placeholder in the result.
    """
    return _render(text, spans, number, hide=True)


def answer_text(text: str, spans: list[Span], number: int) -> tuple[str, list[tuple[int, int]]]:
    """The text with every span filled in, and the (start, end) offsets of cloze ``number``'s spans."""
    return _render(text, spans, number, hide=False)


def filled(text: str, spans: list[Span]) -> tuple[str, list[tuple[int, int, Span]]]:
    """The text with every span filled in, and where each span's hidden text is in it."""
    out: list[str] = []
    where: list[tuple[int, int, Span]] = []
    size = 0
    pos = 0
    for span in spans:
        out.append(text[pos : span.start])
        size += span.start - pos
        where.append((size, size + len(span.hidden), span))
        out.append(span.hidden)
        size += len(span.hidden)
        pos = span.end
    out.append(text[pos:])
    return "".join(out), where


def identity(text: str, spans: list[Span], number: int) -> str:
    """What identifies cloze ``number`` apart from its number: the text with its spans in ``{{...}}``.

    Renumbering a span leaves this unchanged, so the history follows the span.
    """
    filled, marks = answer_text(text, spans, number)
    out: list[str] = []
    pos = 0
    for start, end in marks:
        out += [filled[pos:start], "{{", filled[start:end], "}}"]
        pos = end
    out.append(filled[pos:])
    return "".join(out)
