"""A plain question or answer is drawn without the Markdown widget, and looks exactly as the Markdown widget draws it.

``pyflash.ui.inline.plain_paragraph`` must give the same content (text and
``.code_inline`` spans) as markdown-it-py and Textual's ``Markdown`` for every
text it accepts, and :class:`~pyflash.ui.card_text.CardText` must paint the same
cells (characters and styles) either way.
"""

from __future__ import annotations

import os

import pytest
from textual.widgets._markdown import MarkdownBlock

from conftest import ROOT, open_workspace, write_deck
from pyflash.ui import card_text, text
from pyflash.ui.app import make_app
from pyflash.ui.inline import plain_paragraph
from pyflash.ui.markdown import CardMarkdown, markdown_parser


def markdown_content(source: str):
    """What Textual's Markdown widget draws for ``source``, when it is one paragraph (else None)."""
    tokens = markdown_parser().parse(source)
    if [t.type for t in tokens] != ["paragraph_open", "inline", "paragraph_close"]:
        return None
    return MarkdownBlock._token_to_content(None, tokens[1])


def same(a, b) -> bool:
    return a is not None and b is not None and a.plain == b.plain and list(a.spans) == list(b.spans)


PLAIN = [
    "What does `len('héllo')` return?",
    "`zip()` 在两个列表长度不同时会怎样？",
    "用 line_profiler 逐行统计 `snake_case` 的耗时",
    "Two  spaces,\ta tab and\u3000an ideographic space collapse",
    "`` a`b ``, ` x ` and `  ` keep their inner spaces as CommonMark says",
    "x -- y: 1 + 2 = 3 | a pipe, a # and 10% are text",
    "中_文 and a_b_c",
    "1 is a number, not a list",
]

NOT_PLAIN = [
    "**bold**",
    "*em* or _em_",
    "__init__",
    "a _b_ c",
    "[link](x)",
    "![img](x)",
    "<http://x>",
    "&amp;",
    "a \\* b",
    "~~gone~~",
    "two\nlines",
    "# heading",
    "> quote",
    "- item",
    "1. item",
    "2) item",
    "---",
    "```py",
    "unclosed `tick",
    "`a`_b",
    " leading space",
    "",
]


@pytest.mark.parametrize("source", PLAIN)
def test_plain_paragraph_is_what_markdown_draws(source):
    assert same(plain_paragraph(source), markdown_content(source))


@pytest.mark.parametrize("source", NOT_PLAIN)
def test_anything_else_is_left_to_markdown(source):
    assert plain_paragraph(source) is None


def test_every_bundled_text_it_accepts_is_drawn_as_markdown_draws_it():
    ws = open_workspace([str(ROOT / "decks")])
    try:
        cards = ws.result.cards
    finally:
        ws.close()
    sources = [s for c in cards for s in (text.question_markdown(c), text.answer_markdown(c))]
    accepted = [s for s in sources if plain_paragraph(s) is not None]
    assert len(accepted) > len(cards) / 2  # most questions take the fast path
    wrong = [s for s in accepted if not same(plain_paragraph(s), markdown_content(s))]
    assert wrong == []


DECK = """\
deck: Plain
cards:
  - id: one
    q: "How do you read `key` from dict `d` with a default of 0, when line_profiler says the line is long enough to wrap?"
    a: "`d.get('key', 0)`"
  - id: two
    q: "**Bold** needs Markdown"
    a: "`two`"
"""


def cells(app) -> list[list[tuple[str, object]]]:
    """Every cell of the screen: (character, style)."""
    rows = []
    for strip in app.screen._compositor.render_strips():
        row = []
        for segment in strip:
            row += [(ch, segment.style) for ch in segment.text]
        rows.append(row)
    return rows


async def paint(ws, theme: str, *, reveal: bool) -> list[list[tuple[str, object]]]:
    app = make_app(ws, theme=theme.removesuffix("+ansi"), animations=False, environ=os.environ)
    if theme.endswith("+ansi"):
        app.ansi_color = True  # the terminal's own colours (the :ansi rules)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        if reveal:
            await pilot.press("space")
            await pilot.pause()
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        return cells(app)


@pytest.mark.parametrize("theme", ["textual-dark", "textual-light", "textual-dark+ansi"])
@pytest.mark.parametrize("reveal", [False, True], ids=["question", "answer"])
async def test_the_fast_path_paints_what_the_markdown_widget_paints(theme, reveal, tmp_path, ws_factory, monkeypatch):
    ws = ws_factory(write_deck(tmp_path / "decks", "plain.yaml", DECK))
    fast = await paint(ws, theme, reveal=reveal)
    drawn: list[str] = []
    real = card_text.plain_paragraph

    def never(source: str):
        drawn.append(source)
        assert real(source) is not None  # this text would have taken the fast path
        return None

    monkeypatch.setattr(card_text, "plain_paragraph", never)
    slow = await paint(ws, theme, reveal=reveal)
    assert drawn  # the Markdown widget drew the same text
    assert "`key`" in drawn[0]
    assert slow == fast


async def test_a_markdown_question_after_a_plain_one_uses_the_markdown_widget(tmp_path, ws_factory):
    ws = ws_factory(write_deck(tmp_path / "decks", "plain.yaml", DECK))
    app = make_app(ws, theme="textual-dark", animations=False, environ=os.environ)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        question = app.screen.query_one("#question")
        assert not question.query(CardMarkdown)  # the plain question: no Markdown widget at all
        await pilot.press("space", "4")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        assert question.source == "**Bold** needs Markdown"
        markdown = question.query_one(CardMarkdown)
        assert markdown.display and markdown.source == question.source
        assert not question.query_one(card_text.PlainParagraph).display
        text_on_screen = "\n".join(s.text for s in app.screen._compositor.render_strips())
        assert "Bold needs Markdown" in text_on_screen and "**" not in text_on_screen
