"""`pyflash import` keeps every fact of the notes (issue 16).

Each file under tests/data/notes/ shows one defect of the old importer; the
fidelity rule (tests/fidelity.py) is run on all of them and on the shared
notes (found by conftest.find_notes; skipped, saying so, when absent).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from conftest import find_notes, run_main
from fidelity import card_code_texts, code_blocks, fidelity_problems
from pyflash.core.decks.loader import explicit_sources, load_decks
from pyflash.importer.drafts import DRAFT_QUESTION, DraftCard, DraftDeck, Drafts, build_drafts
from pyflash.importer.notes import parse_notes
from pyflash.importer.yaml_writer import dump_deck

NOTES = Path(__file__).resolve().parent / "data" / "notes"
DEFECTS = ["html-in-code", "images-formulas", "list-structure", "two-blocks", "byline-title", "toc", "definitions"]
# all of the above at once, as a public cheat sheet would have them
MIXED = ["cheatsheet"]
ALL = [*DEFECTS, *MIXED, "tricky", "plain"]


def drafts_of(name: str) -> Drafts:
    path = NOTES / f"{name}.md"
    return build_drafts(parse_notes(path.read_text(encoding="utf-8")), str(path))


def cards_of(name: str) -> list[DraftCard]:
    return [c for d in drafts_of(name).decks for c in d.cards]


def by_q(name: str) -> dict[str, DraftCard]:
    return {c.q: c for c in cards_of(name)}


def import_to(notes: Path, out: Path, capsys, *extra: str) -> str:
    code, stdout, err = run_main(["import", str(notes), "-o", str(out), *extra], capsys)
    assert code == 0, err
    return stdout


@pytest.fixture(scope="module")
def shared_notes() -> Path:
    path = find_notes()
    if path is None:
        reason = "shared notes not found: set PYFLASH_NOTES or put python-notes.md in ../shared/notes/"
        print(reason)
        pytest.skip(reason)
    return path


# --------------------------------------------------------------------------
# The rules, on every notes file


def _code_problems(path: Path) -> list[str]:
    """Code blocks of the notes that no card carries byte for byte, unless the
    importer says it changed them (in the report and in the card's note)."""
    text = path.read_text(encoding="utf-8")
    drafts = build_drafts(parse_notes(text), str(path))
    cards = [c for d in drafts.decks for c in d.cards]
    carried = [t for c in cards for t in card_code_texts(c)]
    changed = {c.line for c in drafts.code_changed}
    problems = []
    for line, content, _nested in code_blocks(text):
        if not content.strip() or content in carried:
            continue
        if line in changed:
            continue
        problems.append(f"{path.name}:{line}: code block not on any card byte for byte")
    noted = [c for c in cards if c.note and "differs here" in c.note]
    if len(noted) != len(changed):
        problems.append(f"{path.name}: {len(changed)} changed code block(s) but {len(noted)} card note(s) say so")
    return problems


@pytest.mark.parametrize("name", ALL)
def test_answers_render_as_the_notes(name):
    _, problems = fidelity_problems(NOTES / f"{name}.md")
    assert problems == [], "\n".join(problems)


@pytest.mark.parametrize("name", ALL)
def test_every_code_block_is_on_a_card_byte_for_byte(name):
    assert _code_problems(NOTES / f"{name}.md") == []


@pytest.mark.parametrize("name", ALL)
def test_no_bare_numbered_question_and_no_shared_deck(name):
    drafts = drafts_of(name)
    names = [d.deck for d in drafts.decks]
    assert len(names) == len(set(names)), names
    for card in (c for d in drafts.decks for c in d.cards):
        if re.search(r"\(\d+/\d+\)$", card.q):
            assert "what does this code do?" in card.q and DRAFT_QUESTION in card.tags, card.q


def test_shared_notes_fidelity(shared_notes):
    drafts, problems = fidelity_problems(shared_notes)
    assert drafts.card_count > 100
    assert problems == [], "\n".join(problems[:5])
    assert _code_problems(shared_notes) == []


def test_shared_notes_report_and_check(shared_notes, tmp_path, capsys):
    out = tmp_path / "drafts"
    stdout = import_to(shared_notes, out, capsys, "--report")
    m = re.search(r"fidelity: (\d+) code block\(s\) kept byte for byte, (\d+) changed", stdout)
    assert m, stdout
    kept, changed = int(m.group(1)), int(m.group(2))
    blocks = [b for b in code_blocks(shared_notes.read_text(encoding="utf-8")) if b[1].strip()]
    assert kept + changed == len(blocks)
    listed = re.findall(rf"^    {re.escape(shared_notes.name)}:(\d+): removed editor markup", stdout, re.M)
    assert len(listed) == changed
    cards = load_decks(explicit_sources([out])).cards
    assert sum(1 for c in cards if c.note and "differs here" in c.note) == changed  # none changed without a note
    code, check_out, _ = run_main(["check", str(out)], capsys)
    assert code == 0 and "no errors" in check_out


# --------------------------------------------------------------------------
# One defect each


def test_html_in_code_is_code():
    cards = by_q("html-in-code")
    assert cards["Tags that are the code"].code == (
        'print("<b>bold</b>")  # prints <b>bold</b>\nhtml = \'<span style="color:red">x</span>\'\n'
    )
    assert cards["Tags that are the code"].note is None
    assert cards["Tags in a comment of working code"].code == "x = 1  # <em>not removed</em>\n"
    assert cards["Markup around code that is not Python"].code == "<em>keep me</em> as it is\n"


def test_editor_markup_is_removed_only_where_it_breaks_python_and_named():
    card = by_q("html-in-code")["Editor markup around Python"]
    # `</em>` is inside the comment, so it stays
    assert card.code == "data = data[data[:, 2].argsort()] # sort rows by the 3rd column</em>\ntotal = sum(data[:, 0])\n"
    assert card.note is not None
    for tag in ("`<em>` (line 1)", '`<span style="color:#ff0000">` (line 2)', "`</span>` (line 2)"):
        assert tag in card.note
    drafts = drafts_of("html-in-code")
    assert [c.line for c in drafts.code_changed] == [14, 33]
    assert drafts.code_kept == 3


def test_code_written_as_an_html_pre_block_is_code_and_says_so():
    card = by_q("html-in-code")["Code written as HTML"]
    assert card.code == 'if a < b:\n    print("less")\n' and card.lang == "python"
    assert card.note is not None and "HTML <pre> block" in card.note


def test_images_and_formulas_are_carried():
    drafts = drafts_of("images-formulas")
    cards = by_q("images-formulas")
    lookup = cards["Hash table lookup"].a
    assert "Lookup is $O(1)$ on average" in lookup and "$O(n)$ at worst" in lookup
    assert "$\\alpha=n/m$" in lookup
    diagram = cards["A diagram"].a
    assert "![The buckets of a hash table](img/buckets.png)" in diagram
    assert "![Chaining](https://example.org/chain.png)" in diagram
    sorting = cards["Sorting"].a
    assert "$n\\log n$" in sorting and "$\\frac{n}{2}$" in sorting
    assert (drafts.images, drafts.formulas) == (2, 5)


def test_structure_in_list_items_survives():
    card = by_q("list-structure")["Install steps"]
    assert card.code is None  # the code in the item stays in the item
    assert "1. Create an environment:\n\n   ```bash\n   python -m venv .venv\n   ```\n\n2. " in card.a
    assert "   | command | what |\n   |---|---|\n" in card.a
    assert "   > Never install into the system Python.\n\n   A second paragraph in the same item." in card.a
    assert drafts_of("list-structure").code_kept == 3


def test_prose_goes_with_the_block_it_talks_about():
    first, second, *_ = cards_of("two-blocks")
    assert first.code == "xs = [1, 2]\n" and first.a == "This list has two items."
    assert second.code == 'd = {"a": 1}\n' and second.a == "A dict maps keys to values:\n\nIt has one key."
    assert second.q == "Lists and dicts › A dict maps keys to values" and DRAFT_QUESTION not in second.tags


def test_questions_say_what_the_card_shows_when_the_notes_say_nothing():
    cards = [c for c in cards_of("two-blocks") if c.source == "No words at all"]
    assert [c.q for c in cards] == [
        "No words at all — two blocks: what does this code do? (1/2)",
        "No words at all — two blocks: what does this code do? (2/2)",
    ]
    assert all(DRAFT_QUESTION in c.tags for c in cards)


def test_draft_questions_are_found_by_lint_and_search(tmp_path, capsys):
    out = tmp_path / "d"
    stdout = import_to(NOTES / "two-blocks.md", out, capsys)
    assert f"3 question(s) say only what the card shows (tag {DRAFT_QUESTION}); `pyflash check --lint {out}/` lists them" in stdout
    code, found, err = run_main(["search", f"tag:{DRAFT_QUESTION}", str(out)], capsys)
    assert code == 0, err
    assert found.count("what does this code do?") == 3
    code, linted, err = run_main(["check", "--lint", str(out)], capsys)
    assert code == 0, err
    warnings = [ln for ln in (linted + err).splitlines() if "[draft-question]" in ln]
    assert len(warnings) == 3 and all("01-lists-and-dicts.yaml:" in w or "02-no-words-at-all.yaml:" in w for w in warnings)


def test_byline_and_title_text_make_one_deck(tmp_path, capsys):
    drafts = drafts_of("byline-title")
    assert [d.deck for d in drafts.decks] == ["My Python Notes", "My Python Notes::Labels"]
    (intro,) = drafts.decks[0].cards
    assert intro.a == "Some text under the title that explains the notes."
    assert [(s.line, s.what) for s in drafts.skipped] == [(1, "byline")]
    stdout = import_to(NOTES / "byline-title.md", tmp_path / "d", capsys)
    assert "byline-title.md:1: byline" in stdout


def test_fence_labels_ignore_case_and_know_aliases():
    cards = [c for c in cards_of("byline-title") if c.code]
    assert [c.lang for c in cards] == ["python", "python", "bash", "bash", "console", "python"]
    assert all(c.note is None for c in cards)


def test_table_of_contents_and_front_matter_make_no_card(tmp_path, capsys):
    cards = cards_of("toc")
    assert [c.q for c in cards] == ["Strings", "Floats"]
    stdout = import_to(NOTES / "toc.md", tmp_path / "d", capsys)
    assert "toc.md:1: front matter" in stdout and "toc.md:9: table of contents" in stdout
    assert "Contents" not in stdout.split("no empty headings")[0].split("empty heading(s)")[-1]


def test_each_defined_term_is_its_own_card():
    cards = [c for c in cards_of("definitions") if c.source != "Links are no terms"]
    assert [(c.q, c.a) for c in cards] == [
        ("Tips › enumerate", "gives the index with each item."),
        ("Tips › zip", "pairs items of several iterables."),
        ("Tips › sorted", "returns a new sorted list.\n- takes `key=` and `reverse=`"),
        ("Terms › iterator", "an object with `__next__`."),
        ("Terms › generator", "a function that yields."),
        ("Glossary", "Words used in these notes."),  # the prose around a definition list: a card of its own
        ("Glossary › Iterable", "anything `for` can loop over."),  # `Term` / `: definition` lists too
        ("Glossary › Iterator", "an object with `__next__`;\n\nit is its own iterator."),
    ]
    assert len({c.id for c in cards}) == 8 and all(c.source in ("Tips", "Terms", "Glossary") for c in cards)


# --------------------------------------------------------------------------
# Determinism, ids and the YAML


def test_same_notes_same_files(tmp_path, capsys):
    for name in ALL:
        import_to(NOTES / f"{name}.md", tmp_path / "a" / name, capsys)
        import_to(NOTES / f"{name}.md", tmp_path / "b" / name, capsys)
    a = {p.relative_to(tmp_path / "a"): p.read_bytes() for p in (tmp_path / "a").rglob("*.yaml")}
    b = {p.relative_to(tmp_path / "b"): p.read_bytes() for p in (tmp_path / "b").rglob("*.yaml")}
    assert a == b and a


def test_ids_stay_when_other_sections_change(tmp_path):
    text = (NOTES / "definitions.md").read_text(encoding="utf-8")
    before = {c.q: c.id for d in build_drafts(parse_notes(text), "n.md").decks for c in d.cards}
    edited = text.replace("- iterator: an object with `__next__`.", "- iterator: an object with `__next__` (changed).")
    edited = edited.replace("## Tips", "## Intro\n\nNew text.\n\n## Tips")
    after = {c.q: c.id for d in build_drafts(parse_notes(edited), "n.md").decks for c in d.cards}
    assert {q: after[q] for q in before} == before


def test_code_with_trailing_spaces_is_written_byte_for_byte(tmp_path):
    code = "x = 1   \n\n  \ny = 2\n\n"
    card = DraftCard("i", "q", "a", "S", code=code, lang="python")
    text = dump_deck(DraftDeck("01-x.yaml", "D", "d", (card,), 1), "n.md")
    assert "  code: |" in text  # still a block scalar, easy to edit
    assert yaml.safe_load(text)["cards"][0]["code"] == code


def test_the_fidelity_rule_can_fail():
    from fidelity import canonical, render_card, render_notes

    same = [
        ("<b>a</b><b>b</b> and <i>c</i>", "**ab** and *c*"),
        ('Lookup is <img src="https://latex.codecogs.com/svg.latex?O(1)" alt="O(1)"> fast', "Lookup is $O(1)$ fast"),
        ("[https://x.org](https://x.org)", "https://x.org"),
        ("<div>\n<p>Block</p>\n</div>", "Block"),
    ]
    for notes, card in same:
        assert canonical(render_notes(notes)) == canonical(render_card(card)), notes
    different = [
        ("- a\n- b", "- a\n\n- b"),  # tight vs loose
        ("- a\n\n  b", "- a\nb"),  # a second paragraph merged into the item
        ('Lookup is <img src="https://latex.codecogs.com/svg.latex?O(1)" alt="O(1)"> fast', "Lookup is  fast"),
        ("- a\n\n```\nx\n```\n\n- b", "- a\n- b"),  # two lists became one
        ("> q\n\nafter", "> q\nafter"),
        ("| a |\n|---|\n| 1 |", "| a |\n| 1 |"),
    ]
    for notes, card in different:
        if "```" in notes:
            notes_html = render_notes("- a") + render_notes("- b")
        else:
            notes_html = render_notes(notes)
        assert canonical(notes_html) != canonical(render_card(card)), notes


def test_a_mixed_cheat_sheet():
    drafts = drafts_of("cheatsheet")
    cards = by_q("cheatsheet")
    assert [d.deck for d in drafts.decks] == [
        "Python Cheat Sheet::Strings",
        "Python Cheat Sheet::Complexity",
        "Python Cheat Sheet::Tips",
        "Python Cheat Sheet::Steps",
        "Python Cheat Sheet::Strings (2)",  # a second section of the same name: its own deck
    ]
    assert [(s.line, s.what) for s in drafts.skipped] == [(3, "byline"), (7, "table of contents")]
    escape = cards["Strings › Escape HTML with `html.escape`"]
    assert escape.code == 'import html\nprint(html.escape("<b>bold</b> & <i>it</i>"))  # &lt;b&gt;...\n'
    assert escape.a.endswith("The output keeps the tags as text.")  # the remark on the block above
    template = cards["Strings › Templates use `<div>` markup"]
    assert '<span style="color: red">{title}</span>' in template.code and template.note is None
    assert "> ```py\n> name = \"x\"\n" in template.a  # code in a quote stays in the quote
    assert "Use \\*args for varargs, not *kwargs*; &copy; 2021 and 5 &lt; 6." in template.a  # escapes as written
    complexity = cards["Complexity"].a
    assert "| lookup | $O(1)$ | $O(n)$ |" in complexity and "$O(n\\log n)$" in complexity
    assert "[the wiki](https://wiki.python.org/moin/TimeComplexity)" in complexity
    assert drafts.formulas == 4
    assert [q for q in cards if q.startswith("Tips")] == ["Tips", "Tips › `enumerate(xs)`", "Tips › zip", "Tips › sorted"]
    assert cards["Tips"].a == "Handy built-ins:"
    assert cards["Strings"].code == 'indented = "code"\nprint(indented)  \n'  # trailing spaces too


def test_a_list_of_urls_is_no_definition_list():
    (card,) = [c for c in cards_of("definitions") if c.source == "Links are no terms"]
    assert card.q == "Links are no terms" and card.term is None
    assert card.a == "- https://docs.python.org/3/library/functions.html\n- http://example.org/notes"


def test_report_option_lists_each_change_and_skip(tmp_path, capsys):
    stdout = import_to(NOTES / "html-in-code.md", tmp_path / "d", capsys, "--report")
    assert (
        "fidelity: 3 code block(s) kept byte for byte, 2 changed (each card's note says why), "
        "0 image(s) and 0 formula(s) carried, 0 section(s) skipped"
    ) in stdout
    assert "fidelity report for html-in-code.md:" in stdout
    assert "    html-in-code.md:14: removed editor markup that broke the Python (it parses only without it): `<em>` (line 1)" in stdout
    assert "    html-in-code.md:33: the notes write this code as an HTML <pre> block" in stdout
    plain = import_to(NOTES / "html-in-code.md", tmp_path / "e", capsys)
    assert "fidelity: 3 code block(s)" in plain and "fidelity report" not in plain


def test_tabs_in_code_inside_a_list_item_are_kept():
    card = by_q("list-structure")["Tabs in an item"]
    assert "   ```make\n   all:\n   \tpython -m build\n   ```" in card.a


def test_a_name_alone_under_the_title_is_a_byline():
    drafts = build_drafts(parse_notes("# T\n\n*Jane Doe*\n\nReal intro.\n\n## S\n\nx\n"), "n.md")
    assert [(s.line, s.what) for s in drafts.skipped] == [(3, "byline")]
    assert [c.a for c in drafts.decks[0].cards] == ["Real intro."]
    # a sentence is no byline, and a name later on is text
    drafts = build_drafts(parse_notes("# T\n\nQuick notes on Python.\n\nJane Doe\n\n## S\n\nx\n"), "n.md")
    assert drafts.skipped == () and drafts.decks[0].cards[0].a == "Quick notes on Python.\n\nJane Doe"


def test_an_html_table_becomes_a_markdown_table():
    card = by_q("list-structure")["A table written as HTML"]
    assert card.a == "| method | returns |\n|---|---|\n| `append` | **None** |\n| pop | the item \\| last |"
