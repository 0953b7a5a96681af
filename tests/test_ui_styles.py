"""pyflash.tcss is parsed in two parts (ui/styles.py): the study screen's rules first, the rest later.

The split must change nothing but when the rules are parsed: the same rules in
the same order, no rule below the marker that styles anything on the study
screen, and every other screen shown with the whole stylesheet.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.app import App
from textual.css.stylesheet import Stylesheet, StylesheetParseError

import pyflash.ui
from conftest import write_deck
from pyflash.ui.app import make_app
from pyflash.ui.picker import DeckPickerScreen
from pyflash.ui.styles import MARKER, SplitStylesheet

TCSS = Path(pyflash.ui.__file__).parent / "pyflash.tcss"
SIZE = (80, 24)

DECK = """\
deck: Styles
lang: python
cards:
  - id: s1
    q: What does this print?
    code: |
      print(1 + 1)
    output: "2"
    source: a*b*c_d_
  - id: s2
    q: Plain question?
    a: "**bold** answer"
"""


def rules_css(stylesheet: Stylesheet) -> list[str]:
    return [rule.css for rule in stylesheet.rules]


def test_the_two_parts_are_the_whole_stylesheet_in_order():
    variables = App().get_css_variables()
    whole = Stylesheet(variables=variables)
    whole.read(TCSS)
    split = SplitStylesheet(variables=variables)
    split.read(TCSS)
    assert split.has_rest
    first = rules_css(split)
    assert 0 < len(first) < len(rules_css(whole)) // 2  # most rules wait
    split.load_rest()
    assert not split.has_rest
    assert rules_css(split) == rules_css(whole)


def test_a_mistake_below_the_marker_keeps_its_line_number(tmp_path):
    bad = tmp_path / "bad.tcss"
    bad.write_text(f"#a {{\n    height: 1;\n}}\n\n{MARKER} ==== */\n\n#b {{\n    colr: red;\n}}\n", encoding="utf-8")
    split = SplitStylesheet()
    split.read(bad)
    assert len(split.rules) == 1
    split.load_rest()
    whole = Stylesheet()
    whole.read(bad)
    lines = []
    for stylesheet in (split, whole):
        with pytest.raises(StylesheetParseError) as caught:
            stylesheet.parse()
        lines.append([token.start[0] for rule in caught.value.errors.rules for token, _ in rule.errors])
    assert lines == [[8], [8]]  # the line of `colr` in the file (1-based), split or not


def styles_of(screen) -> dict[str, str]:
    return {f"{node!r}": node.styles.css for node in screen.walk_children(with_self=True)}


async def test_no_rule_below_the_marker_styles_the_first_question(tmp_path, ws_factory):
    ws = ws_factory(write_deck(tmp_path / "decks", "styles.yaml", DECK))
    app = make_app(ws, theme="textual-dark", animations=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert app.stylesheet.has_rest  # the first card is painted before the rest is parsed
        before = styles_of(app.screen)
        assert any("CardView" in name for name in before)
        app.stylesheet.load_rest()
        app.stylesheet.update(app.screen)
        await pilot.pause()
        assert styles_of(app.screen) == before


async def test_the_first_reveal_adds_the_rest_first(tmp_path, ws_factory):
    ws = ws_factory(write_deck(tmp_path / "decks", "styles.yaml", DECK))
    app = make_app(ws, theme="textual-dark", animations=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert app.stylesheet.has_rest
        await pilot.press("space")
        await pilot.pause()
        assert not app.stylesheet.has_rest
        grades = app.screen.query_one("#grades")
        assert grades.styles.display == "block" and grades.styles.border_top[0] == "round"  # rules below the marker
        assert app.screen.query_one("#source").styles.text_style.italic


async def test_typing_adds_the_rest_first(tmp_path, ws_factory):
    ws = ws_factory(write_deck(tmp_path / "decks", "styles.yaml", DECK))
    app = make_app(ws, theme="textual-dark", animations=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert app.stylesheet.has_rest
        await pilot.press("t")  # an output card: type the output
        await pilot.pause()
        assert not app.stylesheet.has_rest
        assert app.screen.query_one("#typing").styles.border_top[0] == "round"
        assert app.screen.query_one("#hint").styles.display == "none"  # StudyScreen.-typing #hint


async def test_another_screen_is_shown_with_the_whole_stylesheet(tmp_path, ws_factory):
    ws = ws_factory(write_deck(tmp_path / "decks", "styles.yaml", DECK))
    app = make_app(ws, theme="textual-dark", animations=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert app.stylesheet.has_rest
        await pilot.press("escape")  # the deck picker, long before the rest would be parsed anyway
        await pilot.pause()
        assert isinstance(app.screen, DeckPickerScreen)
        assert not app.stylesheet.has_rest
        title = app.screen.query_one("#picker-title")
        assert title.styles.max_height is not None and title.styles.max_height.value == 3  # a rule below the marker


async def test_the_card_frame_is_bright_while_a_part_of_the_card_has_focus(tmp_path, ws_factory):
    # The class -focused stands for :focus-within (ui/card_view.py), with the same frame.
    ws = ws_factory(write_deck(tmp_path / "decks", "styles.yaml", DECK))
    app = make_app(ws, theme="textual-dark", animations=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        card = app.screen.query_one("#card")
        focused_border = card.styles.border_top
        assert card.has_class("-focused") and app.screen.focused is app.screen.query_one("#question-box")
        await pilot.press("t")  # the typing box, below the card, takes the focus
        await pilot.pause()
        assert not card.has_class("-focused") and card.styles.border_top != focused_border
        await pilot.press("escape")  # back to the question
        await pilot.pause()
        assert card.has_class("-focused") and card.styles.border_top == focused_border


async def test_the_first_card_is_styled_as_a_whole_restyle_would(tmp_path, ws_factory):
    # The first resume does not restyle the screen again, and the focused box restyles only
    # itself (ui/study.py, ui/card_view.py): every node must still have the styles it would get.
    ws = ws_factory(write_deck(tmp_path / "decks", "styles.yaml", DECK))
    app = make_app(ws, theme="textual-dark", animations=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        before = styles_of(app.screen)
        app.stylesheet.update(app.screen)
        await pilot.pause()
        assert styles_of(app.screen) == before


async def test_a_focus_rule_for_what_is_inside_the_box_still_applies(tmp_path, ws_factory):
    ws = ws_factory(write_deck(tmp_path / "decks", "styles.yaml", DECK))
    app = make_app(ws, theme="textual-dark", animations=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        app.stylesheet.add_source("#question-box:focus CardText { padding: 0 3; }", read_from=("test", ""))
        app.stylesheet.parse()
        app.stylesheet.update(app.screen)
        box, question = app.screen.query_one("#question-box"), app.screen.query_one("#question")
        assert app.screen.focused is box and question.styles.padding.left == 3
        await pilot.press("space")  # the answer box takes the focus; the card keeps its frame (-focused)
        await pilot.pause()
        assert app.screen.focused is app.screen.query_one("#answer-box") and app.screen.query_one("#card").has_class("-focused")
        assert question.styles.padding.left == 0
