"""Snapshots (80x24, fixed clock, pinned theme, animations off) of code and text shown whole.

A 110-column line wrapped with ``↪`` in the question, the answer and the output,
the question kept above the answer with the rule, ``source`` as plain text, and
the help over its backdrop. Regenerate with ``--snapshot-update`` only after
looking at the changed SVGs.
"""

from __future__ import annotations

import pytest

from conftest import open_workspace, write_deck
from pyflash.ui.app import make_app
from test_ui_view import WIDE, long_answer_deck

SIZE = (80, 24)


@pytest.fixture
def opened():
    workspaces = []
    yield workspaces
    for ws in workspaces:
        ws.close()


def app_over(tmp_path, clock, opened, body: str):
    root = tmp_path / "decks"
    write_deck(root, "deck.yaml", body)
    ws = open_workspace([str(root)], clock=clock, zone=clock.zone)
    opened.append(ws)
    return make_app(ws, theme="textual-dark", animations=False)


def test_wide_code_wraps_with_gutter_marks(snap_compare, tmp_path, clock, opened):
    app = app_over(tmp_path, clock, opened, WIDE)
    assert snap_compare(app, press=["space"], terminal_size=SIZE)


def test_wide_code_answer_end_with_source(snap_compare, tmp_path, clock, opened):
    app = app_over(tmp_path, clock, opened, WIDE)
    assert snap_compare(app, press=["space", "end"], terminal_size=SIZE)


def test_tall_question_cut_above_long_answer(snap_compare, tmp_path, clock, opened):
    app = app_over(tmp_path, clock, opened, long_answer_deck(30, 20))
    assert snap_compare(app, press=["space"], terminal_size=SIZE)


def test_help_over_backdrop(snap_compare, tmp_path, clock, opened):
    app = app_over(tmp_path, clock, opened, WIDE)
    assert snap_compare(app, press=["space", "question_mark"], terminal_size=SIZE)
