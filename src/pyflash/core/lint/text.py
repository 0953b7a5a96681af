"""Text helpers of the linter: display width, code blocks, normal forms, tokens."""

from __future__ import annotations

import re
import unicodedata
from typing import NamedTuple

__all__ = ["Block", "cell_width", "code_blocks", "normal_code", "normal_text", "prose", "tokens", "wide_at"]

_FENCE = re.compile(r"^[ \t]{0,3}(`{3,}|~{3,})")
_WS = re.compile(r"\s+")
# Tokens for similarity: ASCII words/numbers (lower-cased) and CJK character bigrams.
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*|[0-9]+(?:\.[0-9]+)?")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]+")


def cell_width(text: str) -> int:
    """Display columns of ``text``: East Asian wide/fullwidth count 2, combining marks 0, a tab 4."""
    width = 0
    for ch in text:
        width += _char_width(ch)
    return width


def _char_width(ch: str) -> int:
    if ch < "\u1100":  # (fast path: nothing below U+1100 is wide)
        if ch == "\t":
            return 4
        return 0 if ch >= "\u0300" and unicodedata.combining(ch) else 1
    if unicodedata.combining(ch):
        return 0
    return 2 if unicodedata.east_asian_width(ch) in "WF" else 1


def wide_at(line: str, limit: int) -> int | None:
    """The index of the first character of ``line`` that ends past column ``limit``, or None."""
    if len(line) <= limit // 2 or (line.isascii() and "\t" not in line and len(line) <= limit):
        return None
    width = 0
    for index, ch in enumerate(line):
        width += _char_width(ch)
        if width > limit:
            return index
    return None


class Block(NamedTuple):
    """A fenced code block of a Markdown text: its first line's index in the text, and its code."""

    start: int  # 0-based index in the text's lines of the block's first code line
    lines: list[str]


def code_blocks(markdown: str) -> list[Block]:
    """The fenced code blocks of ``markdown`` (an unclosed fence runs to the end)."""
    blocks: list[Block] = []
    fence: str | None = None
    current: list[str] = []
    start = 0
    for index, line in enumerate(markdown.split("\n")):
        match = _FENCE.match(line)
        if fence is None:
            if match:
                fence, current, start = match.group(1), [], index + 1
        elif match and match.group(1)[0] == fence[0] and len(match.group(1)) >= len(fence) and not line.strip(
        )[len(match.group(1)):].strip():
            blocks.append(Block(start, current))
            fence = None
        else:
            current.append(line)
    if fence is not None:
        blocks.append(Block(start, current))
    return blocks


def prose(markdown: str) -> str:
    """``markdown`` without its fenced code blocks."""
    out: list[str] = []
    fence: str | None = None
    for line in markdown.split("\n"):
        match = _FENCE.match(line)
        if fence is None:
            if match:
                fence = match.group(1)
            else:
                out.append(line)
        elif match and match.group(1)[0] == fence[0] and len(match.group(1)) >= len(fence):
            fence = None
    return "\n".join(out)


def normal_code(text: str) -> str:
    """Code compared for leaks: each line stripped, whitespace runs folded, blank lines dropped."""
    lines = (_WS.sub(" ", line).strip() for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


_DROP = str.maketrans("", "", "`*_#>|~")


def normal_text(text: str) -> str:
    """Prose compared for leaks and similarity: backticks and emphasis marks (``*_#>|~``)
    dropped, whitespace folded, case-folded."""
    return " ".join(text.translate(_DROP).split()).casefold()


def tokens(text: str) -> set[str]:
    """The token set of a card's text for near-duplicate search: lower-cased ASCII
    words and numbers, and the bigrams of each run of CJK characters."""
    out = {m.lower() for m in _WORD.findall(text)}
    for run in _CJK.findall(text):
        if len(run) == 1:
            out.add(run)
        else:
            out.update(run[i : i + 2] for i in range(len(run) - 1))
    return out
