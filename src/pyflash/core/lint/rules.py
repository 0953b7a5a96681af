"""The one-card rules of ``pyflash check --lint`` (near-duplicates are in :mod:`.similar`).

Each rule looks at one card and yields :class:`Finding` s: which field of the
card, which line of that field (0-based, or None for the whole field) and which
character of that line, so that :mod:`.locate` can turn them into the deck
file's ``line:col``. The thresholds are documented in docs/lint.md.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import NamedTuple

from pyflash.core.decks.model import Card
from pyflash.core.lint.text import cell_width, code_blocks, normal_code, normal_text, prose, wide_at

__all__ = [
    "CARD_RULES",
    "LEAK_MIN_CHARS",
    "MAX_ANSWER_LINES",
    "MAX_COLUMNS",
    "Finding",
    "leak",
    "long_answer",
    "long_line",
    "draft_question",
    "multi_question",
]

MAX_COLUMNS = 76  # a code or output line wider than this (in display columns) wraps in an 80-column card
MAX_ANSWER_LINES = 12  # an answer longer than this teaches more than one fact
LEAK_MIN_CHARS = 8  # a normalised answer shorter than this may well appear in its question by chance
LEAK_MIN_LINES = 2  # ...and an answer's code of fewer lines than this is judged as a whole
LEAK_LINE_SHARE = 0.8  # share of the answer's code lines already in the question's code that makes a leak


class Finding(NamedTuple):
    """One warning about one card, before it is located in its file."""

    card: Card
    rule: str
    field: str  # the card key it is about: "q", "a", "code", "output" (or "" for the card as a whole)
    line: int | None  # 0-based line of that field's text, None for the field's start
    char: int  # 0-based character of that line
    message: str


def long_line(card: Card) -> Iterator[Finding]:
    """long-line: a line of ``code``/``output``, or of a fenced block in ``q``/``a``/``note``, over 76 columns."""
    for field in ("q", "code", "output", "a", "note", "cloze"):
        text: str | None = getattr(card, field, None)
        if not text:
            continue
        if field == "cloze":
            text = _cloze_shown(text)
        if field in ("code", "output") or (field == "cloze" and not code_blocks(text)):
            numbered: Iterator[tuple[int, str]] = enumerate(text.split("\n"))
        else:
            numbered = ((b.start + i, line) for b in code_blocks(text) for i, line in enumerate(b.lines))
        what = {"code": "`code`", "output": "`output`", "cloze": "`cloze`"}.get(field, f"a code block in `{field}`")
        for number, line in numbered:
            index = wide_at(line, MAX_COLUMNS)
            if index is not None:
                if field == "cloze":
                    index = 0  # (the markers make the written line longer than the shown one)
                fix = (
                    "shorten the code that prints it" if field == "output"
                    else "wrap it, e.g. break inside brackets, or use shorter names"
                )
                yield Finding(
                    card, "long-line", field, number, index,
                    f"line {number + 1} of {what} is {cell_width(line.rstrip())} columns wide, "
                    f"over {MAX_COLUMNS} ({fix})",
                )


_CLOZE = re.compile(r"\{\{c\d+::((?:(?!\{\{|\}\}).)*?)(?:::(?:(?!\{\{|\}\}).)*?)?\}\}", re.S)


def _cloze_shown(text: str) -> str:
    """A cloze text as its answer shows it: every span filled in, the markers gone."""
    previous = None
    while previous != text:  # (innermost first, for nested spans)
        previous, text = text, _CLOZE.sub(r"\1", text)
    return text


def long_answer(card: Card) -> Iterator[Finding]:
    """long-answer: an ``a`` (or an ``output``) of more than 12 lines, blank lines at the ends not counted."""
    for field in ("a", "output"):
        text: str | None = getattr(card, field)
        if not text:
            continue
        lines = text.split("\n")
        first = next((i for i, line in enumerate(lines) if line.strip()), 0)
        last = max((i for i, line in enumerate(lines) if line.strip()), default=0)
        count = last - first + 1
        if count > MAX_ANSWER_LINES:
            what = "answer" if field == "a" else "output"
            fix = (
                "trim it to the fact the card teaches; move the rest to `note:` or to cards of its own"
                if field == "a"
                else "print less, or split the snippet into cards"
            )
            yield Finding(
                card, "long-answer", field, first + MAX_ANSWER_LINES, 0,
                f"the {what} is {count} lines long, over {MAX_ANSWER_LINES} ({fix})",
            )


_COMMENT = re.compile(r"(?:#|//|--)\s*(.*)$")


def leak(card: Card) -> Iterator[Finding]:
    """leak: the answer (its code, its text, or an output) already stands in the question or its code."""
    asked_code = "\n".join(
        [card.code or ""] + ["\n".join(b.lines) for b in code_blocks(card.q)]
    )
    asked = normal_code(asked_code)
    asked_text = normal_text(card.q) + "\n" + normal_text(asked_code)
    if card.output is not None:
        yield from _output_leak(card, asked, asked_code)
    if not card.a:
        return
    blocks = code_blocks(card.a)
    for block in blocks:
        code = normal_code("\n".join(block.lines))
        if not code:
            continue
        lines = [line for line in code.split("\n") if len(line) >= 4 and not _COMMENT.match(line)]
        asked_lines = set(asked.split("\n"))
        whole = len(code) >= LEAK_MIN_CHARS and code in asked
        shared = sum(line in asked_lines for line in lines)
        if whole or (len(lines) >= LEAK_MIN_LINES and shared >= LEAK_LINE_SHARE * len(lines)):
            yield Finding(
                card, "leak", "a", block.start, 0,
                "the answer's code is already in the question's code (ask about what it does, "
                "or show less code in the question)",
            )
            return
    text = normal_text(prose(card.a))
    if len(text) >= LEAK_MIN_CHARS and text in asked_text:
        yield Finding(
            card, "leak", "a", None, 0,
            "the answer's text already stands in the question (reword the question so it does not give the answer)",
        )


def _output_leak(card: Card, asked: str, asked_code: str) -> Iterator[Finding]:
    output = normal_code(card.output or "")
    if not output:
        return
    if len(output) >= LEAK_MIN_CHARS and output in asked:
        where = "in the code"
    elif "\n" not in output and (f'"{output}"' in asked_code or f"'{output}'" in asked_code):
        where = "in the code, as a string literal"
    else:
        hit = "\n" not in output and any(
            _has_word(m.group(1), output) for line in asked_code.split("\n") if (m := _COMMENT.search(line))
        )
        if not hit:
            return
        where = "in a comment of the code"
    yield Finding(
        card, "leak", "output", None, 0,
        f"the output already stands {where} (remove it from the code, or print something the reader must work out)",
    )


def _has_word(text: str, word: str) -> bool:
    """Whether ``word`` stands in ``text`` with no letter, digit, ``_`` or ``.`` right before or after it."""
    start = text.find(word)
    while start >= 0:
        end = start + len(word)
        before = text[start - 1] if start else " "
        after = text[end] if end < len(text) else " "
        if not (before.isalnum() or before in "_.") and not (after.isalnum() or after in "_."):
            return True
        start = text.find(word, start + 1)
    return False


# Interrogatives: two of them joined by one of _JOINS ask two things.
_ASKS = re.compile(
    r"什么|怎么|怎样|如何|为什么|为何|哪[个些种里一]|多少|是否|几[个种次层维]|吗"
    r"|\b(?:what|how|why|which|when|where|who|whom|whose|does|do|is|are|can)\b",
    re.IGNORECASE,
)
_JOINS = re.compile(r"以及|并且|另外|同时|还有|；|;|\band\b|\balso\b", re.IGNORECASE)
_MARKS = re.compile(r"[?？]")
_SPANS = re.compile(r"`[^`\n]*`|\"[^\"\n]*\"|“[^”\n]*”|'[^'\n]*'")


def multi_question(card: Card) -> Iterator[Finding]:
    """multi-question: two questions (two ``?`` ending non-empty clauses), or two interrogatives
    joined by 以及/并且/另外/同时/还有/；/and/also. Code, quotes and inline code are ignored."""
    text = _SPANS.sub("X", prose(card.q))
    clauses = [c for c in _MARKS.split(text)[:-1] if re.search(r"\w", c)]
    if len(clauses) >= 2:
        yield Finding(
            card, "multi-question", "q", None, 0,
            f"the question asks {len(clauses)} things, with {len(clauses)} question marks "
            "(ask one thing per card: split it, the main fact keeping the id)",
        )
        return
    for join in _JOINS.finditer(text):
        before, after = text[: join.start()], text[join.end() :]
        if _ASKS.search(before) and _ASKS.search(after) and _is_question(before):
            yield Finding(
                card, "multi-question", "q", None, 0,
                f"the question joins two questions with '{join.group(0)}' "
                "(ask one thing per card: split it, the main fact keeping the id)",
            )
            return


def _is_question(before: str) -> bool:
    """Whether the text before a join holds a Chinese interrogative, or an English one that opens a clause."""
    found = _ASKS.search(before)
    if found is None:
        return False
    word = found.group(0)
    return not word.isascii() or word.lower() in {"what", "how", "why", "which", "when", "where", "who"}


DRAFT_QUESTION_TAG = "draft-question"  # what `pyflash import` tags a question it had to make up


def draft_question(card: Card) -> Iterator[Finding]:
    """draft-question: the card still has the tag `pyflash import` gives a question it made up."""
    if DRAFT_QUESTION_TAG in card.tags:
        yield Finding(
            card, "draft-question", "q", None, 0,
            "the importer made this question up from what the card shows (write the question the "
            "notes answer, then drop the tag draft-question)",
        )


CARD_RULES: tuple[Callable[[Card], Iterator[Finding]], ...] = (
    long_line, long_answer, leak, multi_question, draft_question,
)
