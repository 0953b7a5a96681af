"""Typed answers: compare what the user typed with what the card expects.

Plain data only: the UI styles the segments, it decides nothing.

* :func:`compare_output` (an ``output`` card): a diff at line level across
  lines and at character level within a changed line (``difflib``), and a
  suggested grade.
* :func:`compare_answer` (a q/a card with ``type: true``): one short line,
  compared ignoring case and surrounding spaces, against ``a`` and the card's
  ``accept`` alternatives.

Segments read from the typed text to the expected one: ``delete`` is typed but
not expected, ``insert`` is expected but not typed.

The suggested grade (docs/study.md, "Typing the answer"):

* 5: exact. The text typed is the expected text (a final line break, which no
  one can see in an output, does not count).
* 4: equal once every line's trailing spaces, the kind of line ending
  (``\\r\\n``, ``\\r``) and blank lines at the end are ignored.
* 3: close. Either every line matches once runs of spaces are taken as one
  and spaces around a line are ignored; or the expected output has three lines
  or more, as many lines were typed, and every line but one matches so; or the
  whole text, with runs of spaces taken as one, is within one edit per
  eight characters of the expected one (so an output under eight characters
  has to be right: ``3`` for ``4`` is wrong, not close).
* 1: anything else.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from enum import StrEnum
from typing import TYPE_CHECKING, NamedTuple

from pyflash.core.typable import SHORT_ANSWER, can_type, is_short_answer, width

if TYPE_CHECKING:
    from pyflash.core.decks.model import Card

__all__ = [
    "SHORT_ANSWER",
    "Comparison",
    "DiffLine",
    "Segment",
    "SegmentKind",
    "can_type",
    "check_typed",
    "expected_text",
    "compare_answer",
    "compare_output",
    "is_short_answer",
    "width",
]

EDITS_PER = 8  # "close": one edit allowed per this many characters of the expected text

_SPACES = re.compile(r"[ \t\f\v]+")


class SegmentKind(StrEnum):
    EQUAL = "equal"
    INSERT = "insert"  # expected, missing from what was typed
    DELETE = "delete"  # typed, not expected


class Segment(NamedTuple):
    kind: SegmentKind
    text: str


class DiffLine(NamedTuple):
    """One line of the diff.

    ``kind`` is ``equal`` (typed as expected), ``insert`` (an expected line
    that was not typed), ``delete`` (a typed line that is not expected) or
    ``change`` (a typed line against an expected one: ``segments`` say how).
    """

    kind: str
    segments: tuple[Segment, ...]

    @property
    def typed(self) -> str:
        return "".join(s.text for s in self.segments if s.kind != SegmentKind.INSERT)

    @property
    def expected(self) -> str:
        return "".join(s.text for s in self.segments if s.kind != SegmentKind.DELETE)

    def columns(self) -> tuple[str, str, str]:
        """(typed, expected, marks) aligned by display width, for a ``change`` line.

        A replaced piece takes the width of its wider side on both rows; the
        marks row has ``^`` under every cell that differs (two under a wide
        CJK character), so the diff reads without colour.
        """
        top: list[str] = []
        bottom: list[str] = []
        marks: list[str] = []
        for deleted, inserted, equal in _blocks(self.segments):
            if equal is not None:
                top.append(equal)
                bottom.append(equal)
                marks.append(" " * width(equal))
                continue
            w = max(width(deleted), width(inserted))
            top.append(deleted + " " * (w - width(deleted)))
            bottom.append(inserted + " " * (w - width(inserted)))
            marks.append("^" * w)
        return "".join(top).rstrip(), "".join(bottom).rstrip(), "".join(marks).rstrip()


def _blocks(segments: Sequence[Segment]) -> Iterable[tuple[str, str, str | None]]:
    """(deleted, inserted, None) for each run of changes, ("", "", text) for equal text."""
    deleted = inserted = ""
    for seg in segments:
        if seg.kind == SegmentKind.EQUAL:
            if deleted or inserted:
                yield deleted, inserted, None
                deleted = inserted = ""
            yield "", "", seg.text
        elif seg.kind == SegmentKind.DELETE:
            deleted += seg.text
        else:
            inserted += seg.text
    if deleted or inserted:
        yield deleted, inserted, None


class Comparison(NamedTuple):
    """What was typed against what was expected, and the grade to suggest."""

    typed: str
    expected: str
    grade: int
    verdict: str  # "exact", "whitespace", "close", "wrong"
    lines: tuple[DiffLine, ...]

    @property
    def exact(self) -> bool:
        return self.verdict == "exact"


def _lines(text: str) -> list[str]:
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def _loose(text: str) -> list[str]:
    """Lines without trailing spaces, any line ending, no blank lines at the end."""
    lines = [line.rstrip() for line in _lines(text)]
    while lines and not lines[-1]:
        lines.pop()
    return lines


def _squeezed(line: str) -> str:
    return _SPACES.sub(" ", line).strip()


def edit_distance(a: str, b: str, limit: int) -> int:
    """Levenshtein distance of ``a`` and ``b``, or ``limit + 1`` once it is over ``limit``."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        cur = [i]
        for j, cb in enumerate(b, start=1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        if min(cur) > limit:
            return limit + 1
        prev = cur
    return prev[-1]


def _close_text(typed: str, expected: str) -> bool:
    allowed = len(expected) // EDITS_PER
    return allowed > 0 and edit_distance(typed, expected, allowed) <= allowed


def _verdict(typed: str, expected: str) -> tuple[int, str]:
    if typed.rstrip("\r\n") == expected.rstrip("\r\n"):
        return 5, "exact"
    t, e = _loose(typed), _loose(expected)
    if t == e:
        return 4, "whitespace"
    ts, es = [_squeezed(x) for x in t], [_squeezed(x) for x in e]
    if ts == es:
        return 3, "close"
    if len(es) >= 3 and len(ts) == len(es) and sum(a != b for a, b in zip(ts, es, strict=True)) <= 1:
        return 3, "close"
    if _close_text("\n".join(ts), "\n".join(es)):
        return 3, "close"
    return 1, "wrong"


def _char_diff(typed: str, expected: str) -> tuple[Segment, ...]:
    import difflib  # deferred: start-up time (the loader imports this module; diffs come later)

    out: list[Segment] = []
    matcher = difflib.SequenceMatcher(None, typed, expected, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            out.append(Segment(SegmentKind.EQUAL, typed[i1:i2]))
            continue
        if i2 > i1:
            out.append(Segment(SegmentKind.DELETE, typed[i1:i2]))
        if j2 > j1:
            out.append(Segment(SegmentKind.INSERT, expected[j1:j2]))
    return tuple(out)


def diff_lines(typed: str, expected: str) -> tuple[DiffLine, ...]:
    """The diff of two texts: line level across lines, character level within a changed line."""
    import difflib  # deferred: start-up time (the loader imports this module; diffs come later)

    t, e = _loose(typed), _loose(expected)
    out: list[DiffLine] = []
    matcher = difflib.SequenceMatcher(None, t, e, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            out.extend(DiffLine("equal", (Segment(SegmentKind.EQUAL, line),)) for line in t[i1:i2])
            continue
        pairs = min(i2 - i1, j2 - j1) if op == "replace" else 0
        for k in range(pairs):
            out.append(DiffLine("change", _char_diff(t[i1 + k], e[j1 + k])))
        out.extend(DiffLine("delete", (Segment(SegmentKind.DELETE, line),)) for line in t[i1 + pairs : i2])
        out.extend(DiffLine("insert", (Segment(SegmentKind.INSERT, line),)) for line in e[j1 + pairs : j2])
    return tuple(out)


def compare_output(typed: str, expected: str) -> Comparison:
    """A typed prediction of an ``output`` card against the card's output."""
    grade, verdict = _verdict(typed, expected)
    return Comparison(typed, expected, grade, verdict, diff_lines(typed, expected))


def _unticked(text: str) -> str:
    """An answer without surrounding spaces, nor the backticks of inline code around it."""
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] == "`":
        text = text.strip("`").strip()
    return text


def _plain_answer(text: str) -> str:
    """An answer as compared: no surrounding spaces or `backticks`, case folded, spaces squeezed."""
    return _squeezed(_unticked(text)).casefold()


def compare_answer(typed: str, answer: str, accept: Sequence[str] = ()) -> Comparison:
    """A typed answer of a ``type: true`` card against ``answer`` and its alternatives.

    5 when it equals one of them ignoring case, surrounding spaces (and the
    backticks of inline code); 3 when it is close to one (the edit rule of
    :func:`compare_output`); else 1. The diff is against the closest one.
    """
    import difflib  # deferred: start-up time (the loader imports this module; diffs come later)

    mine = _plain_answer(typed)
    choices = [_unticked(answer), *(_unticked(a) for a in accept)]
    for choice in choices:
        if mine == _plain_answer(choice):
            return Comparison(typed, choice, 5, "exact", diff_lines(typed.strip(), choice))
    best = max(choices, key=lambda c: difflib.SequenceMatcher(None, mine, _plain_answer(c)).ratio())
    close = any(_close_text(mine, _plain_answer(c)) for c in choices)
    grade, verdict = (3, "close") if close else (1, "wrong")
    return Comparison(typed, best, grade, verdict, diff_lines(typed.strip(), best))


def expected_text(card: Card) -> str:
    """What a typed answer of ``card`` is checked against: its output, its answer, or the
    text hidden by its cloze number (one line per span when the number hides several)."""
    if card.output is not None:
        return card.output
    if card.cloze is not None:
        from pyflash.core.decks import cloze  # deferred: start-up time (only for typed cloze cards)

        spans, _ = cloze.parse(card.cloze)
        return "\n".join(s.hidden for s in spans if s.number == card.cloze_number)
    return _unticked(card.a or "")


def check_typed(card: Card, typed: str) -> Comparison:
    """``typed`` against the card's output or cloze text (:func:`compare_output`), or against its
    answer and ``accept`` (a ``type: true`` q/a card, :func:`compare_answer`)."""
    if card.output is not None or card.cloze is not None:
        return compare_output(typed, expected_text(card))
    return compare_answer(typed, card.a or "", card.accept)
