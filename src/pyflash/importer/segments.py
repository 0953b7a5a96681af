"""Which prose goes with which code block, and what the notes offer as a question.

* Prose before the first code block of a heading goes with it. Between two
  code blocks, a paragraph ending with a colon leads into the next block (and
  so does a short label that is no sentence, just before it); any other
  paragraph is a remark on the block above. Nothing is dropped.
* :func:`lead_question` turns the label before a block into a question.
* :func:`is_byline` recognises a byline (a short line with a name or a date).
* :func:`prose` joins blocks so that two lists stay two lists.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from pyflash.importer.markdown import Block, BlockKind

__all__ = ["NUMBER_WORDS", "Segment", "is_byline", "lead_question", "prose", "segments"]


_BULLET = re.compile(r"^([-*+])( |$)")
_ORDERED = re.compile(r"^(\d{1,9})([.)])( |$)")
_OTHER_BULLET = {"-": "*", "*": "+", "+": "-"}


def _list_mark(text: str) -> tuple[str, str] | None:
    """("bullet", "-") or ("ordered", ".") when ``text`` starts with a list."""
    m = _BULLET.match(text)
    if m:
        return "bullet", m.group(1)
    m = _ORDERED.match(text)
    return ("ordered", m.group(2)) if m else None


def _relist(text: str, kind: str, mark: str) -> str:
    """``text`` (a list) with other top-level markers, so it stays a list of its own."""
    if kind == "bullet":
        new = _OTHER_BULLET[mark]
        return "\n".join(_BULLET.sub(lambda m: new + m.group(2), ln) for ln in text.split("\n"))
    new = ")" if mark == "." else "."
    return "\n".join(_ORDERED.sub(lambda m: m.group(1) + new + m.group(3), ln) for ln in text.split("\n"))


def prose(blocks: Sequence[Block]) -> str:
    """The blocks' text, one after the other. Two lists that were apart in the
    notes (a code block between them) stay two lists: the second one gets
    other markers (``*`` after ``-``), as one list would render otherwise."""
    texts: list[str] = []
    previous: tuple[str, str] | None = None
    for block in blocks:
        text = block.text
        mark = _list_mark(text)
        if mark is not None and previous is not None and mark == previous:
            text = _relist(text, *mark)
            mark = _list_mark(text)
        texts.append(text)
        previous = mark
    return "\n\n".join(texts).strip()


@dataclass(frozen=True, slots=True)
class Segment:
    """What one card is made of: prose, and the code block it explains (if any)."""

    prose: tuple[Block, ...]
    code: Block | None
    lead: Block | None = None  # the paragraph ending with ':' that introduces the code


def segments(blocks: Sequence[Block]) -> tuple[list[Segment], bool]:
    """One segment per non-empty code block, else one for the prose.

    Prose before the first code block goes with it. Between two code blocks,
    prose from the first paragraph ending with a colon on leads into the next
    block; the prose before it is a remark on the block above. Prose after
    the last code block is a remark on it. Also whether any code block was empty.
    """
    segments: list[Segment] = []
    pending: list[Block] = []
    empty_code = False
    for block in blocks:
        if block.kind == BlockKind.PROSE:
            pending.append(block)
        elif block.text.strip():
            if segments:
                cut = next((i for i, b in enumerate(pending) if b.leads_in), len(pending))
                if cut == len(pending) and pending and pending[-1].caption:
                    cut -= 1  # a label just before the code names it
                if cut:
                    last = segments[-1]
                    segments[-1] = Segment(last.prose + tuple(pending[:cut]), last.code, last.lead)
                pending = pending[cut:]
            lead = next((b for b in pending if b.leads_in), pending[-1] if pending else None)
            segments.append(Segment(tuple(pending), block, lead))
            pending = []
        else:
            empty_code = True
    if pending:
        if segments:
            last = segments[-1]
            segments[-1] = Segment(last.prose + tuple(pending), last.code, last.lead)
        else:
            segments.append(Segment(tuple(pending), None))
    if not segments:  # only empty code fences
        segments.append(Segment((), None))
    return segments, empty_code


NUMBER_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")
_MARKERS = re.compile(r"^(?:\s*(?:[-*+]|\d+[.)]|>)\s+)+")


def lead_question(block: Block | None) -> str | None:
    """A short question from the label just before a code block.

    "Sort by column:" -> "Sort by column"; a list's last line when it is a
    short label and no sentence ("- 按行排序"); else None.
    """
    if block is None:
        return None
    if block.caption:
        return block.caption
    line = block.text.rstrip().rsplit("\n", 1)[-1]
    text = _MARKERS.sub("", line).replace("**", "").strip().rstrip(":\uff1a").strip()
    if not text or len(text) > 40 or text.count("`") % 2 or "](" in text or "://" in text:
        return None
    if text.endswith((".", "\u3002", "!", "\uff01", "?", "\uff1f", ";", "\uff1b")):
        return None
    return text


_BYLINE = re.compile(
    r"\b(?:19|20)\d{2}\s*[-/.年]\s*\d{1,2}|\b(?:by|author|written|posted|updated|published|last modified)\b"
    r"|\bmin(?:ute)?s? read\b|作者|\b(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.? \d{1,2},? \d{4}",
    re.I,
)


# A name alone ("Jane Doe", "*J. R. Smith*"): two to four capitalised words.
_NAME = re.compile(r"[A-Z][\w'.-]*(?: [A-Z][\w'.-]*){1,3}")


def is_byline(block: Block, first: bool = False) -> bool:
    """One short line with a name or a date, and no question in it.

    A name alone counts only as the ``first`` block under the title.
    """
    text = block.text.strip()
    if block.kind != BlockKind.PROSE or "\n" in text or len(text) > 100:
        return False
    if re.search(r"[?？]", text) or block.leads_in:
        return False
    bare = re.sub(r"[*_~`]", "", text).strip()
    return bool(_BYLINE.search(text)) or (first and bool(_NAME.fullmatch(bare)))
