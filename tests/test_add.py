"""Adding cards (core): where they go, the old bytes kept, ids, validation, bundled decks."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pyflash.core import BundledDeckError, CardDraft, Locations, PyflashError
from pyflash.core.decks.add import apply_add, card_id_for, plan_add, slug
from pyflash.core.decks.loader import load_decks, parse_deck_file


def locations(tmp_path: Path, bundled: Path | None = None) -> Locations:
    sources = ((("bundled", bundled),) if bundled else ()) + (("user", tmp_path / "user"),)
    return Locations(tmp_path / "s.sqlite3", tmp_path / "c.toml", sources)


def deck_file(tmp_path: Path, name: str, data: bytes, folder: str = "user") -> Path:
    path = tmp_path / folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def add(tmp_path: Path, draft: CardDraft, bundled: Path | None = None, **kw):
    loc = locations(tmp_path, bundled)
    result = load_decks(loc.deck_sources, skip_missing=True)
    plan = plan_add(draft, result, loc, **kw)
    return plan, apply_add(plan, result)


def inserted_once(old: bytes, new: bytes, snippet: bytes) -> bool:
    """True when ``new`` is ``old`` with ``snippet`` inserted at one place, every old byte kept."""
    size = len(snippet)
    return any(new[:i] + new[i + size :] == old and new[i : i + size] == snippet for i in range(len(old) + 1))


FILES = {
    "comments and odd quoting": (
        b"# My deck: keep this comment\n"
        b"deck: Mine   # the name\n"
        b"cards:\n"
        b"  - id: one\n"
        b"    q: 'It''s single-quoted'   # trailing comment\n"
        b'    a: "double \\"quoted\\""\n'
        b"\n"
        b"  - q: >\n"
        b"      folded\n"
        b"      text\n"
        b"    a: |+\n"
        b"      kept\n"
        b"\n"
        b"# the end\n"
    ),
    "no trailing newline": b"deck: Mine\ncards:\n  - q: x?\n    a: y  # no newline after this",
    "cards not the last key": (
        b"deck: Mine\ncards:\n- q: x?\n  a: |\n    y\n\n# tags for every card\ntags: [t]\nlang: python\n"
    ),
    "crlf": b"deck: Mine\r\ncards:\r\n    - q: x?\r\n      a: y\r\n",
    "flow empty": b"deck: Mine\ncards: []   # none yet\n",
    "flow with items": b"deck: Mine\ncards: [{q: x?, a: y},\n  {q: z?, a: w}]\n",
    "empty cards key": b"deck: Mine\ncards:\ndescription: d\n",
    "byte-order mark": "\ufeffdeck: Mine\ncards:\n  - q: 问题？\n    a: 答\n".encode(),
    "tabs in text and comments": b"deck: Mine\ncards:\n  - q: \"x\ty?\"\t# a tab\n    a: y\n",
    "document end marker": b"deck: Mine\ncards:\n  - q: x?\n    a: y\n...\n",
}


@pytest.mark.parametrize("name", FILES)
def test_append_keeps_every_old_byte(tmp_path, name):
    old = FILES[name]
    path = deck_file(tmp_path, "mine.yaml", old)
    draft = CardDraft(
        "mine", "How do you *unzip* a list: of pairs?", a="Use `zip(*pairs)`:\n\n    xs, ys = zip(*pairs)\n",
        code="xs, ys = zip(*pairs)\nprint(xs)\n", note="# not a comment", tags=("py", "a b"),
    )
    plan, written = add(tmp_path, draft)
    assert written == path and not plan.new_file
    new = path.read_bytes()
    newline = b"\r\n" if b"\r\n" in old else b"\n"
    assert inserted_once(old, new, plan.snippet.encode()), new.decode()
    assert plan.snippet.encode().count(newline) == plan.snippet.count("\n")  # the file's line endings
    loaded = parse_deck_file(str(path))
    assert loaded.errors == []
    card = loaded.cards[-1]
    assert (card.id, card.q, card.a, card.code, card.note) == (
        "unzip-list-pairs", draft.q, draft.a, draft.code, draft.note
    )
    assert {"py", "a b"} <= set(card.tags)
    assert plan.line == card.line
    before = parse_deck_file(str(path), old).cards
    assert list(loaded.cards[: len(before)]) == list(before)


def test_item_indentation_follows_the_last_item(tmp_path):
    path = deck_file(tmp_path, "m.yaml", b"deck: M\ncards:\n    -   q: x?\n        a: y\n")
    plan, _ = add(tmp_path, CardDraft("M", "Second?", a="two\nlines"))
    assert plan.snippet == "    -   id: second\n        q: Second?\n        a: |-\n          two\n          lines\n"
    assert parse_deck_file(str(path)).errors == []


def test_new_deck_gets_a_new_file_named_after_it(tmp_path):
    deck_file(tmp_path, "python-basics.yaml", b"deck: Other\ncards:\n  - q: x?\n    a: y\n")
    plan, written = add(tmp_path, CardDraft("Python::Basics", "What is a list?", a="A sequence."))
    assert plan.new_file and written.name == "python-basics-2.yaml"
    assert written.read_text() == "deck: Python::Basics\ncards:\n  - id: list\n    q: What is a list?\n    a: A sequence.\n"


def test_deck_name_matches_in_any_case_and_goes_to_that_file(tmp_path):
    path = deck_file(tmp_path, "b.yaml", b"deck: Python::Basics\ncards:\n  - q: x?\n    a: y\n")
    plan, written = add(tmp_path, CardDraft("python::BASICS", "Another?", a="z"))
    assert written == path and plan.deck == "Python::Basics"


def test_generated_ids_are_readable_stable_and_unique_across_decks(tmp_path):
    deck_file(tmp_path, "a.yaml", b"deck: A\ncards:\n  - id: unzip-list-pairs\n    q: x?\n    a: y\n")
    draft = CardDraft("B", "How do you unzip a list of pairs?", a="zip(*p)")
    plan, _ = add(tmp_path, draft)
    assert plan.card_id == "unzip-list-pairs-2"  # taken in deck A
    plan, _ = add(tmp_path, dataclasses.replace(draft, q="How do you unzip a list of pairs, again?"))
    assert plan.card_id == "unzip-list-pairs-again"
    first = card_id_for(CardDraft("B", "What is it?"), lambda k: False)
    assert card_id_for(CardDraft("B", "What is it?"), lambda k: False) == first  # stable
    assert card_id_for(CardDraft("B", "What is it?"), lambda k: k == first) == first + "-2"


def test_generated_id_avoids_review_history_of_a_deleted_card(tmp_path):
    deck_file(tmp_path, "a.yaml", b"deck: A\ncards:\n  - q: x?\n    a: y\n")
    plan, _ = add(tmp_path, CardDraft("A", "Generators?", a="yield"), taken=lambda key: key == "generators")
    assert plan.card_id == "generators-2"


def test_chinese_question_gets_an_ascii_id_with_a_short_hash():
    one = card_id_for(CardDraft("Python::基础语法", "什么是生成器？"), lambda k: False)
    two = card_id_for(CardDraft("Python::基础语法", "什么是迭代器？"), lambda k: False)
    assert one.isascii() and one.startswith("python-") and one != two
    assert card_id_for(CardDraft("X", "`zip()` 在两个列表长度不同时会怎样？"), lambda k: False).startswith("zip-")
    assert slug("Python::基础语法", keep_unicode=True) == "python-基础语法"
    assert slug("Élan vital", limit=4) == "elan"


def test_given_id_must_be_unused(tmp_path):
    path = deck_file(tmp_path, "a.yaml", b"deck: A\ncards:\n  - id: zip\n    q: x?\n    a: y\n")
    with pytest.raises(PyflashError, match=r"id 'zip' is already used at .*a.yaml:3"):
        add(tmp_path, CardDraft("A", "Other?", a="b", id="zip"))
    assert path.read_bytes() == b"deck: A\ncards:\n  - id: zip\n    q: x?\n    a: y\n"


@pytest.mark.parametrize(
    ("draft", "message"),
    [
        (CardDraft("A", "No answer?"), "needs an answer"),
        (CardDraft("A", "   ", a="x"), "'q' is empty"),
        (CardDraft("A", "Output without code?", output="1"), "'output' needs the `code:`"),
        (CardDraft("A::", "Bad deck name?", a="x"), "deck name"),
    ],
)
def test_invalid_card_is_never_written(tmp_path, draft, message):
    old = b"deck: A\ncards:\n  - q: x?\n    a: y\n"
    path = deck_file(tmp_path, "a.yaml", old)
    with pytest.raises(PyflashError, match=message):
        add(tmp_path, draft)
    assert path.read_bytes() == old
    assert sorted(p.name for p in path.parent.iterdir()) == ["a.yaml"]


def test_loader_error_names_the_line_the_card_would_have(tmp_path):
    deck_file(tmp_path, "a.yaml", b"deck: A\ncards:\n  - q: x?\n    a: y\n")
    with pytest.raises(PyflashError) as info:
        add(tmp_path, CardDraft("A", "No answer?"))
    assert str(info.value).endswith("a.yaml:5:5: card 2: needs an answer: add `a:` (or `output:` for a predict-the-output card)")


def test_file_with_errors_is_refused(tmp_path):
    old = b"deck: A\ncards:\n  - q: x?\n    anser: y\n"
    path = deck_file(tmp_path, "a.yaml", old)
    with pytest.raises(PyflashError, match="unknown key 'anser'.*fix the deck file first"):
        add(tmp_path, CardDraft("A", "New?", a="b"))
    assert path.read_bytes() == old


def test_file_changed_after_planning_is_not_overwritten(tmp_path):
    path = deck_file(tmp_path, "a.yaml", b"deck: A\ncards:\n  - q: x?\n    a: y\n")
    loc = locations(tmp_path)
    result = load_decks(loc.deck_sources)
    plan = plan_add(CardDraft("A", "New?", a="b"), result, loc)
    path.write_bytes(b"deck: A\ncards:\n  - q: x?\n    a: changed\n")
    with pytest.raises(PyflashError, match="changed since it was read"):
        apply_add(plan, result)
    assert b"New?" not in path.read_bytes()


def test_bundled_deck_is_refused_with_the_copy_offer(tmp_path):
    bundled = tmp_path / "bundled"
    old = b"deck: Python::NumPy\ncards:\n  - id: np-1\n    q: x?\n    a: y\n"
    source = deck_file(tmp_path, "numpy.yaml", old, folder="bundled")
    with pytest.raises(BundledDeckError, match="--copy-bundled") as info:
        add(tmp_path, CardDraft("python::numpy", "Broadcasting?", a="shapes"), bundled=bundled)
    assert info.value.deck == "Python::NumPy" and info.value.folder == tmp_path / "user"
    assert not (tmp_path / "user").exists()
    plan, written = add(tmp_path, CardDraft("python::numpy", "Broadcasting?", a="shapes"), bundled=bundled, copy_bundled=True)
    assert written == tmp_path / "user" / "numpy.yaml" and plan.copy_from == str(source)
    assert source.read_bytes() == old
    assert written.read_bytes().startswith(old)
    loc = locations(tmp_path, bundled)
    result = load_decks(loc.deck_sources)
    assert result.overridden_decks() == {"Python::NumPy"}
    assert [c.key for c in result.cards] == ["np-1", "broadcasting"]
    # The copy now overrides the bundled deck: the next card goes to it.
    _, again = add(tmp_path, CardDraft("Python::NumPy", "Axis?", a="0"), bundled=bundled)
    assert again == written


PIECES = st.one_of(
    st.sampled_from(list(" \n\t\r:#-?&*!|>'\"%@`{}[],\\~\x85\u2028\x00\ufeff") + ["null", "yes", "- ", ": ", " #", "...", "---"]),
    st.characters(codec="utf-8", exclude_categories=("Cs",)),
)
TEXT = st.lists(PIECES, max_size=30).map("".join)
BASES = [
    b"# comment\ndeck: H\ncards:\n  - q: 'first'  # one\n    a: |\n      1\n",
    b"deck: H\r\ncards:\r\n- q: first\r\n  a: '1'",  # CRLF, no final newline
    b"deck: H\ncards: [{q: first, a: '1'}]  # flow\n",
    b"deck: H\ncards:\n    - q: first\n      a: \"1\"\n\n# tags\ntags: [x]\n",  # cards not last
]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    base=st.sampled_from(BASES), q=TEXT.filter(lambda s: bool(s.strip())), a=TEXT.filter(lambda s: bool(s.strip())),
    code=TEXT,
)
def test_any_text_reads_back_the_same(tmp_path, base, q, a, code):
    deck_file(tmp_path, "h.yaml", base)
    loc = locations(tmp_path)
    result = load_decks(loc.deck_sources)
    plan = plan_add(CardDraft("H", q, a=a, code=code), result, loc)
    data = plan.text.encode("utf-8")
    assert inserted_once(base, data, plan.snippet.encode("utf-8"))
    loaded = parse_deck_file("h.yaml", data)
    assert loaded.errors == []
    card = loaded.cards[-1]
    assert card.q == q.strip()
    assert card.a == a
    assert card.code == (code if code.strip() else None)


def test_a_one_word_question_takes_words_of_its_code():
    taken = lambda key: False  # noqa: E731
    assert card_id_for(CardDraft("P", "What does this print?", code="print(sorted(xs))\n"), taken) == "print-sorted-xs"
    assert card_id_for(CardDraft("P", "What does this print?", code="x = [1] * 3\n"), taken) == "print-x-1-3"
    assert card_id_for(CardDraft("P", "What does this print?"), taken) == "print"
