"""The render cache's file (export/cachefile.py): appended segments, damage, rewrite."""

from __future__ import annotations

from conftest import ROOT
from pyflash.core import Card
from pyflash.core.decks.loader import explicit_sources, load_decks
from pyflash.export import cachefile
from pyflash.export import render as rd
from pyflash.export.render import RenderCache, render_card

FMT = rd._CACHE_FORMAT


def _cards(n: int) -> list[Card]:
    return load_decks(explicit_sources([str(ROOT / "decks")])).cards[:n]


def test_segments_are_read_in_order_and_a_damaged_tail_keeps_what_came_before(tmp_path):
    path = tmp_path / "c.bin"
    cachefile.write(path, FMT, {b"a": ("1",), b"b": ("2",)})
    cachefile.append(path, {b"b": ("3",), b"c": ("4",)})
    found = cachefile.read(path, FMT)
    assert found.entries == {b"a": ("1",), b"b": ("3",), b"c": ("4",)}
    assert (found.segments, found.stored) == (2, 4)
    whole = path.read_bytes()
    path.write_bytes(whole[:-3])  # an append cut short
    assert cachefile.read(path, FMT).entries == {b"a": ("1",), b"b": ("2",)}
    path.write_bytes(whole[:-3] + b"xyz")  # damaged: the checksum no longer matches
    assert cachefile.read(path, FMT).segments == 1
    assert cachefile.read(path, "another/1").entries == {}
    assert cachefile.read(tmp_path / "missing.bin", FMT).entries == {}


def test_a_few_changed_cards_are_appended_then_the_file_is_rewritten(tmp_path, monkeypatch):
    monkeypatch.setattr(rd, "_MAX_SEGMENTS", 3)
    path = tmp_path / "render.bin"
    cards = _cards(40)
    first = RenderCache(path)
    for card in cards:
        first.render(card)
    first.save()
    assert cachefile.read(path, FMT).segments == 1
    sizes = []
    for round_ in range(3):
        edited = [c._replace(q=c.q + f" ({round_})") if i < 2 else c for i, c in enumerate(cards)]
        cache = RenderCache(path)
        got = [cache.render(c) for c in edited]
        assert got == [render_card(c) for c in edited]
        assert cache.misses == 2
        cache.save()
        sizes.append(cachefile.read(path, FMT).segments)
    assert sizes == [2, 3, 1]  # appended twice, then rewritten (at most _MAX_SEGMENTS segments)
    assert len(cachefile.read(path, FMT).entries) == 40 + 6  # the used entries and the older ones
    many = [c._replace(q=c.q + " (all)") for c in cards]
    cache = RenderCache(path)
    for card in many:
        cache.render(card)
    cache.save()  # most entries changed: rewritten, not appended
    assert cachefile.read(path, FMT).segments == 1
    warm = RenderCache(path)
    assert [warm.render(c) for c in many] == [render_card(c) for c in many] and warm.misses == 0
