"""The queue stops asking the limits once the broadest one is full, and notes the same held-back counts."""

from __future__ import annotations

import pytest

from pyflash.core.config import Config, DeckLimit
from pyflash.core.review.queue import NEW, Limits, within


class File:
    def __init__(self, deck: str) -> None:
        self.deck = deck


DECKS = ["A", "A::x", "B", "C::y::z"]
PICKS = [(File(DECKS[i % len(DECKS)]), i, "new") for i in range(60)]


def naive(limits: Limits) -> list:
    return [p for p in PICKS if limits.take(p[0].deck)]


@pytest.mark.parametrize(
    ("config", "studied", "selected", "override"),
    [
        (Config(new_per_day=5), {}, None, None),
        (Config(new_per_day=0), {}, None, None),
        (Config(new_per_day=7), {"A": 3, "B": 4}, None, None),
        (Config(new_per_day=100, deck_limits=(DeckLimit("A", new_per_day=2),)), {}, None, None),
        (Config(new_per_day=9, deck_limits=(DeckLimit("B", new_per_day=1),)), {"A::x": 1}, None, None),
        (Config(new_per_day=5), {}, "A", None),
        (Config(new_per_day=5, deck_limits=(DeckLimit("A", new_per_day=1),)), {}, "A", None),
        (Config(new_per_day=5), {}, None, 3),
        (Config(new_per_day=5), {}, "A", 4),
        (Config(new_per_day=1000), {}, None, None),
    ],
)
def test_within_takes_and_holds_what_asking_every_card_does(config, studied, selected, override):
    def fresh() -> Limits:
        return Limits(NEW, config, studied, sum(studied.values()), selected, override)

    expected_limits, limits = fresh(), fresh()
    expected = naive(expected_limits)
    assert within(iter(PICKS), limits, len(PICKS)) == expected
    assert limits.held == expected_limits.held
    assert limits.holding() == expected_limits.holding()
    for deck in [*DECKS, "A::x::new", "D"]:  # what is left for each deck (the rest of a session, the picker's counts)
        assert limits.cap(deck) == expected_limits.cap(deck)
        assert limits.deck_room(deck) == expected_limits.deck_room(deck)
    assert limits.cap(None) == expected_limits.cap(None)
