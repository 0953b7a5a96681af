"""A cached deck file's cards are decoded one by one (a study session shows one card of a file at a time)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from conftest import write_deck
from pyflash import paths
from pyflash.core.decks import cache
from pyflash.core.decks.loader import explicit_sources, load_decks
from pyflash.core.decks.model import Card
from pyflash.core.review.results import QueueItem
from pyflash.core.scheduling.states import QueueKind

DECK = "deck: C\ncards:\n" + "".join(f"  - q: question {n}\n    a: answer {n}\n" for n in range(5))


def load(path: Path):
    (file,) = load_decks(explicit_sources([path]), cache_dir=paths.deck_cache_dir()).files
    return file


@pytest.fixture
def deck(tmp_path):
    path = write_deck(tmp_path, "c.yaml", DECK)
    expected = list(load(path).cards)  # parsed, and the cache written
    return path, expected


@pytest.fixture
def makes(monkeypatch):
    """How many cards were built (decoded) from the cache."""
    made = []
    plain = Card._make

    def counting(row):
        made.append(row[0])
        return plain(row)

    monkeypatch.setattr(Card, "_make", counting)
    return made


def test_one_card_is_decoded_without_the_rest_of_its_file(deck, makes):
    path, expected = deck
    file = load(path)
    assert file.card(3) == expected[3]
    assert makes == [expected[3].key]
    assert QueueItem.later(file, 1, QueueKind.NEW).card == expected[1]  # what a session shows
    assert len(makes) == 2
    assert list(file.cards) == expected  # all of them, once asked for
    assert len(makes) == 2 + len(expected)
    assert file.card(4) is file.cards[4]  # from then on, from the decoded list
    assert len(makes) == 2 + len(expected)


@pytest.mark.parametrize("damage", ["body", "rows"])
def test_a_damaged_entry_read_card_by_card_is_parsed_again_and_rebuilt(deck, damage, monkeypatch):
    path, expected = deck
    (entry,) = list((Path(os.environ["PYFLASH_HOME"]) / "cache" / "decks").glob("*.bin"))
    if damage == "body":
        entry.write_bytes(entry.read_bytes()[:-5] + b"XXXXX")  # fails its checksum
    file = load(path)
    if damage == "rows":  # a sound body whose cards are not the head's keys (as a bug would write it)
        rows = file._decode_one.__self__.rows()
        rows[0], rows[1] = rows[1], rows[0]
    parsed = []
    parse = cache.parse_deck_file
    monkeypatch.setattr(cache, "parse_deck_file", lambda *a, **k: parsed.append(1) or parse(*a, **k))
    assert file.card(1) == expected[1]
    assert parsed == [1]
    assert list(file.cards) == expected
    monkeypatch.setattr(cache, "parse_deck_file", lambda *a, **k: pytest.fail("parsed again"))
    assert load(path).card(2) == expected[2]  # rebuilt: trusted again
