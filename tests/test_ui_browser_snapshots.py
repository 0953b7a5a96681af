"""Snapshots of the card browser and of a card's history (``i`` in study), at 80x24.

As tests/test_ui_snapshots.py: fixed clock, pinned theme, animations off. After a
deliberate change, run ``pytest tests/test_ui_browser_snapshots.py --snapshot-update``
and look at every changed SVG before committing it.
"""

from __future__ import annotations

from test_ui_snapshots import NUMPY, PYTHON, SIZE, app_over, opened  # noqa: F401 (opened: a fixture)


def _studied(app, clock) -> None:
    """gen-send graded 1 then 5 (a day apart), dict-get graded 4, before the app starts."""
    session = app.ws.session(deck="Python::Generators")
    for grade in (1, 4):
        session.reveal()
        clock.advance(seconds=9)
        session.grade(grade)
    clock.advance(days=1)
    session = app.ws.session(deck="Python::Generators")
    session.reveal()
    clock.advance(seconds=4)
    session.grade(5)


def test_browser(snap_compare, tmp_path, clock, opened, monkeypatch):  # noqa: F811
    monkeypatch.chdir(tmp_path)  # paths are shown relative to it: the same on every run
    app = app_over(tmp_path, clock, opened, {"py.yaml": PYTHON, "np.yaml": NUMPY})
    _studied(app, clock)

    async def browse(pilot):
        await pilot.pause()
        await pilot.press("escape")  # the deck picker
        await pilot.pause()
        await pilot.press("slash")  # the browser, on the first deck (Python), the query box focused
        await pilot.pause()
        await pilot.press("down")  # from the query box to the results
        await pilot.press("down", "v", "up")  # gen-send marked, and under the cursor
        await pilot.pause(0.3)  # the detail pane follows once the cursor rests

    assert snap_compare(app, run_before=browse, terminal_size=SIZE)


def test_browser_malformed_query(snap_compare, tmp_path, clock, opened, monkeypatch):  # noqa: F811
    monkeypatch.chdir(tmp_path)
    app = app_over(tmp_path, clock, opened, {"py.yaml": PYTHON, "np.yaml": NUMPY})

    async def browse(pilot):
        await pilot.pause()
        await pilot.press("escape", "slash")
        await pilot.pause()
        await pilot.press(*"deck:Python (is:new", "enter")  # the query box has the focus
        await pilot.pause()

    assert snap_compare(app, run_before=browse, terminal_size=SIZE)


def test_history_in_study(snap_compare, tmp_path, clock, opened, monkeypatch):  # noqa: F811
    monkeypatch.chdir(tmp_path)
    app = app_over(tmp_path, clock, opened, {"py.yaml": PYTHON})
    _studied(app, clock)
    clock.advance(days=3)

    async def history(pilot):
        await pilot.pause()
        await pilot.press("i")
        await pilot.pause()

    assert snap_compare(app, run_before=history, terminal_size=SIZE)
