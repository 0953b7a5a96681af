"""The study screen shows code and text whole (issue 11, "Code and text are shown whole").

Pilot tests: long code lines wrap with a gutter mark at 60, 80 and 120 columns; the
question stays in view when a long answer is revealed; ``source`` is plain text; no
frame mixes two cards; colours degrade to readable 16-colour and monochrome screens.
"""

from __future__ import annotations

import os
import time

import pytest
from rich.color import ColorSystem
from textual.selection import Selection

from conftest import write_deck
from pyflash.ui.app import make_app
from pyflash.ui.help import HelpScreen
from pyflash.ui.markdown import CONTINUED, CardMarkdown, CodeBlock, wrap_offsets
from pyflash.ui.study import StudyScreen

CODE_LINE = 'parser.add_argument("--verbose", action=argparse.BooleanOptionalAction, help="x", default=CODE_END)'
ANSWER_LINE = 'parser.add_argument("--quiet", action=argparse.BooleanOptionalAction, help="quiet", default=ANS_END)'
OUTPUT_LINE = "Namespace(verbose=True, quiet=False, level=3, names=['alpha', 'beta', 'gamma'], flag=1, OUT_END)"

WIDE = f"""\
deck: Wide
lang: python
cards:
  - id: wide
    q: "What does this print?"
    code: |
      import argparse
      {CODE_LINE}
      print(parser.parse_args([]))
    output: |
      {OUTPUT_LINE}
    a: |
      Defined as:
      ```python
      {ANSWER_LINE}
      ```
    source: a*b*c_d_
"""

TWO = """\
deck: Two
cards:
  - {id: one, q: QUESTION-ONE?, a: ANSWER-ONE}
  - {id: two, q: QUESTION-TWO?, a: ANSWER-TWO}
  - {id: three, q: QUESTION-THREE?, a: ANSWER-THREE}
"""


def app_for(ws):
    return make_app(ws, theme="textual-dark", animations=False, environ=os.environ)


def screen_text(app) -> str:
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


async def settle(pilot) -> None:
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


# -- 1. no code line is ever cut ---------------------------------------------------


def test_wrap_offsets_keep_every_character_and_prefer_spaces():
    line = "x = some_function(argument_one, argument_two, argument_three)"
    cuts = wrap_offsets(line, 32)
    rows = [line[a:b] for a, b in zip([0, *cuts], [*cuts, len(line)], strict=False)]
    assert "".join(rows) == line
    assert all(len(r.rstrip(" ")) <= 32 for r in rows)
    assert rows[0].endswith(" ")  # cut after a space, not inside a word
    assert wrap_offsets("x" * 25, 10) == [10, 20]  # no space: cut at the width
    assert wrap_offsets("短" * 7, 6) == [3, 6]  # wide characters take two cells


@pytest.mark.parametrize("width", [60, 80, 120])
async def test_long_lines_wrap_with_a_gutter_mark_at_any_width(tmp_path, ws_factory, width):
    ws = ws_factory(write_deck(tmp_path / "decks", "wide.yaml", WIDE))
    app = app_for(ws)
    async with app.run_test(size=(width, 24)) as pilot:
        await settle(pilot)
        assert "CODE_END)" in screen_text(app)  # the question's code, before the answer
        await pilot.press("space")
        await settle(pilot)
        seen = screen_text(app)
        box = app.screen.query_one("#answer-box")
        box.scroll_end(animate=False)
        await settle(pilot)
        seen += screen_text(app)
        for end in ("CODE_END)", "ANS_END)", "OUT_END)"):
            assert end in seen, (width, end)
        assert (CONTINUED in seen) == (width < 120)  # 110 columns fit at 120
        blocks = list(app.screen.query(CodeBlock))
        assert len(blocks) == 3
        for block, original in zip(blocks, (CODE_LINE, ANSWER_LINE, OUTPUT_LINE), strict=False):
            assert original in block.lines
            # Every character is drawn, row after row, after the one-cell gutter.
            rows = block.render().plain.split("\n")
            assert original in "".join(row[1:] for row in rows)
            assert all(len(row) <= block.content_size.width for row in rows)
            # Copying gives the original lines, without continuation marks.
            copied, _ = block.get_selection(Selection(None, None))
            assert original in copied.splitlines() and CONTINUED not in copied
        # The highlighting is kept: `import` has a style of its own.
        code = blocks[0].code
        assert any(code.plain[s.start : s.end] == "import" for s in code.spans)


async def test_a_partial_selection_of_wrapped_code_gives_the_original_text(tmp_path, ws_factory):
    ws = ws_factory(write_deck(tmp_path / "decks", "wide.yaml", WIDE))
    app = app_for(ws)
    async with app.run_test(size=(60, 24)) as pilot:
        await settle(pilot)
        block = app.screen.query(CodeBlock).first()
        rows = block.wrap(block.content_size.width).rows
        assert rows[1].line == rows[2].line == 1  # the long line takes two rows or more
        # From the start of row 1 (after the gutter) to the end of row 2: one source line, no mark.
        from textual.geometry import Offset

        text, _ = block.get_selection(Selection(Offset(1, 1), Offset(-1, 2)))
        assert text == CODE_LINE[: rows[2].end]


# -- 2. the question stays in view ------------------------------------------------


def long_answer_deck(q_lines: int, a_lines: int) -> str:
    q = "\n".join(f"      question line {i}" for i in range(q_lines))
    a = "\n".join(f"      answer line {i}" for i in range(a_lines))
    return f"deck: Long\ncards:\n  - id: long\n    q: |\n      FIRST-LINE of the question\n\n{q}\n    a: |\n      ```\n{a}\n      ```\n"


async def test_question_first_line_stays_on_screen_after_a_20_line_answer(tmp_path, ws_factory):
    ws = ws_factory(write_deck(tmp_path / "decks", "long.yaml", long_answer_deck(2, 20)))
    app = app_for(ws)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("space")
        await settle(pilot)
        text = screen_text(app)
        assert "FIRST-LINE of the question" in text
        assert "answer line 0" in text and " answer " in text  # the rule between them
        box = app.screen.query_one("#answer-box")
        assert box.max_scroll_y > 0 and app.focused is box  # the answer scrolls by itself
        await pilot.press("end")
        await settle(pilot)
        text = screen_text(app)
        assert "answer line 19" in text
        assert "FIRST-LINE of the question" in text


async def test_a_tall_question_collapses_and_x_expands_it(tmp_path, ws_factory):
    ws = ws_factory(write_deck(tmp_path / "decks", "long.yaml", long_answer_deck(30, 20)))
    app = app_for(ws)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, StudyScreen)
        assert not screen.check_action("toggle_question", ())  # nothing to expand before the answer
        await pilot.press("space")
        await settle(pilot)
        question = screen.query_one("#question-box")
        card = screen.query_one("#card")
        assert question.size.height <= card.size.height // 2
        text = screen_text(app)
        assert "FIRST-LINE of the question" in text and "answer line 0" in text
        assert "x whole question" in text
        assert screen.check_action("toggle_question", ())
        collapsed = question.size.height
        await pilot.press("x")
        await settle(pilot)
        assert question.size.height > collapsed and app.focused is question
        assert "x first lines only" in screen_text(app)
        assert "answer line 0" in screen_text(app)  # the answer keeps some room
        await pilot.press("x")
        await settle(pilot)
        assert question.size.height == collapsed
        assert "x" in [b.key for b in screen.BINDINGS if not isinstance(b, tuple)]


# -- 3. plain fields are text ------------------------------------------------------


async def test_source_is_shown_as_written(tmp_path, ws_factory):
    ws = ws_factory(write_deck(tmp_path / "decks", "wide.yaml", WIDE))
    app = app_for(ws)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("space")
        await settle(pilot)
        app.screen.query_one("#answer-box").scroll_end(animate=False)
        await settle(pilot)
        assert "Source: a*b*c_d_" in screen_text(app)


# -- 4. one card at a time ---------------------------------------------------------


class SlowParser:
    """A Markdown parser that takes its time (in the worker thread, as Textual runs it)."""

    def __init__(self, parser) -> None:
        self.parser = parser

    def parse(self, text, env=None):
        time.sleep(0.15)  # a slow parse: frames could be painted meanwhile
        return self.parser.parse(text, env)


BOLD_TWO = TWO.replace("q: QUESTION-", "q: '**QUESTION**-").replace("?,", "?',").replace("a: ANSWER-", "a: __ANSWER__-")


@pytest.mark.parametrize("deck", [TWO, BOLD_TWO], ids=["plain text", "markdown"])
async def test_no_frame_mixes_two_cards(deck, tmp_path, ws_factory):
    ws = ws_factory(write_deck(tmp_path / "decks", "two.yaml", deck))
    app = app_for(ws)
    frames: list[str] = []
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = app.screen
        await pilot.press("space")
        await settle(pilot)
        markdowns = screen.query(CardMarkdown)  # the Markdown widget draws all but plain paragraphs
        assert len(markdowns) == (2 if deck is BOLD_TWO else 0)
        for md in markdowns:
            parser = md._parser_factory()
            md._parser_factory = lambda parser=parser: SlowParser(parser)
        display = app._display

        def record(screen, renderable) -> None:
            if renderable is not None and not app._batch_count:
                frames.append(screen_text(app))
            display(screen, renderable)

        app._display = record
        for _ in range(2):
            await pilot.press("4")
            await settle(pilot)
            await pilot.pause(0.3)
            await pilot.press("space")
            await settle(pilot)
            await pilot.pause(0.3)
        app._display = display
    cards = [("3 new", "ONE"), ("2 new", "TWO"), ("1 new", "THREE")]
    assert any("ANSWER-THREE" in f for f in frames)  # frames were recorded
    for frame in frames:
        shown = [name for count, name in cards if count in frame]
        assert len(shown) == 1, frame
        others = [name for _, name in cards if name != shown[0]]
        assert not any(f"QUESTION-{o}?" in frame or f"ANSWER-{o}" in frame for o in others), frame
        assert "*" not in frame and "__" not in frame  # Markdown drawn, not its source


# -- 5. degrades cleanly -------------------------------------------------------------


def unreadable_cells(app, system: ColorSystem | None) -> list[tuple[int, str]]:
    """Cells with a glyph whose colour equals its background (16 colours), or nearly (monochrome)."""

    def rgb(color, default):
        if color is None or color.is_default:
            return default
        return (color.downgrade(system) if system else color).get_truecolor()

    def lum(c) -> float:
        return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2]

    bad = []
    strips = app.screen._compositor.render_strips()
    for y, strip in enumerate(strips[:-1]):  # not the key bar: its disabled keys are greyed on purpose
        for seg in strip:
            style = seg.style
            if style is None or not seg.text.strip() or set(seg.text) <= set("▁▂▃▄▅▆▇█▔▏▎▍▌▋▊▉━╸╺"):
                continue  # scrollbars and the progress bar are shapes, not text
            fg, bg = (style.bgcolor, style.color) if style.reverse else (style.color, style.bgcolor)
            f, b = rgb(fg, (255, 255, 255)), rgb(bg, (0, 0, 0))
            if (f == b) if system else abs(lum(f) - lum(b)) < 40:
                bad.append((y, seg.text, str(style)))
    return bad


def styles_of(app, needle: str):
    for strip in app.screen._compositor.render_strips():
        for seg in strip:
            if needle in seg.text and seg.style is not None:
                yield seg.style


@pytest.mark.parametrize("no_color", [False, True])
async def test_readable_in_16_colours_and_without_colour(tmp_path, ws_factory, monkeypatch, no_color):
    if no_color:
        monkeypatch.setenv("NO_COLOR", "1")
    ws = ws_factory(write_deck(tmp_path / "decks", "wide.yaml", WIDE))
    app = app_for(ws)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("space")
        await settle(pilot)
        assert app.no_color == no_color
        system = None if no_color else ColorSystem.STANDARD
        assert unreadable_cells(app, system) == [], sorted({(t, s) for _, t, s in unreadable_cells(app, system)})
        # Grades, the rule and the header do not rely on colour alone.
        assert any(s.reverse and s.bold for s in styles_of(app, "4"))
        assert any(s.bold for s in styles_of(app, "answer"))
        assert any(s.underline for s in styles_of(app, "new"))
        # Highlighting survives: the code has more than one foreground.
        block = app.screen.query(CodeBlock).first()
        region = block.content_region
        strips = app.screen._compositor.render_strips()
        colours = {
            (seg.style.color.downgrade(system) if system else seg.style.color).get_truecolor()
            for strip in strips[region.y : region.bottom]
            for seg in strip
            if seg.text.strip() and seg.style and seg.style.color
        }
        assert len(colours) >= 3
        await pilot.press("question_mark")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        assert unreadable_cells(app, system) == [], sorted({(t, s) for _, t, s in unreadable_cells(app, system)})


async def test_help_overlay_has_a_backdrop_and_no_border_collisions(tmp_path, ws_factory):
    ws = ws_factory(write_deck(tmp_path / "decks", "wide.yaml", WIDE))
    app = app_for(ws)
    for size in ((80, 24), (60, 24), (120, 40)):
        async with app.run_test(size=size) as pilot:
            await settle(pilot)
            header = next(styles_of(app, "1 new"))
            await pilot.press("question_mark")
            await settle(pilot)
            text = screen_text(app)
            boxes = set("╭╮╰╯│─")
            for line in text.splitlines():
                for a, b in zip(line, line[1:], strict=False):
                    assert not ({a, b} <= boxes and a in "│╮╯" and b in "│╭╰"), (size, line)
            assert "pyflash keys" in text
            dimmed = next(styles_of(app, "1 new"))  # the study screen, behind the backdrop
            assert dimmed.color != header.color, size
        app = app_for(ws)


# -- 5. the deck picker wraps between words -------------------------------------------


def test_picker_wrap_points_never_cut_a_word():
    from pyflash.ui.picker import wrap_points

    line = "card 1: needs an answer: add `a:` (or `output:` for a predict-the-output card)"
    for width in (20, 33, 50):
        cuts = wrap_points(line, width)
        rows = [line[a:b] for a, b in zip([0, *cuts], [*cuts, len(line)], strict=True)]
        assert "".join(rows) == line
        assert all(len(r.rstrip()) <= width for r in rows)
        assert all(line[c - 1] == " " for c in cuts), rows  # every break is between words
    path = "✗ /home/me/decks/a-long-folder/another-folder/deck-file.yaml:3:5: oops"
    cuts = wrap_points(path, 30)
    assert all(path[c - 1] in " /" for c in cuts), cuts  # a long path breaks after a /


async def test_picker_problems_wrap_between_words(tmp_path, ws_factory):
    root = tmp_path / "decks" / "a-rather-long-folder-name" / "another-level"
    write_deck(root, "good.yaml", "deck: Good\ncards:\n  - {q: one?, a: x}\n")
    write_deck(root, "broken-deck.yaml", "deck: Bad\ncards:\n  - {q: predict-the-output?}\n")
    ws = ws_factory(tmp_path / "decks")
    app = app_for(ws)
    async with app.run_test(size=(60, 24)) as pilot:
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)
        problems = app.screen.query_one("#problem-list")
        rows = problems.render().plain.split("\n")
        words = set(problems.visual.plain.replace("/", "/ ").split())  # as set, before wrapping
        assert len(rows) > len(problems.visual.plain.split("\n"))  # it did wrap
        for row in rows:
            assert all(word in words for word in row.replace("/", "/ ").split()), (row, rows)
        assert any("needs an answer" in row for row in rows)


async def test_help_descriptions_wrap_under_themselves_at_60_columns(tmp_path, ws_factory):
    ws = ws_factory(write_deck(tmp_path / "decks", "two.yaml", TWO))
    app = app_for(ws)
    async with app.run_test(size=(60, 24)) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await settle(pilot)
        help_text = app.screen.query_one("#help-text")
        rows = help_text.render().plain.split("\n")
        at = next(i for i, row in enumerate(rows) if row.strip().startswith("0 1 2 3 4 5"))
        column = rows[at].index("Grade the card")
        assert rows[at + 1].strip() and rows[at + 1][:column].strip() == ""  # a hanging indent
        assert " ".join(r.strip() for r in rows[at : at + 2]).endswith("once the answer is shown")
