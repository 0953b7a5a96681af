"""The render cache also keeps each note's Key field (with its JSON payload), GUID and content digest.

An unchanged card costs a lookup on a re-export; the package is the same as one built without the cache.
"""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from conftest import ROOT
from pyflash.core.decks.loader import explicit_sources, load_decks
from pyflash.export.anki import package as ax
from pyflash.export.render import RenderCache

NOW = 1_800_000_000
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)


def _export(cards, out: Path, cache: RenderCache) -> None:
    ax.export_anki(cards, out, force=True, ledger=ax.MtimeLedger(None), cache=cache, now=NOW)


@pytest.fixture(scope="module")
def bundled():
    return load_decks(explicit_sources([str(ROOT / "decks")])).cards[:120]


def test_unchanged_cards_are_not_encoded_again(bundled, tmp_path, monkeypatch):
    path = tmp_path / "render.bin"
    first, second, fresh = tmp_path / "a.apkg", tmp_path / "b.apkg", tmp_path / "c.apkg"
    _export(bundled, first, RenderCache(path))
    calls = []
    real = ax.encode_key_field
    monkeypatch.setattr(ax, "encode_key_field", lambda card, fields: calls.append(card.key) or real(card, fields))
    edited = [c._replace(a=(c.a or "") + " (edited)") if i == 3 else c for i, c in enumerate(bundled)]
    _export(edited, second, RenderCache(path))
    assert calls == [edited[3].note_key]  # only the edited card
    # The same package as without any cache.
    _export(edited, fresh, RenderCache(None))
    assert second.read_bytes() == fresh.read_bytes()


def test_a_tag_or_deck_change_refreshes_the_kept_key_field(bundled, tmp_path):
    path = tmp_path / "render.bin"
    _export(bundled, tmp_path / "a.apkg", RenderCache(path))
    changed = [
        c._replace(tags=(*c.tags, "new-tag")) if i == 0 else c._replace(deck=c.deck + "::Moved") if i == 1 else c
        for i, c in enumerate(bundled)
    ]
    cached, fresh = tmp_path / "b.apkg", tmp_path / "c.apkg"
    _export(changed, cached, RenderCache(path))
    _export(changed, fresh, RenderCache(None))
    assert cached.read_bytes() == fresh.read_bytes()


def test_a_card_with_a_local_image_is_never_taken_from_the_kept_parts(tmp_path):
    decks = tmp_path / "decks"
    decks.mkdir()
    (decks / "img.png").write_bytes(PNG)
    (decks / "d.yaml").write_text(
        "deck: Pics\ncards:\n  - id: pic\n    q: What is this? ![dot](img.png)\n    a: A dot.\n", encoding="utf-8"
    )
    cards = load_decks(explicit_sources([decks])).cards
    path = tmp_path / "render.bin"
    _export(cards, tmp_path / "a.apkg", RenderCache(path))
    (decks / "img.png").write_bytes(PNG + b"\x00")  # another picture, the same card text
    cached, fresh = tmp_path / "b.apkg", tmp_path / "c.apkg"
    _export(cards, cached, RenderCache(path))
    _export(cards, fresh, RenderCache(None))
    assert cached.read_bytes() == fresh.read_bytes()
    again = RenderCache(path)
    hit, digest = again.lookup(cards[0])
    assert hit is not None and again.note_parts(digest) is None  # its HTML is kept, its note is not
