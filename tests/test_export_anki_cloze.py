"""`pyflash export --anki` for cloze and reverse cards, checked against real Anki (the `anki` package)."""

from __future__ import annotations

import html
import re

import pytest

from conftest import run_main, write_deck
from pyflash.export.anki import package as ax
from pyflash.export.anki import variants
from test_export_anki import export_folder, import_package, key_of, new_collection, notes_by_key

DECK = """\
deck: Cloze
lang: python
cards:
  - id: argp
    q: Make --verbose an on/off flag
    cloze: |
      parser.add_argument("--verbose", {{c1::action="store_true"}})
      args = {{c2::parser.parse_args()::parse}}
      d = {{c3::{"a": 1}}}
  - id: three-spans-two-cards
    cloze: "x = {{c1::a}} + {{c2::b}} + {{c1::c}}"
  - id: rev
    q: What does `len(xs)` return?
    a: the number of items in xs
    reverse: true
  - id: plain
    q: plain question
    a: plain answer
"""


def visible(text: str) -> str:
    """What a card shows: tags stripped, entities decoded, the <style> left out."""
    text = re.sub(r"<style>.*?</style>", "", text, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", "", text))


@pytest.fixture(scope="module")
def imported(tmp_path_factory):
    base = tmp_path_factory.mktemp("cloze")
    decks = base / "decks"
    write_deck(decks, "c.yaml", DECK)
    cards, done = export_folder(decks, base / "out.apkg", base / "state")
    col = new_collection(base / "anki")
    import_package(col, base / "out.apkg")
    yield {"col": col, "cards": cards, "done": done, "base": base}
    col.close()


def test_card_count_is_one_per_cloze_number_and_two_for_reverse(imported):
    col, cards = imported["col"], imported["cards"]
    assert len(cards) == 3 + 2 + 2 + 1  # pyflash's cards: the same count
    notes = notes_by_key(col)
    assert set(notes) == {"argp", "three-spans-two-cards", "rev", "plain"}
    assert col.note_count() == 4 == imported["done"].notes
    assert [len(notes[k].cards()) for k in ("argp", "three-spans-two-cards", "rev", "plain")] == [3, 2, 2, 1]
    assert col.card_count() == len(cards)


def test_cloze_is_a_real_anki_cloze_note_type(imported):
    note = notes_by_key(imported["col"])["argp"]
    model = note.note_type()
    assert model["id"] == variants.CLOZE_MODEL_ID and model["type"] == 1  # MODEL_CLOZE
    assert [f["name"] for f in model["flds"]] == list(variants.CLOZE_FIELDS)
    assert '<span class="n">action</span>' in note["Text"]  # highlighted
    assert note.guid == ax.note_guid("argp")


def test_each_cloze_card_hides_its_span(imported):
    note = notes_by_key(imported["col"])["argp"]
    by_ord = {card.ord: card for card in note.cards()}
    front1, back1 = visible(by_ord[0].question()), visible(by_ord[0].answer())
    assert "[...]" in front1 and "store_true" not in front1 and "parser.parse_args()" in front1
    assert 'action="store_true"' in back1
    front2 = visible(by_ord[1].question())
    assert "[parse]" in front2 and "parser.parse_args()" not in front2 and "store_true" in front2
    front3, back3 = visible(by_ord[2].question()), visible(by_ord[2].answer())
    assert "d = [...]" in front3 and 'd = {"a": 1}' in back3  # braces inside the span survive
    assert 'class="cloze"' in by_ord[0].answer()


def test_reverse_gives_two_cards_answer_first_on_the_second(imported):
    note = notes_by_key(imported["col"])["rev"]
    assert note.note_type()["id"] == variants.REVERSE_MODEL_ID
    forward, backward = sorted(note.cards(), key=lambda c: c.ord)
    assert "What does len(xs) return?" in visible(forward.question())
    assert "the number of items" not in visible(forward.question())
    assert "the number of items in xs" in visible(backward.question())
    assert "What does len(xs) return?" not in visible(backward.question())
    assert "What does len(xs) return?" in visible(backward.answer())


def test_reexport_updates_in_place_with_stable_guids(imported, tmp_path):
    base = imported["base"]
    decks = base / "decks"
    write_deck(decks, "c.yaml", DECK.replace("{{c2::b}}", "{{c2::bee}} + {{c3::cee}}"))
    export_folder(decks, base / "out2.apkg", base / "state", now=2_000_000_000)
    col = new_collection(tmp_path / "anki")
    import_package(col, base / "out.apkg")
    import_package(col, base / "out2.apkg")
    notes = notes_by_key(col)
    assert col.note_count() == 4
    assert len(notes["three-spans-two-cards"].cards()) == 3  # Anki added the new cloze's card
    col.close()


def test_cli_export_counts_notes(tmp_path, capsys):
    decks = tmp_path / "decks"
    write_deck(decks, "c.yaml", DECK)
    code, out, err = run_main(["export", "--anki", str(decks), "-o", str(tmp_path / "c.apkg")], capsys)
    assert code == 0, err
    assert "Wrote 4 notes" in out
    col = new_collection(tmp_path / "anki")
    import_package(col, tmp_path / "c.apkg")
    assert col.card_count() == 8 and {key_of(col.get_note(n)) for n in col.find_notes("")} == {
        "argp", "three-spans-two-cards", "rev", "plain"
    }
    col.close()


def test_import_anki_gets_cloze_and_reverse_entries_back(imported, tmp_path, capsys):
    from pyflash.core.decks.loader import parse_deck_file

    out = tmp_path / "back"
    code, stdout, err = run_main(["import-anki", str(imported["base"] / "out.apkg"), "-o", str(out)], capsys)
    assert code == 0, err
    (path,) = out.glob("*.yaml")
    deck = parse_deck_file(path)
    assert deck.errors == []
    assert sorted(deck.keys) == sorted(c.key for c in imported["cards"])
