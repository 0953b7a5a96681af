"""``pyflash check --lint``: warnings about the form of cards, not their validity.

Well-formed cards follow the minimum-information principle: one fact per
card, and a question that does not give its answer away. The rules (see
docs/lint.md for their thresholds and heuristics):

* ``long-line``: a code or output line over 76 display columns (CJK counts 2);
* ``long-answer``: an answer over 12 lines;
* ``leak``: the answer's code or text already stands in the question or its code;
* ``duplicate``: near-duplicate cards across all decks;
* ``multi-question``: a question that asks several things at once.
* ``draft-question``: a question ``pyflash import`` made up (tag ``draft-question``).

A card silences a rule with ``lint: [rule-id]``. Warnings are located at the
``path:line:col`` of the text they are about.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import NamedTuple

from pyflash.core.decks.model import LINT_RULES, Card
from pyflash.core.lint.rules import CARD_RULES, Finding

__all__ = ["LINT_RULES", "LintWarning", "lint_cards"]


class LintWarning(NamedTuple):
    """One warning, at a 1-based line and column (sorts by place)."""

    path: str
    line: int
    col: int
    rule: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.col}: [{self.rule}] {self.message}"


def findings(cards: Sequence[Card]) -> list[Finding]:
    """Every rule's findings on ``cards``, those the cards silence left out (unlocated).

    The cards of one entry (a cloze note's ``#c1``, ``#c2``..., a reverse
    card's ``#r``) share its text: each entry is linted once, as its first card.
    """
    from pyflash.core.lint.similar import near_duplicates  # (the similarity join is the costly part)

    entries = _one_per_entry(cards)
    found: list[Finding] = []
    for card in entries:
        for rule in CARD_RULES:
            found.extend(f for f in rule(card) if f.rule not in card.lint)
    found.extend(near_duplicates(entries))  # (a pair is silenced by either card)
    return found


def _one_per_entry(cards: Sequence[Card]) -> list[Card]:
    seen: set[tuple[str, int]] = set()
    entries: list[Card] = []
    for card in cards:
        place = (card.path, card.position)
        if place not in seen:
            seen.add(place)
            entries.append(card)
    return entries


def lint_cards(cards: Sequence[Card]) -> list[LintWarning]:
    """The lint warnings of ``cards`` (as loaded), located and sorted by path, line and column."""
    from pyflash.core.lint.locate import locate  # (composes YAML again: only when there is something to say)

    by_path: dict[str, list[Finding]] = {}
    for finding in findings(cards):
        by_path.setdefault(finding.card.path, []).append(finding)
    warnings = [
        LintWarning(path, line, col, f.rule, f.message)
        for path, group in by_path.items()
        for line, col, f in locate(path, group)
    ]
    warnings.sort(key=lambda w: (w.path, w.line, w.col, w.rule))
    return warnings


def counts(warnings: Iterable[LintWarning]) -> dict[str, int]:
    """How many warnings of each rule."""
    out = dict.fromkeys(LINT_RULES, 0)
    for warning in warnings:
        out[warning.rule] = out.get(warning.rule, 0) + 1
    return out
