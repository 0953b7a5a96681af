"""Snapshot tests of the study TUI at 80x24 (pytest-textual-snapshot).

Fixed clock (conftest's FakeClock), pinned theme, animations off. After a
deliberate change, run ``pytest tests/test_ui_snapshots.py --snapshot-update``
and look at every changed SVG in tests/__snapshots__/ before committing it.
"""

from __future__ import annotations

import pytest

from conftest import open_workspace, write_deck
from pyflash.ui.app import make_app

SIZE = (80, 24)

PYTHON = """\
deck: Python::Generators
lang: python
cards:
  - id: gen-send
    q: What does this print? (*generators* and `send`)
    code: |
      def echo():
          received = yield "ready"
          while True:
              received = yield f"got {received!r}"

      gen = echo()
      print(next(gen))
      print(gen.send(42))
    output: |
      ready
      got 42
    note: The first `next()` runs to the first `yield`; `send` resumes it there.
  - id: dict-get
    q: How do you read `key` from dict `d` with a default of 0?
    a: "`d.get('key', 0)`"
"""

CHINESE = """\
deck: Python::基础语法
lang: python
cards:
  - id: zh-zip
    q: "`zip()` 在两个列表长度不同时会怎样？"
    code: |
      names = ["张三", "李四", "王五"]
      ages = [20, 30]
      print(list(zip(names, ages)))
    output: "[('张三', 20), ('李四', 30)]"
    note: 以最短的可迭代对象为准；需要补齐时用 `itertools.zip_longest`。
"""

NUMPY = """\
deck: Python::NumPy
cards:
  - {q: "`np.arange(3)`?", a: "`array([0, 1, 2])`"}
"""


@pytest.fixture
def opened():
    workspaces = []
    yield workspaces
    for ws in workspaces:
        ws.close()


def app_over(tmp_path, clock, opened, files: dict[str, str], **kw):
    root = tmp_path / "decks"
    root.mkdir(parents=True, exist_ok=True)
    for name, body in files.items():
        write_deck(root, name, body)
    ws = open_workspace([str(root)], clock=clock, zone=clock.zone)
    opened.append(ws)
    return make_app(ws, theme="textual-dark", animations=False, **kw)


def test_question_with_python_code(snap_compare, tmp_path, clock, opened):
    app = app_over(tmp_path, clock, opened, {"py.yaml": PYTHON})
    assert snap_compare(app, terminal_size=SIZE)


def test_revealed_answer_with_grade_bar(snap_compare, tmp_path, clock, opened):
    app = app_over(tmp_path, clock, opened, {"py.yaml": PYTHON})
    assert snap_compare(app, press=["space"], terminal_size=SIZE)


def test_chinese_card(snap_compare, tmp_path, clock, opened):
    app = app_over(tmp_path, clock, opened, {"zh.yaml": CHINESE})
    assert snap_compare(app, press=["space"], terminal_size=SIZE)


def test_summary(snap_compare, tmp_path, clock, opened):
    app = app_over(tmp_path, clock, opened, {"py.yaml": PYTHON})

    async def study(pilot):
        for grade, seconds in (("1", 40), ("5", 25), ("4", 12)):
            await pilot.press("space")
            clock.advance(seconds=seconds)
            await pilot.press(grade)
            await pilot.pause()

    assert snap_compare(app, run_before=study, terminal_size=SIZE)


def test_no_decks(snap_compare, tmp_path, clock, opened, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "my-decks").mkdir()
    ws = open_workspace(["my-decks"], clock=clock, zone=clock.zone)
    opened.append(ws)
    app = make_app(ws, theme="textual-dark", animations=False)
    assert snap_compare(app, terminal_size=SIZE)


def test_nothing_due(snap_compare, tmp_path, clock, opened):
    app = app_over(tmp_path, clock, opened, {"py.yaml": PYTHON}, new=1)
    session = app.ws.session(new=1)  # today's one new card, done before the app starts
    session.reveal()
    session.grade(5)
    assert snap_compare(app, terminal_size=SIZE)


def test_deck_picker_with_wide_names(snap_compare, tmp_path, clock, opened):
    app = app_over(
        tmp_path, clock, opened, {"py.yaml": PYTHON, "zh.yaml": CHINESE, "np.yaml": NUMPY}
    )
    assert snap_compare(app, press=["space", "4", "escape"], terminal_size=SIZE)


def test_typed_output_diff(snap_compare, tmp_path, clock, opened):
    """A typed prediction of an output card, checked: the diff, the expected output, the suggested grade."""
    app = app_over(tmp_path, clock, opened, {"py.yaml": PYTHON})

    async def type_wrong(pilot):
        await pilot.press("t")
        await pilot.pause()
        await pilot.press(*"ready", "enter", *"got '42'", "ctrl+s")
        await pilot.pause()

    assert snap_compare(app, run_before=type_wrong, terminal_size=SIZE)
