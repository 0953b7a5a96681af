"""`pyflash check --lint`: card-form warnings at path:line:col, silencing, and their exit codes."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import run_main
from pyflash.core.decks.loader import explicit_sources, load_decks
from pyflash.core.decks.model import LINT_RULES, Card
from pyflash.core.lint import lint_cards
from pyflash.core.lint.similar import near_duplicates
from pyflash.core.lint.text import cell_width, wide_at

ROOT = Path(__file__).resolve().parents[1]


def write(folder: Path, name: str, body: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(textwrap.dedent(body).lstrip("\n"), encoding="utf-8")
    return path


def lint_of(*paths: Path):
    result = load_decks(explicit_sources(list(paths)))
    assert not result.errors, [str(e) for e in result.errors]
    return lint_cards(result.cards)


def rules_of(warnings) -> list[str]:
    return [w.rule for w in warnings]


LONG = "x = " + "+".join(["1"] * 42) + "+10"  # 90 columns, x == 52


def test_hidden_style_deck_gives_exactly_three_warnings(tmp_path):
    """A leak, a 90-column line and a duplicate: those three warnings, each where it is."""
    assert cell_width(LONG) == 90
    folder = tmp_path / "decks"
    write(folder, "a.yaml", f"""
        deck: A
        lang: python
        cards:
          - id: leaky
            q: 怎样把一组二元组拆成两个元组？
            code: |
              pairs = [(1, "a"), (2, "b")]
              xs, ys = zip(*pairs)
            a: |
              ```python
              xs, ys = zip(*pairs)
              ```
          - id: wide
            q: 这一行把 43 个 1 加起来，x 是多少？
            code: |
              {LONG}
              print(x)
            output: "52"
          - id: dict-get-default
            q: 读取字典里可能不存在的键，并在缺失时给出默认值，用哪个方法？
            a: "`d.get(key, default)`：键不存在时返回 default，不抛 KeyError。"
    """)
    write(folder, "b.yaml", """
        deck: B
        cards:
          - id: dict-get-default-copy
            q: 读取字典里可能不存在的键，并在缺失时给出默认值，该用哪个方法？
            a: "`d.get(key, default)`：键不存在时返回 default，不会抛 KeyError。"
    """)
    warnings = lint_of(folder)
    assert sorted(rules_of(warnings)) == ["duplicate", "leak", "long-line"]
    by_rule = {w.rule: w for w in warnings}
    a_path, b_path = str(folder / "a.yaml"), str(folder / "b.yaml")
    assert (by_rule["leak"].path, by_rule["leak"].line) == (a_path, 11)  # the leaked code line
    assert (by_rule["long-line"].path, by_rule["long-line"].line) == (a_path, 16)
    # the column of the first character past column 76 (6 spaces of indentation)
    assert by_rule["long-line"].col == 6 + 77
    assert (by_rule["duplicate"].path, by_rule["duplicate"].line, by_rule["duplicate"].col) == (b_path, 3, 5)
    assert "dict-get-default" in by_rule["duplicate"].message
    for w in warnings:
        assert str(w).startswith(f"{w.path}:{w.line}:{w.col}: [{w.rule}] ")
        assert "(" in w.message and w.message.endswith(")")


def test_cli_exit_codes(tmp_path, capsys):
    folder = tmp_path / "decks"
    write(folder, "a.yaml", f"""
        deck: A
        cards:
          - q: 这一行打印什么？
            code: |
              {LONG}
              print(x)
            output: "52"
    """)
    code, out, err = run_main(["check", str(folder)], capsys)
    assert code == 0 and "[long-line]" not in out
    code, out, err = run_main(["check", "--lint", str(folder)], capsys)
    assert code == 0
    assert f"{folder / 'a.yaml'}:5:83: [long-line]" in out and "[long-line]" in out
    assert "lint: 1 warning(s) (long-line)" in err
    code, out, err = run_main(["check", "--lint", "--strict", str(folder)], capsys)
    assert code == 1
    code, out, err = run_main(["check", "--strict", str(folder)], capsys)
    assert code == 2 and "--strict works only with --lint" in err


def test_errors_still_exit_2_with_lint(tmp_path, capsys):
    folder = tmp_path / "decks"
    write(folder, "a.yaml", """
        deck: A
        cards:
          - q: 什么？
            anser: nothing
    """)
    code, out, err = run_main(["check", "--lint", "--strict", str(folder)], capsys)
    assert code == 2


def test_clean_deck_has_no_warnings(tmp_path, capsys):
    folder = tmp_path / "decks"
    write(folder, "a.yaml", """
        deck: A
        cards:
          - id: one
            q: Which builtin pairs up items of two lists?
            a: "`zip`"
    """)
    code, out, err = run_main(["check", "--lint", "--strict", str(folder)], capsys)
    assert code == 0
    assert "lint: 0 warning(s)" in out


# ---------------------------------------------------------------- long-line


def one_card(tmp_path, body: str) -> list:
    folder = tmp_path / "decks"
    write(folder, "d.yaml", "deck: D\ncards:\n" + textwrap.indent(textwrap.dedent(body).lstrip("\n"), "  "))
    return lint_of(folder)


def test_long_line_counts_cjk_as_two_columns(tmp_path):
    cjk = "# " + "中" * 37  # 76 columns: fine
    assert cell_width(cjk) == 76 and wide_at(cjk, 76) is None
    assert one_card(tmp_path, f"""
        - q: 这段注释多宽？
          code: |
            {cjk}
          a: 76 列
    """) == []
    wider = cjk + "文"  # 78 columns, 40 characters
    found = one_card(tmp_path, f"""
        - q: 这段注释多宽？
          code: |
            {wider}
          a: 78 列
    """)
    assert rules_of(found) == ["long-line"]
    assert found[0].line == 5 and found[0].col == 6 + 39 + 1
    assert "78 columns" in found[0].message


def test_long_line_in_an_answers_code_block_and_output(tmp_path):
    found = one_card(tmp_path, f"""
        - q: 怎样把 43 个 1 相加？
          a: |
            第一种：

            ```python
            {LONG}
            ```
        - q: 打印一长串？
          code: |
            print("-" * 80)
          output: |
            {"-" * 80}
    """)
    assert rules_of(found) == ["long-line", "long-line"]
    assert found[0].line == 8 and "code block in `a`" in found[0].message
    assert found[1].line == 14 and "`output`" in found[1].message


def test_long_prose_in_an_answer_is_not_a_long_line(tmp_path):
    assert one_card(tmp_path, f"""
        - q: 说一段长话？
          a: |
            {"很长的一句话" * 20}
    """) == []


# ---------------------------------------------------------------- long-answer


def test_long_answer(tmp_path):
    twelve = "\n".join(f"    line {i}" for i in range(12))
    thirteen = twelve + "\n    line 12"
    assert one_card(tmp_path, f"- q: twelve lines?\n  a: |\n{twelve}\n") == []
    found = one_card(tmp_path, f"- q: thirteen lines?\n  a: |\n{thirteen}\n")
    assert rules_of(found) == ["long-answer"]
    assert found[0].line == 4 + 12 + 1 and "13 lines" in found[0].message


# ---------------------------------------------------------------- leak


def test_leak_of_an_output_in_the_code(tmp_path):
    found = one_card(tmp_path, """
        - q: 打印什么？
          code: |
            print("hello, world")
          output: hello, world
        - q: 打印什么？
          code: |
            print(1 + 2)  # 3
          output: "3"
        - q: 打印什么？
          code: |
            print(2 * 5)  # 乘法
          output: "10"
    """)
    assert rules_of(found) == ["leak", "leak"]
    assert "in the code" in found[0].message and "comment" in found[1].message


def test_leak_of_answer_text_in_the_question(tmp_path):
    found = one_card(tmp_path, """
        - q: "`sorted(xs, reverse=True)` 怎样降序排序？"
          a: "`sorted(xs, reverse=True)`"
        - q: 怎样降序排序？
          a: "`sorted(xs, reverse=True)`"
    """)
    assert rules_of(found) == ["leak"]
    assert found[0].line == 4


def test_answer_code_that_explains_the_question_code_is_no_leak(tmp_path):
    assert one_card(tmp_path, """
        - q: 这段代码有什么问题？
          code: |
            for x in xs:
                xs.remove(x)
          a: |
            遍历时删除会跳过元素，应遍历副本：
            ```python
            for x in list(xs):
                xs.remove(x)
            ```
    """) == []


# ---------------------------------------------------------------- multi-question


@pytest.mark.parametrize(
    "q",
    [
        "mamba 是什么？为什么说它快？",
        "What is mamba? Why is it fast?",
        "`zip` 是什么，以及怎么用？",
        "How do you start a pool and how do you stop it?",
    ],
)
def test_multi_question(tmp_path, q):
    found = one_card(tmp_path, f"""
        - q: "{q}"
          a: fast
    """)
    assert rules_of(found) == ["multi-question"]
    assert (found[0].line, found[0].col) == (3, 9)  # in the quoted text


@pytest.mark.parametrize(
    "q",
    [
        "`a?` 和 `b?` 有什么区别？",
        "What do `zip` and `map` return?",
        "这段代码输出什么？",
        "What is the difference between a list and a tuple?",
        "为什么“为什么？”不算？",
    ],
)
def test_single_question(tmp_path, q):
    assert one_card(tmp_path, f"""
        - q: '{q}'
          a: one fact
    """) == []


# ---------------------------------------------------------------- duplicate


def card(q: str, a: str, n: int, code: str | None = None, output: str | None = None, lint=()) -> Card:
    return Card(f"k{n}", f"k{n}", "D", q, a, code, None, output, None, (), None, (), "d.yaml", n, 1, n, lint=tuple(lint))


def test_duplicate_by_same_code_terms():
    one = card("二分类时 `nn.BCELoss` 和 `nn.BCEWithLogitsLoss` 的区别？", "BCEWithLogitsLoss 直接接收 logits，数值更稳定。", 1)
    two = card("`nn.BCELoss` 与 `nn.BCEWithLogitsLoss` 该选哪个？", "BCEWithLogitsLoss 直接吃 logits，数值更稳定，优先用它。", 2)
    other = card("`nn.BCELoss` 与 `nn.BCEWithLogitsLoss` 的输入形状？", "都与目标同形状的 float 张量。", 3)
    found = list(near_duplicates([one, two, other]))
    assert [(f.card.key, f.rule) for f in found] == [("k2", "duplicate")]


def test_similar_code_with_another_output_is_no_duplicate():
    setup = "import json\ndata = {'a': 1, 'b': [1, 2, 3], 'c': None}\n"
    one = card("json.dumps 打印什么？", "", 1, setup + "print(json.dumps(data))\n", '{"a": 1, "b": [1, 2, 3], "c": null}')
    two = card("json.dumps 打印什么？", "", 2, setup + "print(json.dumps(data, indent=None, sort_keys=True, separators=(',', ':')))\n",
               '{"a":1,"b":[1,2,3],"c":null}')
    assert list(near_duplicates([one, two])) == []


def test_duplicate_silenced_by_either_card():
    q, a = "Which builtin pairs up the items of two lists?", "zip, which stops at the shorter list"
    assert len(list(near_duplicates([card(q, a, 1), card(q + " ", a, 2)]))) == 1
    assert list(near_duplicates([card(q, a, 1, lint=["duplicate"]), card(q, a, 2)])) == []
    assert list(near_duplicates([card(q, a, 1), card(q, a, 2, lint=["duplicate"])])) == []


def test_duplicate_search_is_not_all_pairs():
    """10k distinct cards: the prefix filter only compares a few candidates (no timing, a count)."""
    import random

    from pyflash.core.lint import similar

    rng = random.Random(7)
    words = ["".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(3, 9))) for _ in range(5000)]
    cards = [card(" ".join(rng.sample(words, 8)) + "?", " ".join(rng.sample(words, 8)), n) for n in range(1, 2001)]
    sets = [similar._grams(similar._question(c)) for c in cards]
    assert sum(1 for _ in similar._candidates(sets)) < len(cards) ** 2 / 100  # all pairs: len ** 2 / 2


# ---------------------------------------------------------------- silencing and validation


def test_lint_key_silences_a_rule(tmp_path):
    found = one_card(tmp_path, f"""
        - q: 这行多宽？为什么？
          lint: [long-line]
          code: |
            {LONG}
          a: 90
    """)
    assert rules_of(found) == ["multi-question"]
    found = one_card(tmp_path, f"""
        - q: 这行多宽？为什么？
          lint: [long-line, multi-question]
          code: |
            {LONG}
          a: 90
    """)
    assert found == []


def test_unknown_lint_rule_is_an_error(tmp_path, capsys):
    folder = tmp_path / "decks"
    path = write(folder, "d.yaml", """
        deck: D
        cards:
          - q: 什么？
            a: 这
            lint: [long-line, long-lines]
    """)
    code, out, err = run_main(["check", "--lint", str(folder)], capsys)
    assert code == 2
    assert f"{path}:5:23: card 1, key 'lint': unknown lint rule 'long-lines' (did you mean 'long-line'?)" in out
    write(folder, "d.yaml", """
        deck: D
        cards:
          - q: 什么？
            a: 这
            lint: leak
    """)
    code, out, err = run_main(["check", str(folder)], capsys)
    assert code == 2 and "key 'lint': must be a list of strings" in out


def test_lint_rules_are_documented():
    doc = (ROOT / "docs" / "lint.md").read_text(encoding="utf-8")
    for rule in LINT_RULES:
        assert f"`{rule}`" in doc


# ---------------------------------------------------------------- never crashes

_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=200)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.tuples(_text, st.none() | _text, st.none() | _text, st.none() | _text, st.none() | _text),
        min_size=1,
        max_size=6,
    )
)
def test_lint_never_crashes(tmp_path_factory, rows):
    cards = [
        Card(f"k{n}", None, "D", q, a if output is None else a, code if output is None else (code or ""), None,
             output, note, (), None, (), str(tmp_path_factory.getbasetemp() / "missing.yaml"), n, 1, n)
        for n, (q, a, code, output, note) in enumerate(rows, start=1)
    ]
    for warning in lint_cards(cards):
        assert warning.rule in LINT_RULES
        assert warning.line >= 1 and warning.col >= 1
        assert "\n" not in str(warning).split(": [", 1)[0]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(_text.filter(str.strip), _text, st.booleans()), min_size=1, max_size=4))
def test_lint_never_crashes_on_loaded_cards(tmp_path, rows):
    """Cards as the loader makes them, from a deck file written with yaml.safe_dump."""
    import yaml

    folder = tmp_path / "hyp"
    folder.mkdir(exist_ok=True)
    cards = [
        {"q": q, "code": body, "output": body[:20] or "x"} if as_output else {"q": q, "a": body or "x"}
        for q, body, as_output in rows
    ]
    (folder / "h.yaml").write_text(yaml.safe_dump({"deck": "H", "cards": cards}, allow_unicode=True), encoding="utf-8")
    result = load_decks(explicit_sources([folder]))
    for warning in lint_cards(result.cards):
        assert warning.rule in LINT_RULES and warning.line >= 1 and warning.col >= 1


def test_bundled_decks_pass_lint_strict(capsys):
    """The shipped decks are well formed: `pyflash check --lint --strict decks/` exits 0."""
    code, out, err = run_main(["check", "--lint", "--strict", str(ROOT / "decks")], capsys)
    assert code == 0, out + err
    assert "lint: 0 warning(s)" in out


def test_bundled_output_cards_name_their_subject():
    """No output card asks only "这段代码输出什么？": each names what its snippet is about."""
    result = load_decks(explicit_sources([ROOT / "decks"]))
    bare = [c.id for c in result.cards if c.output is not None and c.q.strip() in ("这段代码输出什么？", "这段程序输出什么？")]
    assert bare == []


def test_cloze_and_reverse_entries_are_linted_once(tmp_path):
    """A cloze note's cards and a reverse card share their entry's text: no duplicate of itself,
    and a cloze line is measured as its answer shows it (markers gone)."""
    fits = 'parser.add_argument("--flag", action={{c1::argparse.BooleanOptionalAction}})'
    found = one_card(tmp_path, f"""
        - id: bool-flag
          q: 让 argparse 同时支持 --flag 和 --no-flag
          cloze: |
            {fits}
            parser.add_argument("--n", {{{{c2::type=int}}}}, default=1)
        - id: zip-pairs
          q: Which builtin pairs up the items of two lists?
          a: zip
          reverse: true
    """)
    assert found == []
    wide = 'parser.add_argument("--flag", action={{c1::argparse.BooleanOptionalAction}}, default={{c2::True}})'
    found = one_card(tmp_path, f"""
        - id: bool-flag
          q: 让 argparse 同时支持 --flag 和 --no-flag
          cloze: |
            {wide}
    """)
    assert rules_of(found) == ["long-line"] and "`cloze`" in found[0].message
    assert (found[0].line, found[0].col) == (6, 7)  # the start of that line


def test_prefix_join_finds_every_pair_a_full_comparison_finds():
    """The filtered join is exact: the same pairs at or above the threshold as comparing all pairs."""
    import random

    from pyflash.core.lint import similar

    rng = random.Random(3)
    words = ["".join(rng.choice("abcdefgh") for _ in range(rng.randint(2, 5))) for _ in range(60)]
    base = [" ".join(rng.sample(words, rng.randint(3, 9))) for _ in range(120)]
    texts = base + [t.replace(t.split()[0], rng.choice(words), 1) for t in base[:80]]  # near copies
    sets = [similar._grams(t) for t in texts]
    full = {
        (i, j)
        for i in range(len(sets))
        for j in range(i + 1, len(sets))
        if similar._jaccard(sets[i], sets[j]) >= similar.THRESHOLD
    }
    joined = {p for p in similar._candidates(sets) if similar._jaccard(sets[p[0]], sets[p[1]]) >= similar.THRESHOLD}
    assert len(full) > 20
    assert joined == full


def test_leak_of_a_short_output_printed_as_a_string_literal(tmp_path):
    found = one_card(tmp_path, """
        - q: 打印什么？
          code: |
            print("hello")
          output: hello
        - q: 拼接后打印什么？
          code: |
            print("hel" + "lo")
          output: hello
    """)
    assert rules_of(found) == ["leak"]
    assert found[0].line == 6 and "string literal" in found[0].message
