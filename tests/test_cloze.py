"""Code cloze and reverse cards in the core: markers, located errors, keys, counts, history, search."""

from __future__ import annotations

import pytest

from conftest import run_main, write_deck
from pyflash.core.decks import cloze
from pyflash.core.decks.loader import parse_deck_file
from pyflash.core.decks.model import CardKind

DECK = """\
deck: Cloze
lang: python
cards:
  - id: argp
    q: Make --verbose a flag
    cloze: |
      parser.add_argument("--verbose",
                          {{c1::action="store_true"}})
      args = {{c2::parser.parse_args()::parse}}
  - id: rev
    q: What does `len(xs)` return?
    a: the number of items in xs
    reverse: true
  - id: plain
    q: plain question
    a: plain answer
"""


def review_all(ws, first=None):
    """Study every card: the first grade of a key from ``first`` (default 5), then 5 (SM-2 repeats grades < 4)."""
    s = ws.session()
    seen = set()
    while not s.finished:
        key = s.current.key
        s.reveal()
        s.grade(5 if key in seen else (first or {}).get(key, 5))
        seen.add(key)


# -- the markers ---------------------------------------------------------------------------------


def test_markers_hints_and_braces_inside_the_span():
    text = 'd = {{c1::{"a": 1}}} + {{c2::f(x)::call}} + {{c1::z}}'
    spans, errors = cloze.parse(text)
    assert errors == []
    assert [(s.number, s.hidden, s.hint) for s in spans] == [(1, '{"a": 1}', None), (2, "f(x)", "call"), (1, "z", None)]
    assert cloze.numbers(spans) == [1, 2]
    q1, marks = cloze.question_text(text, spans, 1)
    assert q1 == "d = […] + f(x) + […]" and [q1[a:b] for a, b in marks] == ["[…]", "[…]"]
    q2, _ = cloze.question_text(text, spans, 2)
    assert q2 == 'd = {"a": 1} + [call] + z'
    a2, marks = cloze.answer_text(text, spans, 2)
    assert a2 == 'd = {"a": 1} + f(x) + z' and [a2[a:b] for a, b in marks] == ["f(x)"]


def test_jinja_and_fstring_braces_are_not_markers():
    spans, errors = cloze.parse('f"{{x}}" {{ y }} {{c1::z}}')
    assert errors == [] and [s.hidden for s in spans] == ["z"]


@pytest.mark.parametrize(
    ("text", "offset", "fragment"),
    [
        ("x = {{c1::a", 4, "never closed"),
        ("x = {{c1::a}b}}", 11, "unbalanced `}`"),
        ("x = {{c1:: }}", 4, "hides nothing"),
        ("x = {{c1::a}} {{c3::b}}", 14, "skip c2"),
        ("x = {{c1::a {{c2::b}} }}", 12, "inside another"),
        ("x = {{c0::a}}", 4, "start at 1"),
        ("x = a", 0, "no marker"),
    ],
)
def test_bad_markers_are_errors_at_the_marker(text, offset, fragment):
    _, errors = cloze.parse(text)
    assert errors and errors[0].offset == offset and fragment in errors[0].message


def test_identity_ignores_the_number():
    a = "x = {{c1::a}} + {{c2::b}}"
    b = "x = {{c2::a}} + {{c1::b}}"
    sa, sb = cloze.parse(a)[0], cloze.parse(b)[0]
    assert cloze.identity(a, sa, 1) == cloze.identity(b, sb, 2) == "x = {{a}} + b"


# -- the deck file ---------------------------------------------------------------------------------


def test_one_card_per_cloze_number_and_two_for_reverse(tmp_path):
    deck = parse_deck_file(write_deck(tmp_path, "d.yaml", DECK))
    assert deck.errors == []
    assert list(deck.keys) == ["argp#c1", "argp#c2", "rev", "rev#r", "plain"]
    c1, c2, fwd, back, plain = deck.cards
    assert c1.kind == c2.kind == CardKind.CLOZE and (c1.cloze_number, c2.cloze_number) == (1, 2)
    assert c1.note_key == c2.note_key == "argp" and c1.lang == "python" and c1.id == "argp"
    assert fwd.kind == back.kind == CardKind.QA and back.is_reverse and not fwd.is_reverse
    assert fwd.reverse and back.reverse and not plain.reverse and back.note_key == "rev"
    assert len({c.identity_text for c in deck.cards}) == 5


def test_derived_keys_without_an_id(tmp_path):
    deck = parse_deck_file(
        write_deck(tmp_path, "d.yaml", "deck: D\ncards:\n  - cloze: 'x = {{c1::a}} + {{c2::b}}'\n  - {q: q, a: a, reverse: yes}\n")
    )
    k1, k2, f, r = deck.keys
    assert k1.startswith("auto-") and k1.endswith("#c1") and k2 == k1[:-1] + "2"
    assert f.startswith("auto-") and r == f + "#r"


BAD = """\
deck: Bad
cards:
  - id: gap
    cloze: |
      x = {{c1::a}}
      y = {{c3::b}}
  - id: brace
    cloze: |
      first line
      x = {{c1::a}b}}
  - id: empty
    cloze: "x = {{c1:: }}"
  - id: open
    cloze: |
      x = {{c1::a
      y = 2
  - {id: with-a, cloze: "{{c1::x}}", a: answer}
  - {id: rev-out, q: q, code: print(1), output: "1", reverse: true}
  - {id: rev-word, q: q, a: a, reverse: maybe}
"""


def test_bad_markers_point_inside_the_block_scalar(tmp_path, capsys):
    path = write_deck(tmp_path, "bad.yaml", BAD)
    code, out, err = run_main(["check", str(path)], capsys)
    assert code == 2
    lines = (out + err).strip().splitlines()
    expect = [
        f"{path}:6:11: card 1, key 'cloze': cloze numbers skip c2",
        f"{path}:10:18: card 2, key 'cloze': unbalanced `}}`",
        f"{path}:12:17: card 3, key 'cloze': cloze c1 hides nothing",
        f"{path}:15:11: card 4, key 'cloze': cloze c1 is never closed",
        f"{path}:17:5: card 5: a `cloze:` card takes no 'a'",
        f"{path}:18:5: card 6, key 'reverse': an output card cannot be reversed",
        f"{path}:19:5: card 7, key 'reverse': must be true or false",
    ]
    for want in expect:
        assert any(line.startswith(want) for line in lines), (want, lines)
    assert "Traceback" not in err


def test_decks_counts_every_cloze_number_and_both_sides(tmp_path, capsys):
    path = write_deck(tmp_path / "decks", "d.yaml", DECK)
    code, out, _ = run_main(["decks", str(path)], capsys)
    assert code == 0
    row = next(line for line in out.splitlines() if line.startswith("Cloze"))
    assert row.split()[1:5] == ["5", "0", "5", "5"]  # new today, due, unseen, total
    code, out, err = run_main(["check", str(path)], capsys)
    assert code == 0 and "5 card(s)" in out + err


# -- history ---------------------------------------------------------------------------------


def test_each_cloze_and_reverse_card_has_its_own_history(tmp_path, ws_factory):
    d = tmp_path / "decks"
    write_deck(d, "d.yaml", DECK)
    ws = ws_factory(d)
    s = ws.session()
    seen = []
    while not s.finished:
        key = s.current.key
        s.reveal()
        s.grade(1 if key == "argp#c2" and key not in seen else 5)
        seen.append(key)
    assert {"argp#c1", "argp#c2", "rev", "rev#r", "plain"} <= set(seen)
    assert ws.store.get("argp#c1").last_grade == 5 and ws.store.get("argp#c2").last_grade == 5
    assert ws.store.get("argp#c2").easiness != ws.store.get("argp#c1").easiness
    assert ws.store.get("rev#r") is not None and ws.store.get("rev") is not None


def test_renumbering_moves_each_history_with_its_span(tmp_path, ws_factory):
    d = tmp_path / "decks"
    path = write_deck(d, "d.yaml", "deck: D\ncards:\n  - id: n\n    cloze: 'x = {{c1::a}} + {{c2::b}} + {{c3::c}}'\n")
    ws = ws_factory(d)
    review_all(ws, {"n#c1": 5, "n#c2": 1, "n#c3": 4})
    before = {k: ws.store.get(f"n#{k}") for k in ("c1", "c2", "c3")}
    ws.close()
    # c2's span deleted; c3 renumbered c2 (the gap rule makes you renumber)
    path.write_text("deck: D\ncards:\n  - id: n\n    cloze: 'x = {{c1::a}} + b + {{c2::c}}'\n", encoding="utf-8")
    ws = ws_factory(d)
    moved = ws.store.get("n#c2")
    assert (moved.easiness, moved.interval) == (before["c3"].easiness, before["c3"].interval)
    assert ws.store.get("n#c1") == before["c1"]
    gone = ws.store.get("n#c2~1")  # the deleted span's history is kept, as an orphan
    assert gone is not None and gone.easiness == before["c2"].easiness != moved.easiness
    assert any(o.key == "n#c2~1" for o in ws.report.orphans)
    assert [r.old_key for r in ws.report.relinked] == ["n#c3"]
    ws.close()
    ws = ws_factory(d)  # recorded once
    assert ws.report.relinked == []


def test_the_cloze_files_are_decoded_only_once_a_cloze_has_a_history(tmp_path, ws_factory, monkeypatch):
    """The check for renumbered clozes needs a learned cloze history; without one it decodes no card (start-up time)."""
    from pyflash.core.decks.model import DeckFile

    d = tmp_path / "decks"
    write_deck(d, "c.yaml", "deck: D\ncards:\n  - id: n\n    cloze: 'x = {{c1::a}} + {{c2::b}}'\n")
    write_deck(d, "q.yaml", "deck: D\ncards:\n  - id: q\n    q: Q?\n    a: A\n")
    ws_factory(d).close()  # fills the deck cache: the next opens take the files from it, undecoded
    cards = DeckFile.cards
    decoded: list[str] = []
    monkeypatch.setattr(DeckFile, "cards", property(lambda f: decoded.append(f.path) or cards.fget(f)))
    ws_factory(d).close()
    assert decoded == []  # no history at all: nothing can follow a renumbered span
    ws = ws_factory(d)
    s = ws.session()
    while not s.finished and s.current.cloze is None:
        s.reveal()
        s.grade(5)
    s.reveal()
    s.grade(5)  # a cloze card learned
    ws.close()
    decoded.clear()
    ws_factory(d).close()
    assert [p.rsplit("/", 1)[-1] for p in decoded] == ["c.yaml"]  # only the file holding a cloze card


def test_swapped_numbers_swap_histories(tmp_path, ws_factory):
    d = tmp_path / "decks"
    path = write_deck(d, "d.yaml", "deck: D\ncards:\n  - id: n\n    cloze: 'x = {{c1::alpha}} + {{c2::beta}}'\n")
    ws = ws_factory(d)
    review_all(ws, {"n#c1": 4, "n#c2": 1})
    g1, g2 = ws.store.get("n#c1"), ws.store.get("n#c2")
    assert g1.easiness != g2.easiness
    ws.close()
    path.write_text("deck: D\ncards:\n  - id: n\n    cloze: 'x = {{c2::alpha}} + {{c1::beta}}'\n", encoding="utf-8")
    ws = ws_factory(d)
    assert (ws.store.get("n#c1").easiness, ws.store.get("n#c2").easiness) == (g2.easiness, g1.easiness)


def test_edited_cloze_without_id_is_relinked_by_similarity(tmp_path, ws_factory):
    d = tmp_path / "decks"
    path = write_deck(d, "d.yaml", "deck: D\ncards:\n  - cloze: 'parser.add_argument(\"--verbose\", {{c1::action=\"store_true\"}})'\n")
    ws = ws_factory(d)
    (old,) = ws.cards
    review_all(ws)
    ws.close()
    path.write_text("deck: D\ncards:\n  - cloze: 'parser.add_argument(\"--verbose\",  {{c1::action=\"store_true\"}} )'\n", encoding="utf-8")
    ws = ws_factory(d)
    (new,) = ws.cards
    assert new.key != old.key and new.key.endswith("#c1")
    assert ws.store.get(new.key).repetitions == 1


def test_search_finds_the_hidden_text(tmp_path, ws_factory):
    d = tmp_path / "decks"
    write_deck(d, "d.yaml", DECK)
    ws = ws_factory(d)
    assert sorted(h.card.key for h in ws.search("store_true")) == ["argp#c1", "argp#c2"]
    assert sorted(h.card.key for h in ws.search('"number of items"')) == ["rev", "rev#r"]


def test_lint_sees_one_card_per_entry_and_measures_cloze_lines(tmp_path):
    from pyflash.core import lint_cards
    from pyflash.core.decks.loader import load_decks

    wide = "x" * 80
    path = write_deck(tmp_path, "d.yaml", DECK + f"  - id: wide\n    cloze: |\n      {{{{c1::a}}}} + {wide}\n")
    cards = load_decks([("path", path)]).cards
    warnings = lint_cards(cards)
    assert [(w.rule, w.line) for w in warnings] == [("long-line", 19)]  # no duplicate: rev / rev#r, argp#c1 / #c2


def test_prompt_names_what_a_card_asks(tmp_path):
    deck = parse_deck_file(
        write_deck(tmp_path, "d.yaml", DECK + "  - id: bare\n    cloze: |\n      import os\n      x = {{c1::os.sep}}\n")
    )
    by_key = {c.key: c for c in deck.cards}
    assert by_key["argp#c1"].prompt == "Make --verbose a flag"
    assert by_key["rev#r"].prompt == "the number of items in xs"
    assert by_key["bare#c1"].prompt == "x = […]"


def test_lint_does_not_call_two_clozes_without_q_duplicates(tmp_path):
    from pyflash.core import lint_cards
    from pyflash.core.decks.loader import load_decks

    text = "deck: D\ncards:\n  - {id: a, cloze: 'x = {{c1::os.sep}}'}\n  - {id: b, cloze: 'import {{c1::argparse}} as ap'}\n"
    cards = load_decks([("path", write_deck(tmp_path, "d.yaml", text))]).cards
    assert lint_cards(cards) == []


def test_a_typed_cloze_is_checked_as_code():
    from pyflash.core import can_type, check_typed
    from pyflash.core.decks.model import Card

    card = Card("x#c1", "x", "D", "", None, None, "python", None, None, (), None, (), "p", 1, 1, 1,
                type_in=True, cloze='f({{c1::sep="-"}})', variant="c1")
    assert can_type(card)
    assert check_typed(card, 'sep="-"').grade == 5
    assert check_typed(card, 'SEP="-"').grade < 5  # case counts in code
    assert check_typed(card, "end=''").grade == 1
    assert not can_type(card._replace(type_in=False))
