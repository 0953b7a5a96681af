"""Pilot tests of typing the answer (ui/typed.py): the box, the diff, the suggested grade, the log."""

from __future__ import annotations

import pytest

from conftest import write_deck
from pyflash.core.config import Config, DeckLimit
from pyflash.ui.answer_area import AnswerArea
from pyflash.ui.study import StudyScreen
from test_ui import SIZE, app_for, screen_text, wait_until

DECK = """\
deck: Typed
lang: python
cards:
  - id: one-line
    q: What does it print?
    code: print([1, 2] * 2)
    output: "[1, 2, 1, 2]"
  - id: two-lines
    q: What does it print?
    code: |
      print("a")
      print("b  c")
    output: |
      a
      b  c
  - id: zh
    q: 输出什么？
    code: print("你好，世界！")
    output: 你好，世界！
  - id: six-seven
    q: What is 6 × 7?
    a: "`42`"
    type: true
    accept: [forty-two]
  - id: plain
    q: Plain question?
    a: plain answer
"""


@pytest.fixture
def deck(tmp_path):
    return write_deck(tmp_path / "decks", "typed.yaml", DECK)


def typed_log(ws) -> list[tuple[str, int, str | None]]:
    return [(e.key, e.grade, e.typed) for e in ws.store.log() if e.grade is not None]


async def go_to(pilot, key: str) -> None:
    """Skip cards (bury them) until ``key`` is the current one."""
    app = pilot.app
    while app.screen.session.current.key != key:
        if app.screen.typing:
            await pilot.press("escape")
        await pilot.press("b")
        await pilot.pause()


async def type_text(pilot, text: str) -> None:
    area = pilot.app.screen.query_one(AnswerArea)
    area.insert(text)
    await pilot.pause()


def shown(app) -> str:
    return screen_text(app)


async def test_t_opens_the_box_and_an_exact_answer_suggests_5(deck, ws_factory):
    ws = ws_factory(deck)
    app = app_for(ws)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, StudyScreen)
        assert screen.session.current.key == "one-line"
        assert "show the answer · t type it" in shown(app) and not screen.typing  # type_output is off: the box waits for t
        await pilot.press("t")
        await wait_until(pilot, lambda: screen.query(AnswerArea), "the answer box")
        area = screen.query_one(AnswerArea)
        assert area.has_focus and area.styles.height.value == 3  # one line and its frame
        await pilot.press(*"[1, 2, 1, 2]")
        assert area.text == "[1, 2, 1, 2]"  # the digits went into the box, not to the grades
        assert ws.store.log() == []
        await pilot.press("enter")  # one line: enter checks it
        await wait_until(pilot, lambda: screen.checked is not None, "the check")
        text = shown(app)
        assert "Typed: Right · suggested grade 5 easy" in text
        assert "enter: 5 easy (suggested)" in text
        assert screen.query_one("#grade-5").has_class("-suggested")
        await pilot.press("enter")  # takes the suggested grade
        await wait_until(pilot, lambda: screen.session.current.key == "two-lines", "the next card")
    assert typed_log(ws) == [("one-line", 5, "[1, 2, 1, 2]")]


async def test_whitespace_only_suggests_4_and_a_multi_line_answer(deck, ws_factory):
    ws = ws_factory(deck)
    app = app_for(ws)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await go_to(pilot, "two-lines")
        screen = app.screen
        await pilot.press("t")
        await wait_until(pilot, lambda: screen.query(AnswerArea), "the answer box")
        area = screen.query_one(AnswerArea)
        assert area.styles.height.value == 4  # two lines and the frame
        await pilot.press("a", "space", "space", "enter", "b", "space", "space", "c")
        assert area.text == "a  \nb  c"  # enter made a new line: the output has two
        assert screen.checked is None
        await pilot.press("ctrl+enter")
        await wait_until(pilot, lambda: screen.checked is not None, "the check")
        assert "Typed: Right but for spaces or line endings · suggested grade 4 good" in shown(app)
        await pilot.press("space")  # space takes the suggested grade too
        await wait_until(pilot, lambda: screen.session.current.key != "two-lines", "the next card")
    assert typed_log(ws) == [("two-lines", 4, "a  \nb  c")]


@pytest.mark.parametrize("key", ["ctrl+s", "ctrl+j"])
async def test_ctrl_s_and_ctrl_j_submit_when_ctrl_enter_does_not_reach_us(deck, ws_factory, key):
    ws = ws_factory(deck)
    app = app_for(ws)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await go_to(pilot, "two-lines")
        screen = app.screen
        await pilot.press("t")
        await wait_until(pilot, lambda: screen.query(AnswerArea), "the answer box")
        await type_text(pilot, "a\nb c")
        await pilot.press(key)
        await wait_until(pilot, lambda: screen.checked is not None, "the check")
        assert (screen.checked.grade, screen.checked.verdict) == (3, "close")  # "b c" for "b  c"
        assert not screen.query(AnswerArea)


async def test_wrong_answer_shows_the_expected_output_and_a_digit_overrides(deck, ws_factory):
    ws = ws_factory(deck)
    app = app_for(ws)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = app.screen
        await pilot.press("t")
        await wait_until(pilot, lambda: screen.query(AnswerArea), "the answer box")
        await type_text(pilot, "[1, 2, 2, 1]")
        await pilot.press("enter")
        await wait_until(pilot, lambda: screen.checked is not None, "the check")
        assert screen.checked.grade < 3
        text = shown(app)
        assert "Typed: Not it · suggested grade 1 wrong" in text
        assert "- [1, 2, 2, 1]" in text and "+ [1, 2, 1, 2]" in text  # typed and expected, aligned
        assert "Output" in text  # the card's answer: its expected output
        assert screen.query_one("#grade-1").has_class("-suggested")
        await pilot.press("2")  # another grade than the suggested one
        await wait_until(pilot, lambda: screen.session.current.key != "one-line", "the next card")
        assert not screen.query_one("#grade-1").has_class("-suggested")
    assert typed_log(ws) == [("one-line", 2, "[1, 2, 2, 1]")]


async def test_escape_goes_back_to_the_question_and_revealing_logs_no_typed_text(deck, ws_factory):
    ws = ws_factory(deck)
    app = app_for(ws)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = app.screen
        await pilot.press("t")
        await wait_until(pilot, lambda: screen.query(AnswerArea), "the answer box")
        await pilot.press("x", "escape")
        await wait_until(pilot, lambda: not screen.query(AnswerArea), "the box to close")
        assert isinstance(app.screen, StudyScreen) and not screen.session.revealed
        await pilot.press("space")
        await pilot.pause()
        assert screen.session.revealed and screen.checked is None
        assert "Typed:" not in shown(app)
        await pilot.press("enter")  # plain reveal: enter is 4 good, as always
        await wait_until(pilot, lambda: screen.session.current.key != "one-line", "the next card")
    assert typed_log(ws) == [("one-line", 4, None)]


async def test_cjk_diff_lines_up_by_display_width(deck, ws_factory):
    ws = ws_factory(deck)
    app = app_for(ws)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await go_to(pilot, "zh")
        screen = app.screen
        await pilot.press("t")
        await wait_until(pilot, lambda: screen.query(AnswerArea), "the answer box")
        await type_text(pilot, "你好,世界!")
        await pilot.press("enter")
        await wait_until(pilot, lambda: screen.checked is not None, "the check")
        rows = shown(app).splitlines()
        top = next(i for i, r in enumerate(rows) if "- 你好" in r)
        typed_row, expected_row, marks = rows[top], rows[top + 1], rows[top + 2]
        assert "+ 你好，世界！" in expected_row
        start = typed_row.index("- 你好")
        # the ^ under the wide ， and ！ start where they start in the expected row (display columns)
        from rich.cells import cell_len

        col = cell_len(typed_row[:start])
        assert cell_len(expected_row[: expected_row.index("+ 你好")]) == col
        marked = [i for i, ch in enumerate(marks) if ch == "^"]
        offset = col + 2  # after "- "
        assert [m - offset for m in marked] == [4, 5, 10, 11]


async def test_type_true_card_opens_the_box_and_takes_alternatives(deck, ws_factory):
    ws = ws_factory(deck)
    app = app_for(ws)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await go_to(pilot, "six-seven")
        screen = app.screen
        await wait_until(pilot, lambda: screen.typing, "the box (type: true opens it)")
        assert "Type the answer" in shown(app)
        await type_text(pilot, "  Forty-Two ")
        await pilot.press("enter")
        await wait_until(pilot, lambda: screen.checked is not None, "the check")
        assert screen.checked.grade == 5
        await pilot.press("enter")
        await wait_until(pilot, lambda: screen.session.current.key == "plain", "the next card")
        await pilot.press("t")  # a plain q/a card cannot be typed
        await pilot.pause()
        assert not screen.typing
    assert typed_log(ws) == [("six-seven", 5, "  Forty-Two ")]


async def test_type_output_config_opens_the_box_per_deck(deck, tmp_path, ws_factory):
    ws = ws_factory(deck, config=Config(type_output=False, deck_limits=(DeckLimit("typed", type_output=True),)))
    app = app_for(ws)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = app.screen
        await wait_until(pilot, lambda: screen.typing, "the box")
        footer = shown(app).splitlines()[-1]
        # While typing, only the box's keys: letters (and ?) go into the box.
        assert "ctrl+enter/^s Check" in footer and "esc Question" in footer and "Bury" not in footer
        await pilot.press("escape")  # back to the question; the box stays closed for this card
        await wait_until(pilot, lambda: not screen.typing, "the box to close")
        assert screen.session.current.key == "one-line"
        await pilot.press("b")
        await wait_until(pilot, lambda: screen.session.current.key == "two-lines", "the next card")
        await wait_until(pilot, lambda: screen.typing, "the box on the next card")


async def test_undo_after_a_typed_grade(deck, ws_factory):
    ws = ws_factory(deck)
    app = app_for(ws)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = app.screen
        await pilot.press("t")
        await wait_until(pilot, lambda: screen.query(AnswerArea), "the answer box")
        await type_text(pilot, "nope")
        await pilot.press("enter")
        await wait_until(pilot, lambda: screen.checked is not None, "the check")
        await pilot.press("enter")
        await wait_until(pilot, lambda: screen.session.current.key != "one-line", "the next card")
        await pilot.press("u")
        await wait_until(pilot, lambda: screen.session.current.key == "one-line", "the card back")
        assert not screen.session.revealed and screen.checked is None and "Typed:" not in shown(app)
        assert ws.store.get("one-line") is None
    assert [(e.kind, e.typed) for e in ws.store.log()] == [("review", "nope"), ("undo", None)]


async def test_a_long_line_scrolls_sideways_and_keeps_its_marks(tmp_path, ws_factory):
    long = "x" * 60 + " " + "y" * 40
    deck = write_deck(tmp_path / "decks", "long.yaml",
                      f'deck: Long\ncards:\n  - {{id: long, q: Long?, code: print(1), output: "{long}"}}\n')
    ws = ws_factory(deck)
    app = app_for(ws)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = app.screen
        await pilot.press("t")
        await wait_until(pilot, lambda: screen.query(AnswerArea), "the answer box")
        await type_text(pilot, long.replace("y" * 40, "z" * 40))
        await pilot.press("enter")
        await wait_until(pilot, lambda: screen.checked is not None, "the check")
        diff = screen.query_one("#typed-diff")
        rows = diff.render().plain.splitlines()
        assert rows[-1].strip() == "^" * 40 and len(rows[-1]) == 2 + 61 + 40  # one row each, not wrapped
        box = screen.query_one("#answer-box")
        assert box.max_scroll_x > 0  # what does not fit scrolls sideways


async def test_typed_cloze_card_types_the_hidden_span(tmp_path, ws_factory):
    deck = write_deck(tmp_path / "decks", "cloze.yaml", """\
deck: Cloze
lang: python
cards:
  - id: argp
    q: Make --verbose an on/off flag
    type: true
    cloze: |
      parser.add_argument("--verbose", {{c1::action="store_true"}})
""")
    ws = ws_factory(deck)
    app = app_for(ws)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = app.screen
        await wait_until(pilot, lambda: screen.typing, "the box (type: true opens it)")
        assert "Type the hidden text" in shown(app) and "[…]" in shown(app)
        await type_text(pilot, 'action="store_true"')
        await pilot.press("enter")
        await wait_until(pilot, lambda: screen.checked is not None, "the check")
        assert screen.checked.grade == 5
        await pilot.press("enter")
        await wait_until(pilot, lambda: screen.session.current is None or screen.session.current.key != "argp#c1",
                         "the next card")
    assert typed_log(ws) == [("argp#c1", 5, 'action="store_true"')]
