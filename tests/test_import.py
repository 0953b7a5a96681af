"""`pyflash import`: Markdown notes -> draft decks that pass `pyflash check`."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from conftest import find_notes, run_main
from pyflash.core.decks.loader import explicit_sources, load_decks
from pyflash.importer.drafts import card_id
from pyflash.importer.lang import detect_lang, normalise_lang
from pyflash.importer.notes import parse_notes

ROOT = Path(__file__).resolve().parents[1]
NOTES_DIR = Path(__file__).resolve().parent / "data" / "notes"
TRICKY = NOTES_DIR / "tricky.md"
PLAIN = NOTES_DIR / "plain.md"


def real_notes() -> Path | None:
    return find_notes()


def run(argv: list[str], capsys) -> tuple[int, str, str]:
    return run_main(argv, capsys)


def load(directory: Path):
    result = load_decks(explicit_sources([directory]))
    assert result.errors == []
    return result


def import_to(notes: Path, out: Path, capsys) -> str:
    code, stdout, err = run(["import", str(notes), "-o", str(out)], capsys)
    assert code == 0, err
    return stdout


# --------------------------------------------------------------------------
# Parsing


def test_heading_inside_code_fence_is_not_a_heading():
    notes = parse_notes(TRICKY.read_text(encoding="utf-8"))
    texts = [h.text for h in notes.headings]
    assert "not a heading" not in texts
    assert "also not a heading" not in texts
    fence = next(h for h in notes.headings if h.text == "Heading inside a fence")
    assert "# not a heading" in fence.blocks[0].text


def test_front_matter_gives_title_and_keeps_line_numbers():
    notes = parse_notes(TRICKY.read_text(encoding="utf-8"))
    assert notes.title == "My Study Notes"
    assert notes.preamble == []  # front matter is not content
    lines = TRICKY.read_text(encoding="utf-8").split("\n")
    for h in notes.headings:
        assert lines[h.line - 1].lstrip("#").strip() == h.text


def test_heading_paths_and_entries():
    notes = parse_notes(TRICKY.read_text(encoding="utf-8"))
    sources = {h.source for h in notes.entries()}
    assert "Shell basics / Labelled wrongly / Deep detail" in sources
    assert "Shell basics / Empty subsection" not in sources  # nothing under it
    assert "Data formats / Only an empty fence" in sources  # a fence counts as content
    assert all(h.text for h in notes.entries())
    untitled = [h for h in notes.headings if not h.text]
    assert len(untitled) == 1 and untitled[0].level == 2


def test_title_from_single_h1_and_indented_code():
    notes = parse_notes(PLAIN.read_text(encoding="utf-8"))
    assert notes.title == "Plain Notes"
    second = next(h for h in notes.headings if h.text == "Second topic")
    assert [b.kind for b in second.blocks] == ["code", "prose"]
    assert "# not a heading either" in second.blocks[0].text


@pytest.mark.parametrize(
    ("code", "label", "expected"),
    [
        ("for i in range(3):\n    print(i)\n", "lua", "python"),
        (">>> a = [1, 2]\n>>> zip(*[a])\n", "prolog", "python"),
        ("print k\nimport os\n", "apache", "python"),  # Python 2: no parse, still Python
        ("pip freeze > requirements.txt\n", "nginx", "bash"),
        ("conda install mamba -c conda-forge\n", "csharp", "bash"),
        ("saver.save(sess, 'ckpt/m.ckpt', global_step=step)\n", "bash", "python"),
        ('{\n  // c\n  "a": [1,],\n}\n', "json", "json"),
        ("channels:\n  - defaults\nshow_channel_urls: true\n", "css", "yaml"),
        ("fn main() {\n    println!(\"hi\");\n}\n", "rust", "rust"),
        ("[1, 2, 3]\n", "text", "text"),
        ("x = [1, 2]\nprint(x)\n", "", "python"),
        ("ls -la\n", "", "bash"),
        ("hello there\n", "", "text"),
    ],
)
def test_detect_lang(code, label, expected):
    lang, why = detect_lang(code, label)
    assert lang == expected
    if label and normalise_lang(label) != expected:
        assert why and f"`{label}`" in why
    else:
        assert why is None


def test_normalise_lang():
    assert normalise_lang("py") == "python"
    assert normalise_lang("python3 title=x.py") == "python"
    assert normalise_lang("sh") == "bash"
    assert normalise_lang("no-such-language") is None
    assert normalise_lang("") is None


# --------------------------------------------------------------------------
# Drafts from fixtures


def test_import_fixture_passes_check_and_covers_every_entry(tmp_path, capsys):
    out = tmp_path / "drafts"
    stdout = import_to(TRICKY, out, capsys)
    code, check_out, _ = run(["check", str(out)], capsys)
    assert code == 0, check_out
    assert "no errors" in check_out
    cards = load(out).cards
    notes = parse_notes(TRICKY.read_text(encoding="utf-8"))
    sources = [c.source for c in cards]
    for entry in notes.entries():
        assert entry.source in sources, entry.source
    assert all(c.id for c in cards)
    assert len({c.id for c in cards}) == len(cards)
    assert "wrote 3 draft deck(s)" in stdout


def test_decks_are_one_per_section_with_tags_for_deeper_headings(tmp_path, capsys):
    out = tmp_path / "d"
    import_to(TRICKY, out, capsys)
    names = sorted(p.name for p in out.glob("*.yaml"))
    assert names == ["01-shell-basics.yaml", "02-data-formats.yaml", "03-repeats.yaml"]
    cards = load(out).cards
    assert {c.deck for c in cards} == {
        "My Study Notes::Shell basics",
        "My Study Notes::Data formats",
        "My Study Notes::Repeats",
    }
    deep = next(c for c in cards if c.source == "Shell basics / Labelled wrongly / Deep detail")
    assert deep.tags == ("labelled-wrongly", "deep-detail")
    assert deep.q == "Labelled wrongly › Deep detail"


def test_empty_and_untitled_headings_are_reported(tmp_path, capsys):
    stdout = import_to(TRICKY, tmp_path / "d", capsys)
    assert "2 empty heading(s), no card made:" in stdout
    assert "tricky.md:25: Shell basics / Empty subsection" in stdout
    assert "tricky.md:85: Nothing here / Nor here" in stdout
    assert "1 heading(s) with no text were skipped (tricky.md line 46)" in stdout
    cards = load(tmp_path / "d").cards
    assert not any("Empty subsection" in (c.source or "") for c in cards)


def test_code_language_html_and_links_are_clean(tmp_path, capsys):
    out = tmp_path / "d"
    import_to(TRICKY, out, capsys)
    cards = load(out).cards
    by_source: dict[str, list] = {}
    for c in cards:
        by_source.setdefault(c.source, []).append(c)
    shell = by_source["Shell basics"][0]
    assert shell.lang == "bash" and "`css`" in shell.note
    assert "[the manual](https://example.com/ls)" in shell.a
    assert "](https://example.com/x)" not in shell.a and "https://example.com/x" in shell.a
    assert "**all**" in shell.a
    wrong = by_source["Shell basics / Labelled wrongly"]
    assert [c.lang for c in wrong] == ["python", "python"]
    assert wrong[0].q.endswith("(1/2)") and wrong[1].q.endswith("(2/2)")
    deep = by_source["Shell basics / Labelled wrongly / Deep detail"][0]
    assert "**Bold**" in deep.a and "*italic*" in deep.a
    assert "<" not in deep.a and "comment" not in deep.a
    assert by_source["Data formats / JSON config"][0].lang == "json"
    assert by_source["Data formats / Rust code"][0].lang == "rust"
    assert by_source["Data formats / Output sample"][0].lang == "text"
    assert "| a | 1 |" in by_source["Data formats / Output sample"][0].a
    make = by_source["Repeats / Makefile"][0]
    assert make.code == "all:\n\tpython -m build\n"  # tabs survive the YAML round trip
    assert make.lang == "make"


def test_duplicate_headings_get_distinct_stable_ids(tmp_path, capsys):
    import_to(TRICKY, tmp_path / "a", capsys)
    import_to(TRICKY, tmp_path / "b", capsys)
    ids_a = [c.id for c in load(tmp_path / "a").cards]
    ids_b = [c.id for c in load(tmp_path / "b").cards]
    assert ids_a == ids_b
    same = [c for c in load(tmp_path / "a").cards if c.source == "Repeats / Same"]
    assert [c.id for c in same] == [card_id("My Study Notes", "Repeats / Same"), card_id("My Study Notes", "Repeats / Same", 2)]
    colons = next(c for c in load(tmp_path / "a").cards if c.source == "Repeats / A::B and C#")
    assert colons.deck == "My Study Notes::Repeats"


def test_yaml_uses_block_scalars_for_multiline_text(tmp_path, capsys):
    out = tmp_path / "d"
    import_to(TRICKY, out, capsys)
    text = (out / "01-shell-basics.yaml").read_text(encoding="utf-8")
    assert "  a: |\n    - Use `ls -la` to list **all** files.\n" in text
    assert "  code: |\n    pip install requests\n    cd project\n" in text
    assert "\\n" not in text  # no escaped newlines anywhere in this file
    assert yaml.safe_load(text)["deck"] == "My Study Notes::Shell basics"


def test_title_section_and_prefix_option(tmp_path, capsys):
    out = tmp_path / "d"
    import_to(PLAIN, out, capsys)
    cards = load(out).cards
    intro = next(c for c in cards if c.deck == "Plain Notes")
    assert intro.a.strip() == "Some intro text under the title." and intro.source == "Plain Notes"
    code, _, err = run(["import", str(PLAIN), "-o", str(tmp_path / "e"), "--prefix", "Mine"], capsys)
    assert code == 0, err
    assert {c.deck.split("::")[0] for c in load(tmp_path / "e").cards} == {"Mine"}


def test_never_overwrites_without_force(tmp_path, capsys):
    out = tmp_path / "d"
    out.mkdir()
    existing = out / "02-data-formats.yaml"
    existing.write_text("# mine\n", encoding="utf-8")
    code, stdout, err = run(["import", str(TRICKY), "-o", str(out)], capsys)
    assert code == 2
    assert str(existing) in err and "--force" in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert existing.read_text(encoding="utf-8") == "# mine\n"
    assert not (out / "01-shell-basics.yaml").exists()  # nothing written at all
    code, stdout, err = run(["import", str(TRICKY), "-o", str(out), "--force"], capsys)
    assert code == 0, err
    assert existing.read_text(encoding="utf-8").startswith("# Draft deck")


def test_bad_input_is_one_line_exit_2(tmp_path, capsys):
    code, _, err = run(["import", str(tmp_path / "missing.md"), "-o", str(tmp_path / "d")], capsys)
    assert code == 2 and "missing.md: no such file" in err and len(err.strip().splitlines()) == 1
    bad = tmp_path / "bad.md"
    bad.write_bytes(b"## ok\n\nfine \xff here\n")
    code, _, err = run(["import", str(bad), "-o", str(tmp_path / "d")], capsys)
    assert code == 2 and f"{bad}:3:6: not valid UTF-8" in err
    hollow = tmp_path / "hollow.md"
    hollow.write_text("---\ntitle: t\n---\n## Empty\n\n### Also empty\n", encoding="utf-8")
    code, _, err = run(["import", str(hollow), "-o", str(tmp_path / "d")], capsys)
    assert code == 2 and "hollow.md: nothing to import" in err
    assert not (tmp_path / "d").exists()


# --------------------------------------------------------------------------
# The real notes


@pytest.fixture
def notes_file() -> Path:
    path = real_notes()
    if path is None:
        reason = "notes not found: set PYFLASH_NOTES or put python-notes.md in ../shared/notes/"
        print(reason)
        pytest.skip(reason)
    return path


def test_real_notes_import(notes_file, tmp_path, capsys):
    out = tmp_path / "drafts"
    stdout = import_to(notes_file, out, capsys)
    code, check_out, _ = run(["check", str(out)], capsys)
    assert code == 0 and "no errors" in check_out
    cards = load(out).cards
    notes = parse_notes(notes_file.read_text(encoding="utf-8"))
    entries = notes.entries()
    assert len(entries) > 50
    sources = {c.source for c in cards}
    missing = [f"{notes_file.name}:{h.line}: {h.source}" for h in entries if h.source not in sources]
    assert missing == []
    empty = [h for h in notes.headings if h.text and not h.has_content and not h.has_children]
    assert empty, "the notes have empty headings"
    for h in empty:
        assert f"{notes_file.name}:{h.line}: {h.source}" in stdout
    # code with a wrong label got a plausible language
    relabelled = [c for c in cards if c.note and "the notes label this code" in c.note.lower()]
    assert relabelled and {c.lang for c in relabelled} <= {"python", "bash", "yaml", "json"}
    assert not any(c.lang in ("apacheconf", "css", "lua", "coffeescript", "haskell") for c in cards)
    # the rich-text <em> pasted into the code is gone
    assert not any("<em>" in (c.code or "") for c in cards)
