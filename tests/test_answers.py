"""Typed answers (core): the grade rules, the diff, `type`/`accept` in decks, the log column."""

from __future__ import annotations

import sqlite3
from datetime import datetime

import pytest

from conftest import write_deck
from pyflash import paths
from pyflash.core.answers import compare_answer, compare_output, diff_lines, width
from pyflash.core.config import load_config
from pyflash.core.decks.loader import parse_deck_file
from pyflash.core.errors import PyflashError
from pyflash.core.review.doctor import repair
from pyflash.core.review.schema import MIGRATIONS, SCHEMA_VERSION
from pyflash.core.review.store import Store

# -- the grade rules -------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "expected", "grade", "verdict"),
    [
        ("[1, 2, 3]", "[1, 2, 3]\n", 5, "exact"),  # a final line break does not count
        ("a\nb", "a\nb\n", 5, "exact"),
        ("a  \nb\n\n", "a\nb\n", 4, "whitespace"),  # trailing spaces, blank lines at the end
        ("a\r\nb", "a\nb\n", 4, "whitespace"),  # line endings
        ("a\nb\nc\nX", "a\nb\nc\nd\n", 3, "close"),  # every line but one
        ("a\n b  c\nd", "a\nb c\nd\n", 3, "close"),  # runs of spaces inside lines
        ("b c", "b  c\n", 3, "close"),  # even in a short output
        ("Hello, wrld!", "Hello, world!\n", 3, "close"),  # one edit in 13 characters
        ("3", "4\n", 1, "wrong"),  # short outputs have to be right
        ("True", "true\n", 1, "wrong"),
        ("a\nX\nY\nd", "a\nb\nc\nd\n", 1, "wrong"),  # two lines wrong
        ("", "hello\n", 1, "wrong"),
    ],
)
def test_output_grade_rules(typed, expected, grade, verdict):
    result = compare_output(typed, expected)
    assert (result.grade, result.verdict) == (grade, verdict)


def test_diff_is_line_level_across_lines_and_character_level_within():
    lines = diff_lines("a\nbXc\nextra", "a\nbYc\n")
    assert [ln.kind for ln in lines] == ["equal", "change", "delete"]
    change = lines[1]
    assert [(s.kind, s.text) for s in change.segments] == [
        ("equal", "b"), ("delete", "X"), ("insert", "Y"), ("equal", "c")]
    assert (change.typed, change.expected) == ("bXc", "bYc")
    assert change.columns() == ("bXc", "bYc", " ^")
    assert [ln.kind for ln in diff_lines("a", "a\nmore\n")] == ["equal", "insert"]


def test_cjk_diff_is_aligned_by_display_width():
    assert width("你好") == 4 and width("ab") == 2 and width("e\u0301") == 1
    (line,) = diff_lines("你好，世界!", "你好，世界！")  # ASCII ! typed for the full-width ！
    top, bottom, marks = line.columns()
    assert top == "你好，世界!" and bottom == "你好，世界！"
    assert marks == " " * 10 + "^^"  # under the wide ！, two columns
    (line,) = diff_lines("值是3个", "值是三个")
    top, bottom, marks = line.columns()
    # the narrow 3 is padded to the width of 三, so 个 starts in one column on both rows
    assert top == "值是3 个" and bottom == "值是三个" and marks == "    ^^"
    assert width(top) == width(bottom)


def test_typed_qa_answer_ignores_case_and_spaces_and_takes_alternatives():
    assert compare_answer("  Forty-Two ", "`42`", ["forty-two"]).grade == 5
    assert compare_answer("42", "`42`").grade == 5  # inline code's backticks do not count
    assert compare_answer("LIST(ZIP(*pairs))", "`list(zip(*pairs))`").grade == 5
    close = compare_answer("list(zip(*pair))", "`list(zip(*pairs))`")
    assert close.grade == 3 and close.verdict == "close"
    wrong = compare_answer("41", "`42`", ["forty-two"])
    assert wrong.grade == 1 and wrong.expected == "42"  # the closest answer, without its backticks


# -- decks -----------------------------------------------------------------

DECK = """\
deck: T
cards:
  - id: six-seven
    q: Six times seven?
    a: "`42`"
    type: true
    accept: [forty-two, "42.0"]
  - id: printed
    q: What does it print?
    code: print(1)
    output: "1"
    type: yes
  - id: plain
    q: Plain?
    a: plain
"""


def test_type_and_accept_are_read(tmp_path):
    deck = parse_deck_file(write_deck(tmp_path, "t.yaml", DECK))
    assert deck.errors == []
    six, printed, plain = deck.cards
    assert (six.type_in, six.accept) == (True, ("forty-two", "42.0"))
    assert (printed.type_in, printed.accept) == (True, ())
    assert (plain.type_in, plain.accept) == (False, ())


@pytest.mark.parametrize(
    ("card", "line", "col", "message"),
    [
        ("    q: Q\n    a: |\n      one\n      two\n    type: true\n", 8, 5,
         "card 1, key 'type': `type: true` needs an answer of one short line (at most 80 columns)"),
        ("    q: Q\n    a: " + "x" * 81 + "\n    type: true\n", 6, 5, "needs an answer of one short line"),
        ("    q: Q\n    a: x\n    accept: [y]\n", 6, 5, "card 1, key 'accept': lists other typed answers of a q/a card "
         "(add `type: true`, or remove 'accept')"),
        ("    q: Q\n    code: print(1)\n    output: '1'\n    type: true\n    accept: [one]\n", 8, 5,
         "an output card is checked against its output; remove 'accept'"),
        ("    q: Q\n    a: x\n    type: maybe\n", 6, 11, "card 1, key 'type': must be true or false"),
        ("    q: Q\n    a: x\n    type: true\n    accept: [{a: b}]\n", 7, 14, "key 'accept': must be a list of strings"),
    ],
)
def test_type_and_accept_errors_are_located(tmp_path, card, line, col, message):
    path = write_deck(tmp_path, "bad.yaml", "deck: T\ncards:\n  - id: c\n" + card)
    deck = parse_deck_file(path)
    assert deck.cards == []
    (error,) = deck.errors
    assert (error.path, error.line, error.col) == (str(path), line, col)
    assert message in error.message


def test_type_output_config_global_and_per_deck(tmp_path):
    cfg = tmp_path / "config.toml"
    cfg.write_text('type_output = true\n[deck."Python::Basics"]\ntype_output = false\n[deck."Rust"]\nnew_per_day = 3\n')
    config = load_config(cfg)
    assert config.types_output("Python") is True
    assert config.types_output("Python::Basics") is False
    assert config.types_output("python::basics::More") is False  # a deck's table covers its subdecks
    assert config.types_output("Rust") is True
    assert load_config(tmp_path / "missing.toml").types_output("X") is False
    cfg.write_text('type_output = "yes"\n')
    with pytest.raises(PyflashError, match=r"config.toml:1:1: 'type_output' must be true or false"):
        load_config(cfg)
    cfg.write_text('[deck."A"]\ntype_output = 1\n')
    with pytest.raises(PyflashError, match=r"config.toml:2:1: 'type_output' of deck 'A' must be true or false"):
        load_config(cfg)


# -- the review log ----------------------------------------------------------


def test_version_2_store_migrates_to_a_typed_column(tmp_path):
    db_path = tmp_path / "old.sqlite3"
    db = sqlite3.connect(db_path, isolation_level=None)
    db.executescript(f"BEGIN;{MIGRATIONS[0]}{MIGRATIONS[1]}PRAGMA user_version = 2; COMMIT;")
    db.execute("INSERT INTO reviews (key, deck, ts, day, grade, kind) VALUES ('k', 'D', 't', 5, 4, 'review')")
    db.close()
    with Store(db_path) as store:
        assert store.schema_version == SCHEMA_VERSION >= 3
        (entry,) = store.log()
        assert (entry.grade, entry.typed) == (4, None)  # old rows: revealed, not typed


def test_typed_answer_is_logged_with_the_grade_and_undo_works(tmp_path, ws_factory):
    deck = write_deck(tmp_path / "decks", "t.yaml", DECK)
    ws = ws_factory(deck)
    session = ws.session()
    first = session.current
    session.reveal()
    session.grade(5, typed="forty-two")
    session.reveal()
    session.grade(3)
    log = ws.store.log()
    assert [(e.key, e.grade, e.typed) for e in log] == [(first.key, 5, "forty-two"), (log[1].key, 3, None)]
    session.undo()
    session.undo()
    assert session.current.key == first.key
    assert ws.store.get(first.key) is None
    assert [e.kind for e in ws.store.log()][-2:] == ["undo", "undo"]


def test_doctor_repair_keeps_typed_answers_and_reads_older_files(tmp_path):
    db_path = paths.store_path()
    db_path.parent.mkdir(parents=True, exist_ok=True)
    with Store(db_path) as store:
        store.connection.execute(
            "INSERT INTO reviews (key, deck, ts, day, grade, kind, typed) VALUES ('k', 'D', 't', 5, 4, 'review', '42')")
    repair(db_path, now=datetime(2026, 3, 2))
    with Store(db_path) as store:
        assert [e.typed for e in store.log()] == ["42"]
    old = tmp_path / "v2.sqlite3"
    db = sqlite3.connect(old, isolation_level=None)
    db.executescript(f"BEGIN;{MIGRATIONS[0]}{MIGRATIONS[1]}PRAGMA user_version = 2; COMMIT;")
    db.execute("INSERT INTO reviews (key, deck, ts, day, grade, kind) VALUES ('k', 'D', 't', 5, 4, 'review')")
    db.close()
    report = repair(old, now=datetime(2026, 3, 2))
    assert report.copied["reviews"] == 1 and report.lost["reviews"] == 0


CLOZE_DECK = """\
deck: C
cards:
  - id: argp
    q: Make --verbose an on/off flag
    type: true
    cloze: |
      parser.add_argument("--verbose", {{c1::action="store_true"}})
      args = {{c2::parser.parse_args()::parse}} or {{c2::None}}
  - id: rev
    q: Six times seven?
    a: "42"
    type: true
    reverse: true
"""


def test_typed_cloze_checks_the_hidden_text_and_a_reverse_card_is_not_typed(tmp_path):
    from pyflash.core.answers import can_type, check_typed, expected_text

    deck = parse_deck_file(write_deck(tmp_path, "c.yaml", CLOZE_DECK))
    assert deck.errors == []
    c1, c2, forward, backward = deck.cards
    assert expected_text(c1) == 'action="store_true"' and can_type(c1)
    assert expected_text(c2) == "parser.parse_args()\nNone"  # two spans of one number: one line each
    assert check_typed(c1, 'action="store_true"').grade == 5
    assert check_typed(c1, "action='store_true'").grade == 3  # two edits in 19 characters: close
    assert check_typed(c1, "nargs='+'").grade == 1
    assert check_typed(c2, "parser.parse_args()\nNone").grade == 5
    assert can_type(forward) and forward.variant == ""
    assert not can_type(backward) and backward.variant == "r"  # its answer is the question


def test_accept_on_a_cloze_card_is_an_error(tmp_path):
    path = write_deck(tmp_path, "c.yaml", "deck: C\ncards:\n  - q: Q\n    type: true\n    accept: [x]\n"
                      "    cloze: a {{c1::b}}\n")
    (error,) = parse_deck_file(path).errors
    assert (error.line, error.col) == (5, 5)
    assert "a cloze card is checked against its hidden text; remove 'accept'" in error.message


def test_turning_typing_on_keeps_the_card_and_its_history(tmp_path, ws_factory):
    """Typing is a way of answering: `type` and `accept` are not part of a card's identity."""
    plain = "deck: T\ncards:\n  - q: Six times seven?\n    a: '42'\n"
    path = write_deck(tmp_path / "decks", "t.yaml", plain)
    ws = ws_factory(path)
    session = ws.session()
    before = session.current.key
    session.reveal()
    session.grade(4)
    path.write_text(plain + "    type: true\n    accept: [forty-two]\n", encoding="utf-8")
    ws2 = ws_factory(path)
    (card,) = ws2.result.cards
    assert card.key == before and card.type_in and card.accept == ("forty-two",)
    assert ws2.store.get(card.key).repetitions == 1
