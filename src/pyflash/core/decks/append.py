"""Where a new card goes in a deck file's text, and the text that goes there.

Only text is *inserted*: every byte the file had stays as it was (comments,
order, quoting, line endings). The place is found from the YAML node tree:

* a block list (``cards:`` then ``- q: ...`` items): after its last item,
  before any comment or blank lines that follow it, even when other keys
  come after ``cards:``; the item is indented like the last one;
* a flow list (``cards: []`` or ``cards: [{q: ..., a: ...}]``): a flow
  mapping inserted before the ``]``;
* an empty ``cards:``: a block list on the lines after it.

The caller reads the whole new text back with the deck loader before writing
it (:mod:`pyflash.core.decks.add`).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, NamedTuple

from pyflash.core.decks.emit import CardFields, block_item, flow_item
from pyflash.core.decks.nodes import MAP, NULL, SEQ, Problems
from pyflash.core.decks.yamlread import compose
from pyflash.core.errors import PyflashError

if TYPE_CHECKING:
    from yaml.nodes import Node

__all__ = ["Insertion", "place_card"]

_DASH = re.compile(r"( *)-([ \t]+)$")


class Insertion(NamedTuple):
    """``text`` goes at character ``at`` of the file's text (after its byte-order mark)."""

    at: int
    text: str


def _flow(node: Node) -> bool:
    return bool(getattr(node, "flow_style", False))


def _last_end(node: Node) -> int:
    """The index just after the last character that belongs to ``node``."""
    if node.tag == MAP and node.value and not _flow(node):
        return _last_end(node.value[-1][1])
    if node.tag == SEQ and node.value and not _flow(node):
        return _last_end(node.value[-1])
    return int(node.end_mark.index)


def _line_start(text: str, index: int) -> int:
    return text.rfind("\n", 0, index) + 1


def _skippable(line: str) -> bool:
    stripped = line.strip()
    return not stripped or stripped.startswith("#") or stripped == "..."


def _back_over_comments(text: str, candidate: int, bound: int) -> int:
    """Move ``candidate`` (a line start, or the end) back over blank and comment
    lines, but never into the line where ``bound`` is."""
    if bound == 0 or text[bound - 1] == "\n":
        floor = bound
    else:
        newline = text.find("\n", bound)
        floor = len(text) if newline == -1 else newline + 1
    pos = candidate
    while pos > floor:
        end = pos if pos == len(text) and not text.endswith("\n") else pos - 1
        start = _line_start(text, end)
        if start < floor or not _skippable(text[start:end]):
            break
        pos = start
    return pos


def place_card(text: str, fields: CardFields, *, where: str, quote_all: bool = False) -> Insertion:
    """Where and what to insert in ``text`` (a valid deck file) for a card with ``fields``.

    ``where`` names the file in errors. Raises PyflashError when the file's
    ``cards:`` cannot take a card by insertion alone (``cards: ~``).
    """
    problems = Problems(where)
    root = compose(text, problems)  # the deck loader's own composer: its marks count characters
    if problems.errors:
        raise PyflashError(str(problems.errors[0]))
    if root is None or root.tag != MAP:
        raise PyflashError(f"{where}: not a deck file (a mapping with `cards:`)")
    pairs = root.value
    index = next((i for i, (k, _) in enumerate(pairs) if k.value == "cards"), None)
    if index is None:
        raise PyflashError(f"{where}: the deck has no `cards:` list")
    key, cards = pairs[index]
    newline = "\r\n" if "\r\n" in text else "\n"
    if cards.tag == SEQ and _flow(cards):
        return _into_flow(text, cards, fields, where)
    if cards.tag == SEQ and cards.value:
        following = pairs[index + 1][0] if index + 1 < len(pairs) and not _flow(root) else None
        return _after_last_item(text, cards, following, fields, newline, quote_all)
    if cards.tag == NULL and cards.start_mark.index == cards.end_mark.index and not _flow(root):
        return _new_list(text, key, fields, newline, quote_all)
    mark = cards.start_mark
    raise PyflashError(
        f"{where}:{mark.line + 1}:{mark.column + 1}: `cards:` holds no list to add to "
        "(write `cards:` alone on its line, or add the first card by hand)"
    )


def _after_last_item(
    text: str, cards: Node, following: Node | None, fields: CardFields, newline: str, quote_all: bool
) -> Insertion:
    last = cards.value[-1]
    start = last.start_mark.index
    line_start = _line_start(text, start)
    dash_match = _DASH.match(text[line_start:start])
    if dash_match is not None and last.tag == MAP and not _flow(last):
        dash = text[line_start:start]
        key_indent = start - line_start
    else:  # an item not on the dash's line: indent like the list, two more for the keys
        column = cards.start_mark.column
        dash = " " * column + "- "
        key_indent = column + 2
    candidate = _line_start(text, following.start_mark.index) if following is not None else len(text)
    at = _back_over_comments(text, candidate, _last_end(last))
    item = block_item(fields, dash=dash, key_indent=key_indent, newline=newline, quote_all=quote_all)
    before = ""
    if at == len(text) and text and not text.endswith("\n"):
        before = newline
    if len(cards.value) > 1 and _blank_line_before(text, line_start) and not _blank_line_before(text, at):
        before += newline  # the items are kept apart by a blank line: so is this one
    return Insertion(at, before + item)


def _blank_line_before(text: str, line_start: int) -> bool:
    """True when the line before the one starting at ``line_start`` is blank."""
    if line_start == 0 or line_start == len(text) and not text.endswith("\n"):
        return False
    previous = _line_start(text, line_start - 1)
    return not text[previous : line_start - 1].strip()


def _new_list(text: str, key: Node, fields: CardFields, newline: str, quote_all: bool) -> Insertion:
    """``cards:`` with nothing after it: the card as a block list on the next line."""
    end = text.find("\n", key.end_mark.index)
    column = key.start_mark.column + 2
    item = block_item(fields, dash=" " * column + "- ", key_indent=column + 2, newline=newline, quote_all=quote_all)
    if end == -1:
        return Insertion(len(text), newline + item)
    return Insertion(end + 1, item)


def _into_flow(text: str, cards: Node, fields: CardFields, where: str) -> Insertion:
    """A flow list: the card as a flow mapping before its ``]``."""
    close = cards.end_mark.index - 1
    if close < 0 or text[close] != "]":
        mark = cards.start_mark
        raise PyflashError(f"{where}:{mark.line + 1}:{mark.column + 1}: cannot find the end of the `cards: [...]` list")
    item = flow_item(fields)
    if not cards.value:
        return Insertion(close, item)
    before = text[:close].rstrip()
    sep = " " if before.endswith(",") else ", "
    return Insertion(close, sep + item)
