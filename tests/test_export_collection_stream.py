"""A cold export builds its collection deck by deck while rendering (anki/collection.py): the same bytes.

Every package is compared with the one the export writes without the stream (the notes built and
written after the last render), as a whole file, so every row of collection.anki2 is covered.
"""

from __future__ import annotations

import base64
import sys
import zipfile
from pathlib import Path

import pytest

from conftest import ROOT
from pyflash.core.decks.loader import explicit_sources, load_decks
from pyflash.export.anki import collection
from pyflash.export.anki import package as ax
from pyflash.export.render import RenderCache

sys.path.insert(0, str(ROOT / "bench"))
from export import generate  # the benchmark's generated code cards

NOW = 1_800_000_000
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)


@pytest.fixture(scope="module")
def cards(tmp_path_factory):
    folder = tmp_path_factory.mktemp("gen")
    generate(folder, 2000)
    made = load_decks(explicit_sources([str(folder)])).cards
    bundled = load_decks(explicit_sources([str(ROOT / "decks")])).cards
    extra = tmp_path_factory.mktemp("extra")
    (extra / "a.yaml").write_text(
        "deck: Alpha\nlang: python\ncards:\n  - id: c1\n    cloze: 'x = {{c1::1}} + {{c2::2}}'\n"
        "  - id: r1\n    q: front\n    a: back\n    reverse: true\n",
        encoding="utf-8",
    )
    # 300 generated cards in two decks, bundled decks (deck order not sorted: "Bench" after "Python"...), a cloze
    return made[:150] + made[1000:1150] + bundled[:200] + load_decks(explicit_sources([str(extra)])).cards


def _export(cards, out: Path, ledger: ax.MtimeLedger, *, stream: bool, monkeypatch, now: int = NOW) -> list[str]:
    used: list[str] = []
    real = collection.CollectionStream.finish

    def finish(self):
        data = real(self)
        used.append("stream" if data is not None else "fallback")
        return data

    with monkeypatch.context() as m:
        m.setattr(collection.CollectionStream, "finish", finish)
        if not stream:
            m.setattr(ax, "timestamp_is_now", lambda *a: False)
        ax.export_anki(cards, out, force=True, ledger=ledger, cache=RenderCache(None), now=now)
    return used


def _same(a: Path, b: Path) -> None:
    assert zipfile.ZipFile(a).read("collection.anki2") == zipfile.ZipFile(b).read("collection.anki2")
    assert a.read_bytes() == b.read_bytes()


def test_streamed_collection_is_byte_identical(cards, tmp_path, monkeypatch):
    streamed, usual = tmp_path / "s.apkg", tmp_path / "u.apkg"
    assert _export(cards, streamed, ax.MtimeLedger(None), stream=True, monkeypatch=monkeypatch) == ["stream"]
    assert _export(cards, usual, ax.MtimeLedger(None), stream=False, monkeypatch=monkeypatch) == []
    _same(streamed, usual)


def test_stream_with_a_ledger_and_new_cards_and_the_ledger_file(cards, tmp_path, monkeypatch):
    files = {}
    for name, stream in (("s", True), ("u", False)):
        ledger = tmp_path / f"{name}.json"
        first = cards[:-40]
        _export(first, tmp_path / f"{name}0.apkg", ax.MtimeLedger(ledger), stream=stream, monkeypatch=monkeypatch)
        ax.MtimeLedger(ledger).save()
        edited = [c._replace(a=(c.a or "") + " (edited)") if i % 17 == 0 else c for i, c in enumerate(cards)]
        book = ax.MtimeLedger(ledger)
        used = _export(edited, tmp_path / f"{name}.apkg", book, stream=stream, monkeypatch=monkeypatch, now=NOW + 60)
        assert used == (["stream"] if stream else [])
        book.save()
        files[name] = ledger.read_bytes()
    _same(tmp_path / "s.apkg", tmp_path / "u.apkg")
    assert files["s"] == files["u"]


def test_an_image_stops_the_stream_and_the_package_is_the_same(cards, tmp_path, monkeypatch):
    decks = tmp_path / "decks"
    decks.mkdir()
    (decks / "img.png").write_bytes(PNG)
    (decks / "d.yaml").write_text("deck: Pics\ncards:\n  - id: pic\n    q: What? ![dot](img.png)\n    a: A dot.\n")
    some = cards[:100] + load_decks(explicit_sources([decks])).cards + cards[100:200]
    streamed, usual = tmp_path / "s.apkg", tmp_path / "u.apkg"
    assert _export(some, streamed, ax.MtimeLedger(None), stream=True, monkeypatch=monkeypatch) == ["fallback"]
    _export(some, usual, ax.MtimeLedger(None), stream=False, monkeypatch=monkeypatch)
    _same(streamed, usual)
    assert len(zipfile.ZipFile(streamed).namelist()) == 3  # collection, media index, the picture


def test_the_timestamp_is_now_only_when_certain(cards):
    ledger = ax.MtimeLedger(None)
    assert collection.timestamp_is_now(cards, ledger, NOW)  # every note is new
    assert not collection.timestamp_is_now(cards, ledger, 0)  # before the note type's own time
    for card in cards:
        ledger.entries[card.note_key] = ["x", NOW - 5]
    assert not collection.timestamp_is_now(cards, ledger, NOW)  # nothing new: maybe an older timestamp
    del ledger.entries[cards[0].note_key]
    assert collection.timestamp_is_now(cards, ledger, NOW)
    ledger.entries[cards[1].note_key] = ["x", NOW]  # changed within the same second: now + 1
    assert not collection.timestamp_is_now(cards, ledger, NOW)


def test_a_wrong_timestamp_falls_back(cards, tmp_path, monkeypatch):
    monkeypatch.setattr(ax, "timestamp_is_now", lambda *a: True)
    ledger = ax.MtimeLedger(None)
    for card in cards:  # every note changed since a time in the future (a clock set back): not NOW
        ledger.entries[card.note_key] = ["x", NOW + 5]
    streamed = tmp_path / "s.apkg"
    assert _export(cards[:50], streamed, ledger, stream=True, monkeypatch=monkeypatch) == ["fallback"]
    monkeypatch.undo()
    ledger2 = ax.MtimeLedger(None)
    for card in cards:
        ledger2.entries[card.note_key] = ["x", NOW + 5]
    usual = tmp_path / "u.apkg"
    _export(cards[:50], usual, ledger2, stream=False, monkeypatch=monkeypatch)
    _same(streamed, usual)


def test_notes_written_chunk_by_chunk_give_the_same_bytes(cards, tmp_path, monkeypatch):
    """Small render chunks: each deck's notes go into SQLite over many calls, its note types (front/back,
    then a cloze and a reverse note late in the deck) written with its first note; one deck only, too."""
    from pyflash.export import parallel

    mixed = tmp_path / "mixed"
    mixed.mkdir()
    (mixed / "m.yaml").write_text(
        "deck: Bench::Deck00\nlang: python\ncards:\n  - id: late-cloze\n    cloze: 'y = {{c1::2}}'\n"
        "  - id: late-rev\n    q: up\n    a: down\n    reverse: true\n",
        encoding="utf-8",
    )
    extra = load_decks(explicit_sources([mixed])).cards
    monkeypatch.setattr(parallel, "_CHUNK", 8)
    monkeypatch.setattr(parallel, "MIN_PARALLEL", 1)
    writes: list[int] = []
    real = collection.CollectionStream._flush

    def flush(self):
        real(self)
        writes.append(self.flushed)

    for name, some in (("many", cards[:140] + extra + cards[140:]), ("one", cards[:150] + extra)):
        streamed, usual = tmp_path / f"{name}-s.apkg", tmp_path / f"{name}-u.apkg"
        with monkeypatch.context() as m:
            m.setattr(collection.CollectionStream, "_flush", flush)
            assert _export(some, streamed, ax.MtimeLedger(None), stream=True, monkeypatch=monkeypatch) == ["stream"]
        _export(some, usual, ax.MtimeLedger(None), stream=False, monkeypatch=monkeypatch)
        _same(streamed, usual)
    assert sum(0 < w < 150 for w in writes) > 10  # decks were written part by part
