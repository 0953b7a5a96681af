"""Where a finding is in its deck file: the ``line:col`` of the card's key, from the YAML nodes.

The loader keeps only each card's own position, so the files with findings
are composed again (PyYAML's safe composer, as the loader does) and each
finding is placed at its field's node: for a block scalar (``|``) at the very
line and column of the text it is about, for other scalars at the value's
start. A file that no longer parses (changed since it was loaded) leaves
findings at their card's position.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from pyflash.core.decks.nodes import MAP, SEQ, Problems
from pyflash.core.decks.sources import DeckReadError, read_deck_bytes
from pyflash.core.decks.yamlread import compose, decode
from pyflash.core.lint.rules import Finding

if TYPE_CHECKING:
    from yaml.nodes import Node

__all__ = ["locate"]


def locate(path: str, findings: Iterable[Finding]) -> list[tuple[int, int, Finding]]:
    """(line, col, finding) for each finding of the file at ``path``."""
    found = list(findings)
    lines, cards = _card_nodes(path)
    placed: list[tuple[int, int, Finding]] = []
    for finding in found:
        card = finding.card
        node = cards[card.position - 1] if 0 < card.position <= len(cards) else None
        where = _place(node, finding, lines) if node is not None else None
        placed.append((*(where or (card.line, card.col)), finding))
    return placed


def _card_nodes(path: str) -> tuple[list[str], list[Node]]:
    """The file's lines and its card nodes (empty when it cannot be read or parsed)."""
    try:
        data = read_deck_bytes(path)
    except DeckReadError:
        return [], []
    problems = Problems(path)
    text = decode(data, problems)
    root = compose(text, problems) if text is not None else None
    if root is None or root.tag != MAP or text is None:
        return [], []
    for key, value in root.value:
        if key.value == "cards" and value.tag == SEQ:
            return text.split("\n"), list(value.value)
    return [], []


def _place(card_node: Node, finding: Finding, lines: list[str]) -> tuple[int, int] | None:
    if card_node.tag != MAP:
        return None
    if not finding.field:
        mark = card_node.start_mark
        return mark.line + 1, mark.column + 1
    for key, value in card_node.value:
        if key.value != finding.field:
            continue
        mark = value.start_mark
        style = getattr(value, "style", None)
        if style in ("|", ">") and finding.line is not None:
            number = mark.line + 1 + finding.line  # 0-based file line of the text's line
            if number < len(lines):
                raw = lines[number]
                text_line = str(value.value).split("\n")[finding.line] if style == "|" else ""
                indent = len(raw) - len(text_line) if text_line and raw.endswith(text_line) else len(raw) - len(
                    raw.lstrip(" ")
                )
                return number + 1, indent + finding.char + 1
            return mark.line + 1, mark.column + 1
        if style in ("|", ">"):
            return mark.line + 2, _indent_of(lines, mark.line + 1) + 1
        quote = 1 if style in ('"', "'") else 0
        offset = finding.char if not finding.line else 0
        return mark.line + 1, mark.column + 1 + quote + offset
    mark = card_node.start_mark
    return mark.line + 1, mark.column + 1


def _indent_of(lines: list[str], number: int) -> int:
    if 0 <= number < len(lines):
        raw = lines[number]
        return len(raw) - len(raw.lstrip(" "))
    return 0
