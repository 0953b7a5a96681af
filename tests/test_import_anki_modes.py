"""import-anki of Anki's Basic variants: reversed, optional reversed and type-in notes (packages built with `anki`).

A "Basic (and reversed card)" note is one pyflash card with `reverse: true`, so both cards survive, and
with --with-history each Anki card's reviews go to its pyflash card (forward: the id; reverse: `id#r`).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from anki.collection import Collection, ExportAnkiPackageOptions
from anki.import_export_pb2 import ExportLimit

from conftest import run_main
from pyflash.core.decks.loader import explicit_sources, load_decks
from pyflash.importer.anki.convert import note_token
from test_import_anki import answer, store_of


@pytest.fixture(scope="module")
def package(tmp_path_factory):
    from anki.scheduler.v3 import CardAnswer

    folder = tmp_path_factory.mktemp("modes")
    col = Collection(str(folder / "collection.anki2"))
    deck = col.decks.id("Words")
    notes = {}

    def add(kind: str, name: str, **fields: str) -> None:
        note = col.new_note(col.models.by_name(kind))
        for field, value in fields.items():
            note[field.replace("_", " ")] = value
        col.add_note(note, deck)
        notes[name] = note

    add("Basic (and reversed card)", "both", Front="chien", Back="dog")
    add("Basic (optional reversed card)", "optional", Front="chat", Back="cat", Add_Reverse="y")
    add("Basic (optional reversed card)", "one-way", Front="oiseau", Back="bird", Add_Reverse="")
    add("Basic (type in the answer)", "typed", Front="6 × 7?", Back="42")
    add("Basic (type in the answer)", "long", Front="Explain", Back="one<br>two")
    forward, reverse = sorted(notes["both"].cards(), key=lambda c: c.ord)
    answer(col, forward.id, CardAnswer.GOOD)
    for rating in (CardAnswer.AGAIN, CardAnswer.GOOD):
        answer(col, reverse.id, rating)
    pkg = folder / "modes.apkg"
    col.export_anki_package(
        out_path=str(pkg),
        options=ExportAnkiPackageOptions(with_scheduling=True, with_media=False, legacy=False),
        limit=ExportLimit(),
    )
    tokens = {name: note_token(note.guid) for name, note in notes.items()}
    col.close()
    return pkg, tokens


def _import(package, tmp_path: Path, capsys, *extra: str):
    pkg, tokens = package
    out = tmp_path / "out"
    code, stdout, err = run_main(["import-anki", str(pkg), "-o", str(out), *extra], capsys)
    assert code == 0, err
    result = load_decks(explicit_sources([str(out)]))
    assert not result.errors, result.errors[:3]
    by_name = {name: [c for c in result.cards if c.id and c.id.endswith(token)] for name, token in tokens.items()}
    return by_name, stdout


def test_reversed_optional_and_typed_notes(package, tmp_path, capsys):
    cards, stdout = _import(package, tmp_path, capsys)
    both = {c.key: c for c in cards["both"]}
    entry = cards["both"][0].id
    assert sorted(both) == [entry, f"{entry}#r"]
    assert all(c.reverse for c in both.values()) and both[entry].q == "chien" and both[entry].a == "dog"
    assert [c.key.endswith("#r") for c in cards["optional"]] == [False, True]
    assert [(c.reverse, c.key) for c in cards["one-way"]] == [(False, cards["one-way"][0].id)]
    (typed,) = cards["typed"]
    assert typed.type_in and typed.a == "42" and not typed.reverse
    (long,) = cards["long"]
    assert not long.type_in
    assert "note type 'Basic (type in the answer)': a typed answer longer than one short line" in stdout
    assert "reverse cards were left out" not in stdout and "were left out" not in stdout


def test_each_anki_card_history_goes_to_its_pyflash_card(package, tmp_path, capsys):
    cards, _ = _import(package, tmp_path, capsys, "--with-history")
    entry = cards["both"][0].id
    with store_of() as store:
        log = store.log()
        states = store.states()
    grades = {key: [e.grade for e in log if e.key == key and e.grade is not None] for key in (entry, f"{entry}#r")}
    assert grades == {entry: [4], f"{entry}#r": [1, 4]}
    assert entry in states and f"{entry}#r" in states
    optional = cards["optional"][0].id
    assert optional not in states and f"{optional}#r" not in states  # never studied: new cards


def _lapsing_card(lapses: int):
    """An Anki card that graduates, then lapses ``lapses`` times on separate days (again, then good)."""
    from datetime import UTC, datetime

    from pyflash.importer.anki.convert import ImportedCard
    from pyflash.importer.anki.reader import AnkiCard, Revlog

    day = 86_400_000
    t = int(datetime(2026, 1, 5, 12, tzinfo=UTC).timestamp() * 1000)
    rows = [Revlog(t, 3, 1, 0, 2500, 1000, 0)]  # good: graduates
    for _ in range(lapses):
        t += 3 * day
        rows += [Revlog(t, 1, -600, 1, 2300, 1000, 1),  # again: a lapse
                 Revlog(t + 60_000, 1, -600, -600, 2300, 1000, 2),  # again the same day: no new lapse
                 Revlog(t + day, 3, 1, -600, 2300, 1000, 2)]  # good the next day
    anki = AnkiCard(1, 0, "D", 2, 2, 1, 1, 2300, len(rows), lapses, tuple(rows))
    return ImportedCard("D", {"id": "x", "q": "Q", "a": "A"}, "x", anki), anki


def test_imported_history_marks_leeches_by_the_leech_rule(tmp_path):
    from datetime import UTC

    from pyflash.core.review.store import Store
    from pyflash.importer.anki.history import card_history

    card, anki = _lapsing_card(3)
    history = card_history(card, anki, today=2000, zone=UTC, day_starts_at=4, leech_threshold=3)
    assert history is not None and history.state.leech and not history.state.suspended
    marked = [e.after.leech for e in history.reviews]
    first = marked.index(True)
    assert history.reviews[first].grade == 1 and all(marked[first:]) and not any(marked[:first])
    assert sum(1 for e in history.reviews[:first + 1] if e.grade == 1 and e.kind == "review") == 3
    below = card_history(card, anki, today=2000, zone=UTC, day_starts_at=4, leech_threshold=4)
    assert below is not None and not below.state.leech  # the same-day failures are no new lapses
    with Store(tmp_path / "s.sqlite3") as store:
        store.add_history([history])
        assert store.states()["x"].leech
