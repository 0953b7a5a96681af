"""`pyflash export --anki`, checked against real Anki (the `anki` package).

Packages are imported into fresh collections with Anki's own importer, the
way Anki desktop imports a file, and the notes, decks, fields and rendered
cards are read back from the collection.
"""

from __future__ import annotations

import errno
import html
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from anki.collection import Collection, ImportAnkiPackageOptions, ImportAnkiPackageRequest
from anki.import_export_pb2 import IMPORT_ANKI_PACKAGE_UPDATE_CONDITION_IF_NEWER as IF_NEWER
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import ROOT, run_main, write_deck
from pyflash.cli import main
from pyflash.core.decks.loader import explicit_sources, load_decks
from pyflash.export.anki import notetype
from pyflash.export.anki import package as ax
from pyflash.export.anki.payload import decode_key_field
from pyflash.export.render import RenderCache, highlight, markdown, render_card

SAMPLE = """\
deck: Sample
description: Cards for the **export** tests.
tags: [pyflash-test, "deck level"]
lang: python
cards:
  - id: code-card
    q: What does `f("<a>")` print?
    code: |
      def f(x):
          # {{not a field}} & <b>not a tag</b>
          return x * 2 if len(x) < 5 else "&amp;"
      print(f("<a>"))
    output: "&amp;"
    tags: [functions, "two words"]
  - id: md-card
    q: How do you **reverse** a list `xs` in place?
    a: |
      Call `xs.reverse()`:

      ```python
      xs = [1, 2, 3]
      xs.reverse()  # returns None
      ```

      ```
      print(xs)
      ```
    note: Not `reversed(xs)`, which <returns> an iterator.
    source: https://docs.python.org/3/library/stdtypes.html#list.reverse
  - q: 'A card without an id: {{c1::not a cloze}} `re.compile(r"\\(\\d+\\)")`'
    a: plain
"""

SUB = """\
deck: Sample::Sub
tags: [sub]
cards:
  - id: sub-card
    q: Subdeck question?
    a: Subdeck answer.
"""

CHINESE = """\
deck: Sample::中文
lang: python
cards:
  - id: zh-card
    q: 列表推导式和生成器表达式有什么区别？
    a: 列表推导式立即生成**整个列表**；生成器表达式按需产生值（惰性求值）。
    code: |
      squares = [x * x for x in range(3)]  # 列表
      lazy = (x * x for x in range(3))     # 生成器
"""


def make_decks(folder: Path) -> Path:
    write_deck(folder, "sample.yaml", SAMPLE)
    write_deck(folder, "sub.yaml", SUB)
    write_deck(folder, "chinese.yaml", CHINESE)
    return folder


def export_folder(decks: Path, out: Path, state: Path, *, force: bool = True, now: int | None = None):
    """Load ``decks`` and export them, keeping the ledger and cache under ``state``."""
    result = load_decks(explicit_sources([decks]))
    assert not result.errors, [str(e) for e in result.errors]
    descriptions = {f.deck: f.description for f in result.files if f.description}
    done = ax.export_anki(
        result.cards,
        out,
        force=force,
        descriptions=descriptions,
        ledger=ax.MtimeLedger(state / ax.LEDGER_NAME),
        cache=RenderCache(state / ax.RENDER_CACHE_NAME),
        now=now,
    )
    return result.cards, done


def new_collection(folder: Path):
    folder.mkdir(parents=True, exist_ok=True)
    return Collection(str(folder / "collection.anki2"))


def import_package(col, path: Path):
    request = ImportAnkiPackageRequest(
        package_path=str(path),
        options=ImportAnkiPackageOptions(update_notes=IF_NEWER, update_notetypes=IF_NEWER),
    )
    log = col.import_anki_package(request).log
    col.models._clear_cache()
    return log


def key_of_field(value: str) -> str:
    """The card key in a Key field (which also carries the card's text in a comment)."""
    return decode_key_field(value).key


def key_of(note) -> str:
    return key_of_field(note["Key"])


def notes_by_key(col) -> dict:
    notes = [col.get_note(nid) for nid in col.find_notes("")]
    return {key_of(note): note for note in notes}


# --------------------------------------------------------------------------
# One export of the sample decks, imported once, shared by the read-only tests


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    base = tmp_path_factory.mktemp("sample")
    decks = make_decks(base / "decks")
    out = base / "out.apkg"
    cards, done = export_folder(decks, out, base / "state")
    col = new_collection(base / "anki")
    log = import_package(col, out)
    yield {"cards": cards, "done": done, "col": col, "log": log, "out": out, "decks": decks, "base": base}
    col.close()


def test_note_count_equals_card_count(sample):
    col, cards = sample["col"], sample["cards"]
    assert len(cards) == 5
    assert col.note_count() == len(cards)
    assert col.card_count() == len(cards)
    assert len(sample["log"].new) == len(cards)
    assert sample["done"].notes == len(cards)


def test_deck_names_include_subdecks(sample):
    col = sample["col"]
    names = {d.name for d in col.decks.all_names_and_ids()}
    assert {"Sample", "Sample::Sub", "Sample::中文"} <= names
    sub_cards = col.find_cards('"deck:Sample::Sub" -"deck:Sample::Sub::*"')
    assert [key_of(col.get_card(c).note()) for c in sub_cards] == ["sub-card"]
    assert sorted(sample["done"].decks) == ["Sample", "Sample::Sub", "Sample::中文"]


def test_note_type_fields(sample):
    note = notes_by_key(sample["col"])["code-card"]
    model = note.note_type()
    assert model["id"] == notetype.MODEL_ID
    assert model["name"] == "pyflash v1"
    assert [f["name"] for f in model["flds"]] == ["Key", "Question", "Code", "Answer", "Output", "Note", "Source"]
    assert model["sortf"] == 1
    assert model["mod"] == notetype.STYLE_MTIME


def test_code_card_fields(sample):
    note = notes_by_key(sample["col"])["code-card"]
    assert note["Question"] == "<p>What does <code>f(&quot;&lt;a&gt;&quot;)</code> print?</p>"
    code = note["Code"]
    assert code.startswith('<pre class="pf-hl"><code class="language-python">')
    assert '<span class="k">def</span>' in code
    # everything user-written is escaped, and `{{` survives
    assert "{{not a field}} &amp; &lt;b&gt;not a tag&lt;/b&gt;" in code
    assert "<b>" not in code
    assert note["Output"] == '<pre class="pf-out"><code>&amp;amp;</code></pre>'
    assert note["Answer"] == "" and note["Note"] == ""
    text = html.unescape(re.sub(r"<[^>]+>", "", code))
    (card,) = [c for c in sample["cards"] if c.key == "code-card"]
    assert text == card.code.rstrip("\n")


def test_chinese_card_fields(sample):
    note = notes_by_key(sample["col"])["zh-card"]
    assert note["Question"] == "<p>列表推导式和生成器表达式有什么区别？</p>"
    assert note["Answer"] == "<p>列表推导式立即生成<strong>整个列表</strong>；生成器表达式按需产生值（惰性求值）。</p>"
    assert '<span class="c1"># 列表</span>' in note["Code"]
    card = note.cards()[0]
    assert card.did == next(d.id for d in sample["col"].decks.all_names_and_ids() if d.name == "Sample::中文")


def test_markdown_answer_note_and_source(sample):
    note = notes_by_key(sample["col"])["md-card"]
    answer = note["Answer"]
    assert answer.startswith("<p>Call <code>xs.reverse()</code>:</p>")
    assert '<code class="language-python"><span class="n">xs</span>' in answer
    assert '<span class="c1"># returns None</span>' in answer
    # a fence without a language uses the deck's `lang`
    assert answer.count('<code class="language-python">') == 2
    assert note["Note"] == "<p>Not <code>reversed(xs)</code>, which &lt;returns&gt; an iterator.</p>"
    assert note["Source"] == (
        '<a href="https://docs.python.org/3/library/stdtypes.html#list.reverse">'
        "https://docs.python.org/3/library/stdtypes.html#list.reverse</a>"
    )


def test_code_card_back_is_highlighted_in_anki(sample):
    note = notes_by_key(sample["col"])["code-card"]
    card = note.cards()[0]
    front, back = card.question(), card.answer()
    assert '<span class="k">def</span>' in front
    assert '<hr id="answer">' in back
    after = back.split('<hr id="answer">', 1)[1]
    assert '<div class="pf-label">Output</div>' in after
    assert '<pre class="pf-out"><code>&amp;amp;</code></pre>' in after
    assert '<span class="k">def</span>' in back  # FrontSide repeats the highlighted code
    assert ".nightMode" in back  # the CSS travels with the card


def test_anki_renders_braces_and_backslashes_literally(sample):
    col = sample["col"]
    note = next(n for k, n in notes_by_key(col).items() if k.startswith("auto-"))
    front = note.cards()[0].question()
    assert "{{c1::not a cloze}}" in front
    assert r'<code>re.compile(r&quot;\(\d+\)&quot;)</code>' in front  # no MathJax \( ... \)
    assert "tex2jax_ignore" in front


def test_tags_carry_over_and_are_anki_safe(sample):
    notes = notes_by_key(sample["col"])
    assert notes["code-card"].tags == ["deck_level", "functions", "pyflash-test", "two_words"]
    assert sorted(notes["sub-card"].tags) == ["sub"]
    assert notes["zh-card"].tags == []


def test_deck_description_is_rendered(sample):
    col = sample["col"]
    deck = col.decks.by_name("Sample")
    assert deck["desc"] == "<p>Cards for the <strong>export</strong> tests.</p>"


def test_guids_are_stable_and_from_keys(sample, tmp_path):
    first = _package_notes(sample["out"])
    _, _ = export_folder(sample["decks"], tmp_path / "again.apkg", sample["base"] / "state")
    second = _package_notes(tmp_path / "again.apkg")
    assert {g for g, _ in first} == {g for g, _ in second}
    assert len(first) == 5
    imported = {n.guid for n in notes_by_key(sample["col"]).values()}
    assert imported == {g for g, _ in first}
    assert notes_by_key(sample["col"])["code-card"].guid == ax.note_guid("code-card")
    # nothing changed: the package is byte for byte the same
    assert (tmp_path / "again.apkg").read_bytes() == sample["out"].read_bytes()


def _package_notes(path: Path) -> list[tuple[str, int]]:
    import sqlite3

    with zipfile.ZipFile(path) as zf:
        data = zf.read("collection.anki2")
    db = Path(str(path) + ".anki2")
    db.write_bytes(data)
    conn = sqlite3.connect(db)
    try:
        return conn.execute("select guid, mod from notes order by guid").fetchall()
    finally:
        conn.close()
        db.unlink()


# --------------------------------------------------------------------------
# Update in place


def test_edit_and_add_then_reimport_updates_in_place(tmp_path):
    decks = make_decks(tmp_path / "decks")
    state = tmp_path / "state"
    out1, out2 = tmp_path / "v1.apkg", tmp_path / "v2.apkg"
    cards1, _ = export_folder(decks, out1, state)

    col = new_collection(tmp_path / "anki")
    try:
        import_package(col, out1)
        before = notes_by_key(col)
        assert len(before) == len(cards1)
        # study the card we are about to edit: its schedule must survive the update
        (edited_card,) = before["md-card"].cards()
        col.sched.set_due_date([edited_card.id], "7")
        ids_before = {k: n.id for k, n in before.items()}
        mods_before = {k: n.mod for k, n in before.items()}

        sample = (decks / "sample.yaml").read_text(encoding="utf-8")
        sample = sample.replace("    a: |\n      Call `xs.reverse()`:", "    a: |\n      Use `xs.reverse()` (edited):")
        sample += "  - id: new-card\n    q: A brand new card?\n    a: Yes.\n"
        (decks / "sample.yaml").write_text(sample, encoding="utf-8")
        # Same second as the first export: the edited note must still be newer.
        cards2, done = export_folder(decks, out2, state)
        assert len(cards2) == len(cards1) + 1
        assert done.changed == 2

        log = import_package(col, out2)
        assert [key_of_field(n.fields[0]) for n in log.updated] == ["md-card"]
        assert [key_of_field(n.fields[0]) for n in log.new] == ["new-card"]
        assert len(log.conflicting) == 0
        assert len(log.duplicate) == len(cards1) - 1  # the unchanged ones: seen, left alone

        after = notes_by_key(col)
        assert col.note_count() == len(cards2)  # zero duplicates
        assert len({n.guid for n in after.values()}) == len(cards2)
        assert after["md-card"].id == ids_before["md-card"]
        assert after["md-card"]["Answer"].startswith("<p>Use <code>xs.reverse()</code> (edited):</p>")
        assert after["md-card"].mod > mods_before["md-card"]
        assert {k: after[k].mod for k in mods_before if k != "md-card"} == {
            k: m for k, m in mods_before.items() if k != "md-card"
        }
        (card,) = after["md-card"].cards()
        assert card.type == 2 and card.ivl > 0  # still a review card: scheduling kept

        # importing the same package again changes nothing
        again = import_package(col, out2)
        assert len(again.updated) == 0 and len(again.new) == 0
        assert col.note_count() == len(cards2)
    finally:
        col.close()


def test_mtime_ledger_rules(tmp_path):
    ledger = ax.MtimeLedger(tmp_path / "l.json")
    assert ledger.stamp("k", "d1", 100) == 100
    assert ledger.stamp("k", "d1", 500) == 100  # unchanged content keeps its time
    assert ledger.stamp("k", "d2", 100) == 101  # changed: always newer, even with a slow clock
    assert ledger.stamp("k", "d3", 900) == 900
    assert ledger.save() is None
    reread = ax.MtimeLedger(tmp_path / "l.json")
    assert reread.stamp("k", "d3", 5000) == 900
    (tmp_path / "l.json").write_text("{not json", encoding="utf-8")
    assert ax.MtimeLedger(tmp_path / "l.json").entries == {}


def test_source_date_epoch_makes_fresh_builds_reproducible(tmp_path, monkeypatch, capsys):
    decks = make_decks(tmp_path / "decks")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1800000000")
    for name in ("a", "b"):  # two fresh homes: no ledger, no render cache
        monkeypatch.setenv("PYFLASH_HOME", str(tmp_path / f"home-{name}"))
        code, _, err = run_main(["export", "--anki", str(decks), "-o", str(tmp_path / f"{name}.apkg")], capsys)
        assert code == 0, err
    assert (tmp_path / "a.apkg").read_bytes() == (tmp_path / "b.apkg").read_bytes()
    assert {m for _, m in _package_notes(tmp_path / "a.apkg")} == {1800000000}


# --------------------------------------------------------------------------
# Rendering


def test_markdown_escapes_raw_html_and_keeps_braces():
    out = markdown("<script>alert(1)</script> & {{Front}} [x](javascript:alert(1))")
    assert "<script>" not in out
    assert "&lt;script&gt;" in out and "&amp;" in out and "{{Front}}" in out
    assert 'href="javascript' not in out


def test_unknown_language_is_escaped_plain_text():
    assert highlight("a < b && c", "no-such-language") == (
        '<pre class="pf-hl"><code class="language-no-such-language">a &lt; b &amp;&amp; c</code></pre>'
    )
    assert highlight("x = 1", None) == '<pre class="pf-hl"><code class="language-text">x = 1</code></pre>'
    assert '<span class="nb">echo</span>' in highlight("echo hi", "bash")


@settings(max_examples=150, deadline=None)
@given(
    code=st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\r"), min_size=1, max_size=80),
    lang=st.sampled_from(["python", "bash", "json", "c", None]),
)
def test_highlight_keeps_every_character(code, lang):
    out = highlight(code, lang)
    inner = out.split(">", 2)[2].rsplit("</code></pre>", 1)[0]
    assert html.unescape(re.sub(r"<[^>]+>", "", inner)) == code.rstrip("\n")
    assert not re.search(r"<(?!/?span\b)", inner)  # only pygments' spans are markup


def test_render_cache_hits_match_fresh_renders_and_survive_corruption(tmp_path):
    cards = load_decks(explicit_sources([make_decks(tmp_path / "decks")])).cards
    path = tmp_path / "render.bin"
    cache = RenderCache(path)
    first = [cache.render(c) for c in cards]
    cache.save()
    warm = RenderCache(path)
    assert [warm.render(c) for c in cards] == first == [render_card(c) for c in cards]
    assert warm.hits == len(cards) and warm.misses == 0
    path.write_bytes(path.read_bytes()[:-10] + b"0123456789")
    broken = RenderCache(path)
    assert [broken.render(c) for c in cards] == first and broken.misses == len(cards)


def test_anki_tag_rules():
    assert ax.anki_tags(["two words", "a::b", "::x::", "Python", "python", " ", "C++", "中文 标签"]) == [
        "two_words",
        "a::b",
        "x",
        "Python",
        "C++",
        "中文_标签",
    ]


def test_note_guid_is_genankis_guid_of_the_key():
    import genanki

    for key in ("code-card", "auto-0123456789abcdef", "中文-id", "a b <c>"):
        assert ax.note_guid(key) == genanki.guid_for("pyflash", key)
    assert ax.note_guid("a") != ax.note_guid("b")


def test_deck_ids_are_stable_and_in_range():
    assert ax.deck_id("Python::NumPy") == ax.deck_id("Python::NumPy")
    ids = {ax.deck_id(f"Deck {i}") for i in range(200)}
    assert len(ids) == 200
    assert all((1 << 30) <= i < (1 << 31) for i in ids)


def test_note_type_design_is_locked():
    # Changing fields breaks every user's updates: make a new note type instead.
    assert notetype.MODEL_ID == 1844889213
    assert notetype.FIELDS == ("Key", "Question", "Code", "Answer", "Output", "Note", "Source")
    # Changed the templates or CSS? Bump STYLE_MTIME and record the new fingerprint.
    assert notetype.style_fingerprint() == notetype.STYLE_FINGERPRINT


def test_css_handles_night_mode_cjk_and_highlighting():
    css = notetype.CSS
    assert ".nightMode .pf" in css and ".night_mode .pf" in css
    assert '"Noto Sans CJK SC"' in css and '"PingFang SC"' in css
    for token in (".pf-hl .k,", ".pf-hl .s2,", ".pf-hl .c1,", ".pf-hl .nf,"):
        assert token in css


# --------------------------------------------------------------------------
# The command


def run_cli(args, capsys) -> tuple[int, str, str]:
    try:
        main(list(args))
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_cli_writes_package_and_one_line_summary(tmp_path, capsys, monkeypatch):
    decks = make_decks(tmp_path / "decks")
    monkeypatch.chdir(tmp_path)
    code, out, err = run_cli(["export", "--anki", str(decks)], capsys)
    assert (code, err) == (0, "")
    assert out == "Wrote 5 notes in 3 decks to pyflash.apkg (5 new or changed)\n"
    assert zipfile.ZipFile(tmp_path / "pyflash.apkg").namelist() == ["collection.anki2", "media"]
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temp files left

    code, out, err = run_cli(["export", "--anki", str(decks)], capsys)
    assert code == 2 and out == ""
    assert err == "pyflash: pyflash.apkg: already exists (add --force to replace it)\n"

    code, out, err = run_cli(["export", "--anki", str(decks), "--force"], capsys)
    assert code == 0 and "(nothing new since the last export)" in out


def test_cli_deck_filter_and_default_name(tmp_path, capsys, monkeypatch):
    decks = make_decks(tmp_path / "decks")
    monkeypatch.chdir(tmp_path)
    code, out, _ = run_cli(["export", "--anki", str(decks), "--deck", "Sample::中文"], capsys)
    assert code == 0
    assert out.startswith("Wrote 1 note in 1 deck to Sample-中文.apkg")
    code, out, _ = run_cli(["export", "--anki", str(decks), "--deck", "Sample", "-o", "s.apkg"], capsys)
    assert code == 0 and out.startswith("Wrote 5 notes in 3 decks to s.apkg")
    code, _, err = run_cli(["export", "--anki", str(decks), "--deck", "Nope"], capsys)
    assert code == 2 and err.startswith("pyflash: no deck named 'Nope' (decks: Sample, Sample::Sub, Sample::中文)")


@pytest.mark.parametrize(
    "target, message",
    [
        ("missing/out.apkg", "folder missing does not exist (create it first, or choose another -o)"),
        ("adir", "is a directory"),
        ("afile/out.apkg", "afile is not a folder"),
        ("out.zip", "an Anki package must end in .apkg"),
    ],
)
def test_cli_bad_output_path_is_one_line_exit_2(tmp_path, capsys, monkeypatch, target, message):
    decks = make_decks(tmp_path / "decks")
    monkeypatch.chdir(tmp_path)
    (tmp_path / "adir").mkdir()
    (tmp_path / "afile").write_text("x", encoding="utf-8")
    code, out, err = run_cli(["export", "--anki", str(decks), "-o", target], capsys)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and message in err and err.startswith("pyflash: ")


def test_cli_bad_output_path_in_a_real_process(tmp_path):
    decks = make_decks(tmp_path / "decks")
    env = {**os.environ, "PYFLASH_HOME": str(tmp_path / "home"), "PYTHONPATH": str(ROOT / "src")}
    proc = subprocess.run(
        [sys.executable, "-m", "pyflash", "export", "--anki", str(decks), "-o", str(tmp_path / "no" / "x.apkg")],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    missing = tmp_path / "no"
    assert proc.stderr == (
        f"pyflash: {missing / 'x.apkg'}: folder {missing} does not exist (create it first, or choose another -o)\n"
    )
    assert proc.stdout == ""


def test_cli_without_format_is_a_usage_error(capsys):
    code, _, err = run_cli(["export"], capsys)
    assert code == 2 and "choose a format: --anki" in err


def test_cli_exports_good_cards_and_exits_2_on_deck_errors(tmp_path, capsys, monkeypatch):
    decks = make_decks(tmp_path / "decks")
    write_deck(decks, "broken.yaml", "deck: Broken\ncards:\n  - q: no answer here\n  - q: fine?\n    a: yes\n")
    monkeypatch.chdir(tmp_path)
    code, out, err = run_cli(["export", "--anki", str(decks)], capsys)
    assert code == 2
    lines = err.splitlines()
    assert re.match(r".*broken\.yaml:3:5: card 1: needs an answer", lines[0])
    assert lines[-1].startswith("pyflash: 1 error in the decks: cards with errors were left out")
    assert out == "Wrote 6 notes in 4 decks to pyflash.apkg (6 new or changed)\n"
    col = new_collection(tmp_path / "anki")
    try:
        import_package(col, tmp_path / "pyflash.apkg")
        assert col.note_count() == 6
    finally:
        col.close()


def test_cli_progress_bar_on_a_terminal(tmp_path, capsys, monkeypatch):
    decks = make_decks(tmp_path / "decks")
    monkeypatch.chdir(tmp_path)
    from pyflash.export import progress

    monkeypatch.setattr(progress, "_stderr_is_terminal", lambda: True)
    seen = []
    real = progress.LateProgress.__call__

    def record(self, *a):
        self.delay = 0  # as if the export had taken over a second
        seen.append(a)
        real(self, *a)
        assert self.shown

    monkeypatch.setattr(progress.LateProgress, "__call__", record)
    code, out, _ = run_cli(["export", "--anki", str(decks)], capsys)
    assert code == 0 and out.rstrip().endswith("to pyflash.apkg (5 new or changed)")
    assert ("render", 5, 5) in seen and seen[-1] == ("write", 1, 1)


def test_progress_bar_waits_a_second_and_needs_a_terminal():
    from pyflash.export.progress import LateProgress

    now = [0.0]
    quiet = LateProgress(enabled=True, clock=lambda: now[0])
    with quiet:
        quiet("render", 10, 100)
        assert not quiet.shown  # under a second: nothing
        now[0] = 1.5
        quiet("render", 50, 100)
        assert quiet.shown
    off = LateProgress(enabled=False, clock=lambda: now[0] + 100)
    off("render", 1, 2)
    assert not off.shown


def test_failed_write_leaves_old_package_and_no_temp_file(tmp_path, monkeypatch):
    decks = make_decks(tmp_path / "decks")
    out = tmp_path / "out.apkg"
    out.write_bytes(b"old package")

    def full_disk(*_a, **_k):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(ax, "write_zip", full_disk)
    with pytest.raises(ax.ExportError, match=r"out\.apkg: no space left on the device"):
        export_folder(decks, out, tmp_path / "state")
    assert out.read_bytes() == b"old package"
    assert sorted(p.name for p in tmp_path.iterdir() if p.name != "state") == ["decks", "out.apkg"]  # no temp file
    # No ledger (the render cache may be kept: it is saved while the package is written, and only saves time).
    assert not (tmp_path / "state" / ax.LEDGER_NAME).exists()


# --------------------------------------------------------------------------
# The bundled decks


def test_bundled_decks_import_with_every_card(tmp_path):
    bundled = ROOT / "decks"
    result = load_decks(explicit_sources([bundled]))
    assert not result.errors, "bundled decks have errors:\n" + "\n".join(map(str, result.errors[:10]))
    out = tmp_path / "bundled.apkg"
    shutil.rmtree(tmp_path / "state", ignore_errors=True)
    done = ax.export_anki(
        result.cards,
        out,
        ledger=ax.MtimeLedger(tmp_path / "state" / "l.json"),
        cache=RenderCache(tmp_path / "state" / "r.bin"),
    )
    col = new_collection(tmp_path / "anki")
    try:
        log = import_package(col, out)
        notes = {c.note_key for c in result.cards}  # a cloze entry is one note with a card per number
        assert len(notes) < len(result.cards)  # the bundled decks have a cloze entry with two numbers
        assert len(log.new) == done.notes == col.note_count() == len(notes)
        assert col.card_count() == len(result.cards)
        assert set(notes_by_key(col)) == notes
        names = {d.name for d in col.decks.all_names_and_ids()}
        assert {c.deck for c in result.cards} <= names
    finally:
        col.close()
