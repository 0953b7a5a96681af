"""duplicate: near-duplicate cards across all decks, found without comparing every pair.

Two cards are near-duplicates when either holds:

* **the same question and answer, nearly**: the Jaccard similarity of the
  character 3-grams of their question side (``q`` + ``code``) and that of
  their answer side (``a``, or ``output`` for an output card) are both at
  least :data:`THRESHOLD`. Texts are normalised first (inline-code backticks
  and emphasis dropped, whitespace folded, case-folded). Candidates come from a
  prefix-filtering similarity join: each card's 3-grams are sorted rarest
  first and only the first ``n - ceil(THRESHOLD * n) + 1`` are indexed, which
  provably finds every pair at or above the threshold, and a positional
  filter (PPJoin) drops most candidates; only the rest are compared exactly.
* **the same code terms asked about**: two q/a cards whose questions name the
  same two or more `code` spans (normalised) and whose answers share at least
  :data:`TERMS_ANSWER_THRESHOLD` of their 3-grams (the same comparison asked in
  other words, e.g. two cards on `nn.BCELoss` vs `nn.BCEWithLogitsLoss`).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterator, Sequence
from itertools import chain

from pyflash.core.decks.model import Card
from pyflash.core.lint.rules import Finding
from pyflash.core.lint.text import normal_text

__all__ = ["TERMS_ANSWER_THRESHOLD", "THRESHOLD", "near_duplicates", "similarity"]

THRESHOLD = 0.7
TERMS_ANSWER_THRESHOLD = 0.25
_N = 3
_SPAN = re.compile(r"`([^`\n]+)`")


def _grams(text: str) -> frozenset[str]:
    text = normal_text(text)
    if len(text) <= _N:
        return frozenset((text,)) if text else frozenset()
    return frozenset(text[i : i + _N] for i in range(len(text) - _N + 1))


def _question(card: Card) -> str:
    return card.q + "\n" + (card.code or card.cloze or "")  # (a cloze's text is its code)


def _answer(card: Card) -> str:
    return card.output if card.output is not None else (card.a or "")


def _jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    if not a or not b:
        return 0.0
    inter = len(a & b)
    return inter / (len(a) + len(b) - inter)


def similarity(one: Card, other: Card) -> tuple[float, float]:
    """(question-side, answer-side) Jaccard similarity of two cards' 3-grams."""
    return (
        _jaccard(_grams(_question(one)), _grams(_question(other))),
        _jaccard(_grams(_answer(one)), _grams(_answer(other))),
    )


def near_duplicates(cards: Sequence[Card]) -> Iterator[Finding]:
    """One finding per near-duplicate pair, on the later card (in ``cards`` order), naming the earlier.

    A pair is left out when either card has ``lint: [duplicate]``.
    """
    questions = [_grams(_question(c)) for c in cards]
    answers: list[frozenset[str] | None] = [None] * len(cards)

    def answer(i: int) -> frozenset[str]:
        found = answers[i]
        if found is None:
            found = answers[i] = _grams(_answer(cards[i]))
        return found

    reported: set[tuple[int, int]] = set()
    for i, j in _candidates(questions):
        if _jaccard(questions[i], questions[j]) >= THRESHOLD:
            sim = _jaccard(answer(i), answer(j))
            if sim >= THRESHOLD:
                reported.add((i, j))
    for i, j in _same_terms(cards):
        if (i, j) not in reported and _jaccard(answer(i), answer(j)) >= TERMS_ANSWER_THRESHOLD:
            reported.add((i, j))
    for i, j in sorted(reported, key=lambda p: (p[1], p[0])):
        first, later = cards[i], cards[j]
        if "duplicate" in first.lint or "duplicate" in later.lint:
            continue  # either card of the pair silences it
        q_sim, a_sim = similarity(first, later)
        name = f"'{first.id}'" if first.id else f"{first.position}"
        yield Finding(
            later, "duplicate", "", None, 0,
            f"near-duplicate of card {name} at {first.path}:{first.line} "
            f"with a {q_sim:.0%} similar question and a {a_sim:.0%} similar answer (merge them into one "
            "card, keeping the id that has the history, or make each ask a different fact)",
        )


def _candidates(sets: list[frozenset[str]]) -> Iterator[tuple[int, int]]:
    """Index pairs (i < j) that may reach THRESHOLD: a prefix-filtering join (PPJoin).

    Every set is sorted by one global order (rarest 3-gram first). Two sets
    with Jaccard >= t share at least ``alpha = ceil(t / (1 + t) * (|x| + |y|))``
    3-grams, so they share one among the first ``|x| - ceil(t * |x|) + 1`` of
    each (the prefixes, the only part indexed); and when the k-th shared
    prefix 3-gram sits at positions i and j, at most ``min(|x| - i, |y| - j)``
    more can follow, which prunes most pairs before any set is compared.
    """
    frequency = Counter(chain.from_iterable(sets))
    rank = {g: r for r, g in enumerate(sorted(frequency, key=frequency.__getitem__))}
    sizes = [len(s) for s in sets]
    order = sorted((i for i, s in enumerate(sets) if s), key=sizes.__getitem__)
    index: dict[int, list[tuple[int, int]]] = {}
    t = THRESHOLD
    share = t / (1 + t)
    for i in order:
        size = sizes[i]
        ranks = sorted(map(rank.__getitem__, sets[i]))
        smallest = t * size
        overlap: dict[int, int] = {}
        for position, gram in enumerate(ranks[: size - math.ceil(t * size) + 1]):
            bucket = index.get(gram)
            if bucket is None:
                index[gram] = [(i, position)]
                continue
            for j, other_position in bucket:
                other = sizes[j]
                if other < smallest:
                    continue
                seen = overlap.get(j, 0)
                if seen < 0:
                    continue  # already pruned
                left = size - position
                if other - other_position < left:
                    left = other - other_position
                if seen + left >= share * (size + other) - 1e-9:  # (alpha, before rounding up)
                    overlap[j] = seen + 1
                else:
                    overlap[j] = -1
            bucket.append((i, position))
        for j, seen in overlap.items():
            if seen > 0:
                yield (min(i, j), max(i, j))


def _same_terms(cards: Sequence[Card]) -> Iterator[tuple[int, int]]:
    """Pairs of q/a cards whose questions name the same two or more code spans."""
    groups: dict[frozenset[str], list[int]] = {}
    for i, card in enumerate(cards):
        if card.output is not None or "`" not in card.q:
            continue
        terms = frozenset(normal_text(s) for s in _SPAN.findall(card.q))
        if len(terms) >= 2:
            groups.setdefault(terms, []).append(i)
    for members in groups.values():
        for k, i in enumerate(members):
            for j in members[k + 1 :]:
                yield (i, j)
