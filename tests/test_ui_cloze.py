"""Cloze and reverse cards in the study TUI (Pilot), and a cloze card at 80x24 (snapshot)."""

from __future__ import annotations

import pytest

from conftest import open_workspace, write_deck
from pyflash.ui.app import make_app
from test_ui import SIZE, app_for, current_key, screen_text, wait_until
from test_ui_view import styles_of

CLOZE = """\
deck: Cloze
lang: python
cards:
  - id: argp
    q: Make --verbose an on/off flag
    cloze: |
      parser = argparse.ArgumentParser()
      parser.add_argument("--verbose", {{c1::action="store_true"}})
      args = {{c2::parser.parse_args()::parse}}
"""

REVERSE = """\
deck: Rev
cards:
  - id: len
    q: What does len(xs) return?
    a: the number of items in xs
    reverse: true
"""


def question_text(app) -> str:
    return app.screen.query_one("#question").source


def answer_text(app) -> str:
    return app.screen.query_one("#answer").source


async def test_each_cloze_card_hides_its_own_span(tmp_path, ws_factory):
    ws = ws_factory(write_deck(tmp_path / "decks", "c.yaml", CLOZE))
    app = app_for(ws)
    seen = {}
    async with app.run_test(size=SIZE) as pilot:
        for _ in range(2):
            await wait_until(pilot, lambda: current_key(app) is not None, "a card")
            key = current_key(app)
            text = screen_text(app)
            assert "Make --verbose an on/off flag" in text
            if key == "argp#c1":
                assert '[…]' in text and "store_true" not in text
                assert "parser.parse_args()" in text  # the other span is shown
            else:
                assert "[parse]" in text and "parser.parse_args()" not in text
                assert 'action="store_true"' in text
            await pilot.press("space")
            await wait_until(pilot, lambda: app.screen.query("#answer"), "the answer")
            await pilot.pause()
            text = screen_text(app)
            assert 'action="store_true"' in text and "parser.parse_args()" in text
            # the span of this card is marked in the answer (reverse video): find its style
            fence = app.screen.query_one("#answer").query("CodeBlock").first()
            marked = "".join(
                fence.code.plain[s.start : s.end] for s in fence.code.spans if "reverse" in str(s.style)
            )
            seen[key] = marked
            await pilot.press("4")
            await pilot.pause()
    assert seen == {"argp#c1": 'action="store_true"', "argp#c2": "parser.parse_args()"}


async def test_reverse_card_asks_the_answer_in_a_session(tmp_path, ws_factory):
    ws = ws_factory(write_deck(tmp_path / "decks", "r.yaml", REVERSE))
    app = app_for(ws)
    shown = {}
    async with app.run_test(size=SIZE) as pilot:
        for _ in range(2):
            await wait_until(pilot, lambda: current_key(app) is not None, "a card")
            key = current_key(app)
            question = screen_text(app)
            await pilot.press("space")
            await wait_until(pilot, lambda: app.screen.query("#answer"), "the answer")
            await pilot.pause()
            shown[key] = (question, screen_text(app))
            await pilot.press("4")
            await pilot.pause()
    assert set(shown) == {"len", "len#r"}
    forward_q, _ = shown["len"]
    assert "What does len(xs) return?" in forward_q and "the number of items" not in forward_q
    reverse_q, reverse_a = shown["len#r"]
    assert "the number of items in xs" in reverse_q and "What does len(xs) return?" not in reverse_q
    assert "What does len(xs) return?" in reverse_a
    assert ws.store.get("len").repetitions == 1 and ws.store.get("len#r").repetitions == 1


@pytest.fixture
def opened():
    workspaces = []
    yield workspaces
    for ws in workspaces:
        ws.close()


def test_cloze_card_snapshot(snap_compare, tmp_path, clock, opened):
    write_deck(tmp_path / "decks", "c.yaml", CLOZE.replace("argp", "argp"))
    ws = open_workspace([str(tmp_path / "decks")], clock=clock, zone=clock.zone)
    opened.append(ws)
    app = make_app(ws, theme="textual-dark", animations=False)
    assert snap_compare(app, press=["space"], terminal_size=SIZE)


@pytest.mark.parametrize("no_color", [False, True])
async def test_the_span_is_marked_without_colour_too(tmp_path, ws_factory, monkeypatch, no_color):
    if no_color:
        monkeypatch.setenv("NO_COLOR", "1")
    ws = ws_factory(write_deck(tmp_path / "decks", "c.yaml", CLOZE))
    app = app_for(ws)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: current_key(app) is not None, "a card")
        assert app.no_color == no_color
        assert all(s.reverse for s in styles_of(app, "["))  # the [ of [...] or [parse]: drawn in parts
        assert any(True for _ in styles_of(app, "["))
        await pilot.press("space")
        await wait_until(pilot, lambda: app.screen.query("#answer"), "the answer")
        await pilot.pause()
        shown = "store_true" if current_key(app) == "argp#c1" else "parse_args"
        assert any(s.reverse and s.bold for s in styles_of(app, shown))
        assert not any(s.reverse for s in styles_of(app, "ArgumentParser"))


TYPED_CLOZE = """\
deck: Typed cloze
lang: python
cards:
  - id: flag
    q: Make --verbose an on/off flag
    type: true
    cloze: |
      parser.add_argument("--verbose", {{c1::action="store_true"}})
"""


@pytest.mark.parametrize(("typed", "grade"), [('action="store_true"', 5), ("action='store_false'", 1)])
async def test_typing_the_hidden_span(tmp_path, ws_factory, typed, grade):
    from pyflash.ui.answer_area import AnswerArea

    ws = ws_factory(write_deck(tmp_path / "decks", "t.yaml", TYPED_CLOZE))
    app = app_for(ws)
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        await wait_until(pilot, lambda: screen.query(AnswerArea), "the answer box (type: true opens it)")
        assert "[…]" in screen_text(app) and "store_true" not in screen_text(app)
        screen.query_one(AnswerArea).insert(typed)
        await pilot.pause()
        await pilot.press("enter")
        await wait_until(pilot, lambda: screen.checked is not None, "the check")
        assert screen.checked.grade == grade
        assert 'action="store_true"' in screen_text(app)  # the expected span is shown
        await pilot.press("enter")
        await wait_until(pilot, lambda: any(e.grade is not None for e in ws.store.log()), "the grade")
    assert [(e.key, e.grade, e.typed) for e in ws.store.log() if e.grade is not None] == [("flag#c1", grade, typed)]
