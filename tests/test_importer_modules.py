"""The importer's modules on their own: Markdown to fields, notes parsing,
language detection, draft decks, the YAML writer and atomic draft writing.

The end-to-end behaviour (``pyflash import`` on fixture notes) is in
test_import.py.
"""

from __future__ import annotations

import dataclasses
import errno
import os
from pathlib import Path

import pytest
import yaml
from markdown_it.tree import SyntaxTreeNode

from pyflash.core.decks.loader import parse_deck_file
from pyflash.core.errors import PyflashError
from pyflash.core.markup import markdown_parser
from pyflash.importer import command
from pyflash.importer.command import import_notes, report_lines
from pyflash.importer.drafts import TODO_ANSWER, DraftCard, DraftDeck, build_drafts, card_id
from pyflash.importer.lang import clean_code, detect_lang, normalise_lang
from pyflash.importer.markdown import Block, BlockKind, node_blocks
from pyflash.importer.notes import parse_notes, split_front_matter
from pyflash.importer.yaml_writer import dump_deck

TRICKY = Path(__file__).resolve().parent / "data" / "notes" / "tricky.md"


def blocks(markdown: str) -> list[Block]:
    root = SyntaxTreeNode(markdown_parser(html=True).parse(markdown))
    return [b for node in root.children for b in node_blocks(node)]


def prose(markdown: str) -> str:
    (block,) = blocks(markdown)
    assert block.kind == BlockKind.PROSE
    return block.text


# --------------------------------------------------------------------------
# Markdown to card fields


def test_html_emphasis_becomes_markdown_and_unknown_tags_stay_text():
    assert prose("<strong>a</strong><strong>b</strong> <em> spaced </em> List<int>\n") == "**ab**  *spaced*  List<int>"
    assert prose("<div>\n<p>Block <b>x</b></p>\n<!-- gone -->\n</div>\n") == "Block **x**"


def test_links_collapse_to_the_url_when_the_label_is_the_url():
    assert prose("[https://x.org/](https://x.org) [t](u) ![alt](p.png)\n") == "https://x.org [t](u) ![alt](p.png)"


def test_lists_quotes_and_tables_are_written_back_as_markdown():
    assert prose("1. one\n2. two\n   - nested\n") == "1. one\n2. two\n   - nested"
    assert prose("> q1\n>\n> q2\n") == "> q1\n>\n> q2"
    assert prose("| a | b |\n|---|---|\n| x \\| y | **z** |\n") == "| a | b |\n|---|---|\n| x \\| y | **z** |"


def test_code_blocks_keep_content_info_and_line():
    found = blocks("text\n\n```py title\nx\n```\n\n    indented\n")
    assert [(b.kind, b.text, b.line, b.info) for b in found] == [
        (BlockKind.PROSE, "text", 1, ""),
        (BlockKind.CODE, "x\n", 3, "py title"),
        (BlockKind.CODE, "indented\n", 7, ""),
    ]


# --------------------------------------------------------------------------
# Notes parsing


def test_front_matter_is_blanked_to_keep_line_numbers():
    meta, body = split_front_matter("---\ntitle: T\n---\n## A\n")
    assert meta == {"title": "T"}
    assert body == "\n\n\n## A\n"
    meta, body = split_front_matter('+++\ntitle = "T"\n+++\nx\n')
    assert meta == {"title": "T"} and body.split("\n")[3] == "x"
    assert split_front_matter("---\nbroken: [yaml\n---\nx\n")[0] == {}  # unreadable: still front matter
    assert split_front_matter("---\nno end\n") == ({}, "---\nno end\n")


def test_parsed_notes_are_frozen_and_typed():
    notes = parse_notes("## A\n\nsome *text*\n\n### [B](u)\n\n```\nx\n```\n")
    a, b = notes.headings
    assert (a.level, a.text, a.line, a.has_children, a.source) == (2, "A", 1, True, "A")
    assert (b.plain, b.path, b.source) == ("B", ("A", "[B](u)"), "A / [B](u)")
    assert a.blocks == (Block(BlockKind.PROSE, "some *text*", 3, end=4),)
    with pytest.raises(dataclasses.FrozenInstanceError):
        a.text = "changed"  # type: ignore[misc]  # the point: frozen


def test_several_h1_make_h1_the_section_level():
    notes = parse_notes("# One\n\nx\n\n# Two\n\ny\n")
    assert notes.section_level == 1 and notes.title is None
    assert parse_notes("# Title\n\n## S\n\nx\n").title == "Title"


# --------------------------------------------------------------------------
# Language detection


@pytest.mark.parametrize(
    ("code", "label", "expected"),
    [
        ('{\n  "a": 1, // c\n  /* b */ "b": [2,],\n}\n', None, ("json", None)),
        ("x = 1", "{python} title=x.py", ("python", None)),
        ("SELECT * FROM t;", None, ("text", None)),
        ("print(1)\n", "nosuchlang", ("python", "the notes label this code `nosuchlang` (not a known language); it looks like python, so `lang: python`.")),
        ("$ ls\n$ cd /tmp\n", "console", ("console", None)),
        ("foo bar baz", "weird-lang", ("text", None)),
    ],
)
def test_detect_lang_choice_and_reason(code, label, expected):
    assert tuple(detect_lang(code, label)) == expected


def test_normalise_lang_aliases_and_text_labels():
    assert [normalise_lang(x) for x in ("py3", "shell", "plaintext", "pycon", "{.python}", None)] == [
        "python", "bash", "text", "pycon", "python", None,
    ]


def test_clean_code_keeps_code_byte_for_byte():
    # white space, blank lines and tags that are the code all stay
    for code in ("\n\nx = 1  \n\n", 'print("<b>bold</b>")\n', "x = 1  # <em>c</em>\n", "<em>keep</em>\n"):
        assert clean_code(code, "python") == (code, ())
    assert clean_code("<em>keep</em>\n", "html") == ("<em>keep</em>\n", ())


def test_clean_code_removes_only_markup_that_breaks_python():
    code = '<em># c\n</em>x = "<b>" <em>#t</em>\n'
    cleaned, removed = clean_code(code, "python")
    assert cleaned == '# c\nx = "<b>" #t</em>\n'  # the string and the comment are untouched
    assert removed == ("`<em>` (line 1)", "`</em>` (line 2)", "`<em>` (line 2)")
    span = '<span style="color:#f00">print("#")</span>\n'
    assert clean_code(span, "python") == ('print("#")\n', ('`<span style="color:#f00">` (line 1)', "`</span>` (line 1)"))
    assert clean_code("<em>not python at all</em>\n", "python") == ("<em>not python at all</em>\n", ())


# --------------------------------------------------------------------------
# Draft decks


def test_drafts_numbering_ids_and_todo_answers():
    notes = parse_notes("Intro.\n\n## Sec\n\nBefore.\n\n```\nx = 1\n```\n\n```\ny = 2\n```\n\nAfter.\n\n### Sub\n\n```\n```\n")
    drafts = build_drafts(notes, "dir/my notes.md")
    assert [(d.filename, d.deck) for d in drafts.decks] == [("00-my-notes.yaml", "my notes"), ("01-sec.yaml", "my notes::Sec")]
    first, second, sub = drafts.decks[1].cards
    assert (first.q, first.a, first.code, first.lang) == ("Sec — two blocks: what does this code do? (1/2)", "Before.", "x = 1\n", "python")
    assert first.tags == ("draft-question",)
    assert (second.q, second.a, second.code) == ("Sec — two blocks: what does this code do? (2/2)", "After.", "y = 2\n")
    assert [first.id, second.id] == [card_id("my notes", "Sec"), card_id("my notes", "Sec", 2)]
    assert sub.a.startswith("TODO:") and sub.note == "The notes have an empty code block here." and sub.tags == ("sub",)
    assert sub.code is None and sub.source == "Sec / Sub"
    assert drafts.todo == 1 and drafts.card_count == 4
    assert drafts.decks[0].description == "Draft from my notes.md (section at line 1). Curate before studying."


def test_only_code_gets_a_todo_answer_and_a_relabel_note():
    drafts = build_drafts(parse_notes("## S\n\n```lua\nfor i in range(3):\n    print(i)\n```\n"), "n.md", prefix="P::Q")
    (card,) = drafts.decks[0].cards
    assert drafts.decks[0].deck == "P:Q::S"
    assert card.a == TODO_ANSWER and card.lang == "python"
    assert card.note == "The notes label this code `lua`; it looks like python, so `lang: python`."
    assert (drafts.relabelled, drafts.todo) == (1, 1)


def test_empty_and_untitled_headings_are_counted_not_carded():
    drafts = build_drafts(parse_notes("## A\n\n## \n\ntext\n\n## B\n\n### C\n\nx\n"), "n.md")
    assert [h.text for h in drafts.empty] == ["A"]  # B has a child, so it is not empty
    assert [h.line for h in drafts.untitled] == [3]
    assert [d.deck for d in drafts.decks] == ["n::Untitled (line 3)", "n::B"]


# --------------------------------------------------------------------------
# YAML writing


TRICKY_VALUES = ["yes", "no", "null", "~", "true", "0x1F", "1e3", "*star", "&anchor", "- dash", "a: b", "# hash",
                 "  lead", "trail  ", "'quote'", '"dq"', "@at", "`tick`", "[x]", "{y}", "%pct", "", "中文", "a\tb"]


@pytest.mark.parametrize("value", TRICKY_VALUES)
def test_yaml_writer_quotes_what_would_not_read_back(value):
    card = DraftCard("id-1", value, value, value, code=value, lang="text", note=value, tags=("t",))
    text = dump_deck(DraftDeck("01-x.yaml", value or "D", value, (card,), 1), "n.md")
    data = yaml.safe_load(text)
    assert data["description"] == value
    assert data["cards"] == [{"id": "id-1", "q": value, "a": value, "code": value, "lang": "text", "note": value,
                              "tags": ["t"], "source": value}]


def test_yaml_writer_block_scalars_flow_tags_and_field_order():
    card = DraftCard("i", "q?", "line one\nline two\n\n\n", "S", code="def f():\n\treturn 1", lang="python", tags=("a", "b"))
    text = dump_deck(DraftDeck("01-x.yaml", "D::E", "desc", (card,), 1), "dir/n.md")
    assert text.startswith("# Draft deck made by `pyflash import` from n.md.\n")
    assert "  a: |\n    line one\n    line two\n" in text  # extra newlines gone
    assert "  tags: [a, b]\n" in text
    assert "\\t" in text  # a tab cannot go in a block scalar: quoted instead
    loaded = yaml.safe_load(text)["cards"][0]
    assert list(loaded) == ["id", "q", "a", "code", "lang", "tags", "source"]
    assert loaded["code"] == "def f():\n\treturn 1" and loaded["a"] == "line one\nline two\n"
    assert parse_deck_file("x.yaml", text.encode()).errors == []


# --------------------------------------------------------------------------
# The command: atomic draft writing


def _no_space(fd: int) -> None:
    raise OSError(errno.ENOSPC, "No space left on device")


def test_failed_write_leaves_no_partial_draft(tmp_path, monkeypatch):
    out = tmp_path / "drafts"
    import_notes(TRICKY, out)
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    (out / "01-shell-basics.yaml").write_text("# mine\n", encoding="utf-8")
    monkeypatch.setattr(os, "fsync", _no_space)  # the disk fills while the first draft is written
    with pytest.raises(PyflashError, match=r"drafts: cannot write: No space left on device"):
        import_notes(TRICKY, out, force=True)
    after = {p.name: p.read_bytes() for p in out.iterdir()}
    assert after == {**before, "01-shell-basics.yaml": b"# mine\n"}  # old file kept, no temporary file left


def test_fresh_folder_gets_no_file_when_the_write_fails(tmp_path, monkeypatch):
    monkeypatch.setattr(os, "fsync", _no_space)
    with pytest.raises(PyflashError, match="cannot write"):
        import_notes(TRICKY, tmp_path / "d")
    assert list((tmp_path / "d").iterdir()) == []


def test_a_draft_that_appears_while_writing_is_not_overwritten(tmp_path, monkeypatch):
    real = command.atomic_write_text

    def racing(path: Path, text: str, **kwargs: bool) -> None:
        path.write_text("# someone else\n", encoding="utf-8")  # appears after the existence check
        real(path, text, **kwargs)

    monkeypatch.setattr(command, "atomic_write_text", racing)
    with pytest.raises(PyflashError, match=r"01-shell-basics.yaml: already exists \(use --force"):
        import_notes(TRICKY, tmp_path / "d")
    assert (tmp_path / "d" / "01-shell-basics.yaml").read_text(encoding="utf-8") == "# someone else\n"
    assert [p.name for p in (tmp_path / "d").iterdir()] == ["01-shell-basics.yaml"]


def test_import_notes_report(tmp_path):
    report = import_notes(TRICKY, tmp_path / "d", prefix="Mine")
    assert report.out_dir == str(tmp_path / "d")
    assert sorted(p.name for p in (tmp_path / "d").iterdir()) == [d.filename for d in report.drafts.decks]
    lines = report_lines(report)
    assert lines[0] == f"wrote 3 draft deck(s), 13 card(s) to {tmp_path / 'd'}/"
    assert lines[1] == "  01-shell-basics.yaml: Mine::Shell basics (5 card(s))"
    assert lines[-1] == f"next: edit the drafts, then run `pyflash check {tmp_path / 'd'}/`"
