"""The export's fast render paths give exactly the HTML of the libraries they stand in for.

* export/fastlex.py: per first character, only the rules that can start with it (pygments' own tokens);
* export/spans.py: tokens to spans without pygments' generator chain (HtmlFormatter(nowrap=True)'s HTML);
* export/quickmd.py: one plain line without markdown-it (markdown-it's HTML).
"""

from __future__ import annotations

import random
import re
import sys

import pytest
from pygments import format as pyg_format
from pygments.formatters import HtmlFormatter
from pygments.lexers import get_lexer_by_name

from conftest import ROOT
from pyflash.core.decks.loader import explicit_sources, load_decks
from pyflash.export import fastlex, rxtree
from pyflash.export.fastlex import speed_up
from pyflash.export.quickmd import quick_blocks, quick_markdown
from pyflash.export.render import _markdown, highlight, markdown, render_card
from pyflash.export.spans import highlight_tokens

sys.path.insert(0, str(ROOT / "bench"))
from export import generate  # the benchmark's generated code cards


@pytest.fixture(scope="module")
def cards(tmp_path_factory):
    folder = tmp_path_factory.mktemp("gen")
    generate(folder, 300)
    return load_decks(explicit_sources([str(ROOT / "decks")])).cards + load_decks(explicit_sources([str(folder)])).cards


@pytest.fixture(scope="module")
def texts(cards):
    out = []
    for c in cards:
        out += [t for t in (c.code, c.q, c.a, c.note, c.cloze) if t]
    return out


def _reference_markdown(text: str) -> str:
    return _markdown().render(text, {"lang": None}).rstrip("\n")


def test_quick_markdown_equals_markdown_it_on_every_card_text(cards):
    texts = [t for c in cards for t in (c.q, c.a, c.note) if t and t.strip()]
    quick = 0
    for text in texts:
        got = quick_markdown(text.rstrip(" \n"))
        if got is not None:
            quick += 1
            assert got == _reference_markdown(text), text
        assert markdown(text) == _reference_markdown(text), text
    assert quick > len(texts) // 2  # the fast path is really taken


@pytest.mark.parametrize("alphabet", ["ab c1.)*`&<>_\\[]~#-+=|!\"':@\n\t\u3000\xa0中é", "ab *`", "a<>:@ `b&", "a1 *`.&>\"中"])
def test_quick_markdown_equals_markdown_it_on_random_lines(alphabet):
    rng = random.Random(alphabet)
    taken = 0
    for _ in range(4000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 14)))
        got = quick_markdown(text.rstrip(" \n"))
        if got is not None and text.strip():
            taken += 1
            assert got == _reference_markdown(text), repr(text)
    assert taken > 100


@pytest.mark.parametrize(
    ("text", "html"),
    [
        ("What does `zip` return?", "<p>What does <code>zip</code> return?</p>"),
        ("a ` b ` and `  `", "<p>a <code>b</code> and <code>  </code></p>"),
        ("这：`list` 与 *dict*", "<p>这：<code>list</code> 与 <em>dict</em></p>"),
        ("use **two words** & \"x\" > y", "<p>use <strong>two words</strong> &amp; &quot;x&quot; &gt; y</p>"),
        ("List<int> is fine", "<p>List&lt;int&gt; is fine</p>"),
    ],
)
def test_quick_markdown_examples(text, html):
    assert quick_markdown(text) == html == _reference_markdown(text)


@pytest.mark.parametrize(
    "text",
    ["- item", "1. one", "# title", "a *b", "a_b_c", "x &amp; y", "<http://a.b>", "a `b", "``a``", "two\nlines",
     " lead", "a\\*b", "[link](x)", "~~gone~~", "a\u3000b", "**a*", "*a* b"],
)
def test_quick_markdown_leaves_anything_else_to_markdown_it(text):
    assert quick_markdown(text) is None


def test_spans_equal_pygments_html_formatter(texts):
    formatter = HtmlFormatter(nowrap=True)
    sample = texts[:: max(1, len(texts) // 80)] + ["a\n\n  b\n", "x = 'é'\r\n\ty < 2 && z\n", "\ufeffprint(1)", ""]
    for lang in ("python", "javascript", "c", "bash", "markdown", "diff"):
        lexer = get_lexer_by_name(lang, stripnl=False)
        for text in sample:
            assert highlight_tokens(lexer, text) == pyg_format(lexer.get_tokens(text), formatter), (lang, text[:60])


def test_fused_highlighter_equals_pygments_html_formatter(texts):
    """fasthl.py (a sped-up lexer writing its spans), twice: the first pass fills each rule's kept span."""
    formatter = HtmlFormatter(nowrap=True)
    sample = texts[:: max(1, len(texts) // 120)] + ["a\n\n  b\n", "x = 'é'\r\n\ty < 2 && z\n", "\ufeffprint(1)", ""]
    # Rules anchored at a line's start (docstrings, soft keywords, diff and markdown lines), there and mid-line.
    sample += ['def f():\n    """doc"""\n    match x:\n        case 1: y = match; case = 2\n    r"""a""" ; s = """b"""\n',
               "# T\n+a\n-b +c\n a # not\n  * x\n---\n@@ -1 +1 @@\n"]
    for lang in ("python", "javascript", "c", "bash", "markdown", "diff", "go", "rust", "sql", "yaml", "html"):
        fast = speed_up(get_lexer_by_name(lang, stripnl=False))
        plain = get_lexer_by_name(lang, stripnl=False)
        # (a lexer with its own tokenizer, C's or YAML's, is left alone: pygments' path)
        assert fastlex.is_sped_up(fast) or lang in ("c", "yaml", "html")
        for _ in range(2):
            for text in sample:
                assert highlight_tokens(fast, text) == pyg_format(plain.get_tokens(text), formatter), (lang, text[:60])


def test_first_character_dispatch_gives_pygments_tokens_in_any_language(texts):
    # Snippets lexed as other languages reach states, errors and rules the matching language never does.
    sample = texts[:: max(1, len(texts) // 60)]
    for lang in ("python", "javascript", "rust", "c", "bash", "sql", "yaml", "ruby"):
        plain = get_lexer_by_name(lang, stripnl=False)
        fast = speed_up(get_lexer_by_name(lang, stripnl=False))
        for text in sample:
            assert list(fast.get_tokens(text)) == list(plain.get_tokens(text)), (lang, text[:60])


def test_first_sets_of_rules():
    first = rxtree.first
    space = first(re.compile(r"\s+"))
    assert space is not None and space(" ") and space("\n") and not space("a")
    assert first(re.compile(r"(?=x)|y*")) is None  # can match the empty string
    word = first(re.compile(r"(?i)\b(?:and|or)\b"))
    assert word is not None and word("A") and word("o") and not word("x")
    prefixed = first(re.compile(r'([rR]|[uUbB][rR]|[rR][uUbB])?(""")'))
    assert prefixed is not None and all(prefixed(c) for c in 'rRuUbB"') and not prefixed("x")
    negated = first(re.compile(r"[^\d\s]+"))
    assert negated is not None and negated("a") and not negated("1") and not negated(" ")
    # Per character, only rules that can start with it are joined, and most characters need few.
    lexer = speed_up(get_lexer_by_name("python", stripnl=False))
    list(lexer.get_tokens("xs = [x * 2 for x in range(3)]  # c\n"))
    root = fastlex._ASCII[type(lexer)]["root"]  # an ASCII text: the rules narrowed to ASCII
    assert root is not None and sum(r is not None for r in root.by_char["x"][1]) < len(root.rules) // 4


def test_rules_anchored_at_a_line_start():
    anchored = rxtree.anchored
    for pattern in (r"^(\s*)x", r"(?m)^x", r"\Ax", r"(?=a)^a", r"(^a|^b)", r"(?:\b^x)"):
        assert anchored(re.compile(pattern)), pattern
    for pattern in (r"(^a|b)", r"a^", r"\bfoo", r"x?^", r"[^a]", r"(?<=\n)x"):
        assert not anchored(re.compile(pattern)), pattern
    # Mid-line, Python's space tries one rule (text), not the docstring and soft-keyword rules anchored at ^.
    lexer = speed_up(get_lexer_by_name("python", stripnl=False))
    highlight_tokens(lexer, "def f(x):\n    return x\n")
    root = fastlex._ASCII[type(lexer)]["root"]
    assert root is not None
    assert sum(r is not None for r in root.mid_line[" "][1]) == 1 < sum(r is not None for r in root.by_char[" "][1])


def _ascii(pattern: str, flags: int) -> re.Pattern[str]:
    """One rule joined for ASCII text (its classes cut to ASCII)."""
    joined = rxtree.marked([(pattern, re.compile(pattern, flags).groups)], flags, True)
    assert joined is not None
    return joined


def test_rules_narrowed_to_ascii_for_ascii_text():
    narrowed = _ascii("([a-z\u00e9\U00010400-\U0001044f]+)|(\u0100)", 0)
    assert narrowed.match("abc d").group() == "abc"
    assert narrowed.match("\u00e9") is None and narrowed.match("\U00010400") is None  # the non-ASCII part is gone
    assert _ascii("[\u212a]x", re.IGNORECASE).match("kx")  # the Kelvin sign folds to k: kept
    assert _ascii("[^\u0100-\u0200]", 0).match("a")  # a negated class still matches ASCII
    assert _ascii("(?=[\u0100b])b|(?:[\u0100c])*d", 0).match("ccd").group() == "ccd"
    # Python's names: the ASCII state stops at the first non-ASCII letter, the other does not; both are used.
    lexer = speed_up(get_lexer_by_name("python", stripnl=False))
    list(lexer.get_tokens("xs = 1\n"))
    list(lexer.get_tokens("x\u00e9 = 1\n"))
    ascii_x = fastlex._ASCII[type(lexer)]["root"].by_char["x"][0]
    any_x = fastlex._CACHE[type(lexer)]["root"].by_char["x"][0]
    assert ascii_x("x\u00e9", 0).group() == "x" and any_x("x\u00e9", 0).group() == "x\u00e9"
    assert [v for _, v in lexer.get_tokens("x\u00e9 = 1\n")][0] == "x\u00e9"


def test_joined_rules_name_the_rule_that_matched_with_one_group_each():
    rules = [(r"(a)(b)", 2), (r"(?:x|(y))+", 1), (r"", 0), (r"(?P<n>c)d", 1)]
    joined = rxtree.marked(rules, 0, False)
    assert joined is not None and joined.groups == len(rules) and not joined.groupindex
    assert joined.match("ab").lastindex == 1 and joined.match("ab").group() == "ab"
    assert joined.match("xyx!").lastindex == 2 and joined.match("xyx!").group() == "xyx"
    assert joined.match("cd").lastindex == 3 and joined.match("cd").group() == ""  # the empty rule comes first
    assert rxtree.marked([(r"(?P<n>c)d", 1)], 0, False).match("cd").lastindex == 1


def test_rules_whose_text_is_never_empty_nor_holds_a_newline():
    simple = [r".", r"[^\S\n]+", r"[a-z]\w*", r"#.*$", r"!=|==|[-+]", r"(?<=\n)x", r"(?=\s)y", r"\\"]
    other = [r"\n", r"\s+", r"[^x]", r"(?s).", r"a*", r"(?=a)", r"x|", r'"""[\s\S]*?"""', r"(a)\1"]
    for pattern in simple:
        assert not rxtree.empty_or_newline(re.compile(pattern, re.M)), pattern
    for pattern in other:
        assert rxtree.empty_or_newline(re.compile(pattern, re.M)), pattern


def test_rules_of_newlines_only():
    for pattern in (r"\n", r"\n+", r"(\n)", r"(?:\n|\n\n)", r"[\n]"):
        assert rxtree.only_newlines(re.compile(pattern)), pattern
    for pattern in (r"\n?", r"\s+", r"\n\s*", r"\\\n", r"x"):
        assert not rxtree.only_newlines(re.compile(pattern)), pattern


def test_a_single_space_mid_line_found_without_a_regex():
    for pattern in (r"[^\S\n]+", r"\s+", r" +", r"[ \t]++"):
        assert rxtree.run_of_class(rxtree.parse(re.compile(pattern))), pattern
    for pattern in (r"\s*", r"\s+?", r"\s{1,3}", r"\s+x", r"(\s)+", r"x"):
        assert not rxtree.run_of_class(rxtree.parse(re.compile(pattern))), pattern
    lexer = speed_up(get_lexer_by_name("python", stripnl=False))
    highlight_tokens(lexer, "x = 1\n")
    root = fastlex._ASCII[type(lexer)]["root"]
    found = root.space()
    assert found is not None and root.mid_line[" "] is found[0] and root.by_char.get(" ") is not found[0]
    assert "x" in found[1] and "\n" in found[1] and " " not in found[1] and "\t" not in found[1]
    assert str(found[2]) == "Token.Text"
    # Spaces and tabs in runs, before a newline, before non-ASCII text; the HTML is pygments'.
    formatter = HtmlFormatter(nowrap=True)
    plain = get_lexer_by_name("python", stripnl=False)
    for text in ("a  b\t c \n d = [1, 2] \n", "x = ' a  b '  # c  d \n", "y = 1 \u00e9 \u00a0 z\t\n", "f( a ,b )"):
        assert highlight_tokens(lexer, text) == pyg_format(plain.get_tokens(text), formatter), text


def test_a_token_of_one_character_found_without_a_regex():
    one = rxtree.one_character
    assert one(re.compile(r"[]{}:(),;[]"), "(") and one(re.compile(r"!=|==|[-+=]"), "+")
    assert not one(re.compile(r"!=|==|[-+=]"), "=")  # "==" too
    assert not one(re.compile(r"[-+](?=x)"), "+") and not one(re.compile(r"\+\+?"), "+") and not one(re.compile(r"a"), "b")
    assert not one(re.compile(r"\+|"), "+") and one(re.compile(r"(?i)[a]"), "A")
    lexer = speed_up(get_lexer_by_name("python", stripnl=False))
    formatter = HtmlFormatter(nowrap=True)
    plain = get_lexer_by_name("python", stripnl=False)
    for text in ("f(a, b)[0]; x == y + z\n", "g(x) < h(y) & 1 >> 2\n", "(x)\n(y) ;\n"):
        for _ in range(2):  # the first time a character is met mid-line, then from its kept entry
            assert highlight_tokens(lexer, text) == pyg_format(plain.get_tokens(text), formatter), text
    mid_line = fastlex._ASCII[type(lexer)]["root"].mid_line
    assert mid_line["("][0] is None and mid_line["("][1] == "("  # punctuation: no regex
    assert mid_line["="][0] is not None and mid_line["x"][0] is not None  # "==", names: a regex


@pytest.mark.parametrize("lang", ["python", "javascript", "diff"])
def test_fused_highlighter_escapes_once_and_keeps_its_placeholders_apart(lang):
    formatter = HtmlFormatter(nowrap=True)
    plain = get_lexer_by_name(lang, stripnl=False)
    fast = speed_up(get_lexer_by_name(lang, stripnl=False))
    # Escaped text (& < > in names, strings, comments, operators), and text that holds the placeholders
    # themselves (pygments' path), with and without text to escape.
    for text in ("a < b && c > d  # <b>&amp;</b>\n'<x>' + \"&\"\n", "x = '\x01<\x02'\n", "y = 1\x02\n", "<\x01>"):
        for _ in range(2):
            assert highlight_tokens(fast, text) == pyg_format(plain.get_tokens(text), formatter), (lang, text)


def test_rendered_cards_are_the_reference_html(cards):
    """The whole card: the fast paths against pygments' formatter and markdown-it, field by field."""
    formatter = HtmlFormatter(nowrap=True)

    def reference_code(code: str, lang: str | None) -> str:
        lexer = get_lexer_by_name(lang or "python", stripnl=False)
        body = pyg_format(lexer.get_tokens(code.rstrip("\n")), formatter).removesuffix("\n")
        return f'<pre class="pf-hl"><code class="language-{lang}">{body}</code></pre>'

    checked = 0
    for card in cards[::2]:
        if card.cloze is not None or not card.code or card.lang != "python":
            continue
        got = render_card(card)
        assert got.code == reference_code(card.code, card.lang)
        if "```" not in card.q:
            assert got.question == _reference_markdown(card.q)
        checked += 1
    assert checked > 100


def _reference_with_lang(text: str, lang: str | None) -> str:
    return _markdown().render(text, {"lang": lang}).rstrip("\n")


def test_quick_blocks_equal_markdown_it_on_every_multi_line_card_text(cards):
    texts = [(t, c.lang) for c in cards for t in (c.q, c.a, c.note) if t and "\n" in t.strip()]
    quick = 0
    for text, lang in texts:
        got = quick_blocks(text.rstrip(" \n"), highlight, lang)
        if got is not None:
            quick += 1
            assert got == _reference_with_lang(text, lang), text
        assert markdown(text, lang) == _reference_with_lang(text, lang), text
    assert quick > len(texts) // 3  # the fast path is really taken


_LINES = ["Plain words.", "Use `zip` and **two words**:", "a & b < c", "*a*", "a  b", "text  ", "`x`", "中文 *字*"]
_CODE = ["x = [1, 2]  # c", "    indented = 1", "", "a < b && c", "```", "  ```", "````", "~~~", "```python", "\t1"]
_ODD = ["1. one", "# title", "  lead", "a\tb", "| a | b |", "|---|---|", "---", "***", "* * *", "- - -", "> quote",
        "<b>", "- [x] done", "--", "===", "```python extra", "- *em*", "- # h", "- ", "-  two", "", "- a", "b"]


def _block(rng: random.Random) -> str:
    kind = rng.random()
    if kind < 0.3:
        return rng.choice(_LINES)
    if kind < 0.55:
        info = rng.choice(["", "python", "js", "text"])
        return "\n".join([f"```{info}", *(rng.choice(_CODE) for _ in range(rng.randint(0, 4))), "```"])
    if kind < 0.8:
        marker = rng.choice("-*+")
        return "\n".join(f"{marker} {rng.choice(_LINES)}" for _ in range(rng.randint(1, 4)))
    return rng.choice(_ODD)


def test_quick_blocks_equal_markdown_it_on_random_documents():
    rng = random.Random(15)
    taken = 0
    for _ in range(3000):
        text = ""
        for _ in range(rng.randint(1, 5)):
            text += _block(rng) + rng.choice(["\n\n", "\n\n", "\n\n\n", "\n", " \n\n"])
        lang = rng.choice([None, "python"])
        got = quick_blocks(text.rstrip(" \n"), highlight, lang)
        if got is not None:
            taken += 1
            assert got == _reference_with_lang(text, lang), repr(text)
    assert taken > 200


@pytest.mark.parametrize(
    "text",
    ["a\n- b", "- a\n\n- b", "```\nx", "```\nx\n```\ny", "a\nb", "- a\n  b", "```\n  ```\n```", "a\r\nb",
     "\na\n\nb", "- a\n* b"],
)
def test_quick_blocks_leave_anything_else_to_markdown_it(text):
    assert quick_blocks(text, highlight, None) is None
