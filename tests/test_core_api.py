"""pyflash.core's public API: documented, lazy, side-effect free where it says so."""

from __future__ import annotations

import inspect
import subprocess
import sys
from pathlib import Path

import pytest

import pyflash.core
from conftest import FakeClock, run_main, write_deck
from pyflash import paths
from pyflash.core import Locations, PyflashError, open_workspace
from pyflash.core.config import Config, load_config

SRC = Path(pyflash.core.__file__).resolve().parent


@pytest.mark.parametrize("name", pyflash.core.__all__)
def test_every_public_name_resolves_and_is_documented(name):
    value = getattr(pyflash.core, name)
    if inspect.isclass(value) or callable(value):
        own = value.__dict__.get("__doc__") if inspect.isclass(value) else value.__doc__
        assert own and own.strip(), f"{name} has no docstring of its own"
    else:  # data (GRADES): described in the package docstring
        assert name in (pyflash.core.__doc__ or "")


def test_the_api_covers_the_issue_list():
    api = set(pyflash.core.__all__)
    assert {"open_workspace", "Workspace", "StudySession", "search", "GRADES", "Scheduler"} <= api
    ws = pyflash.core.Workspace
    for method in ("deck_counts", "session", "search", "select_deck", "cards_in"):
        assert getattr(ws, method).__doc__
    for method in ("grade", "undo", "reveal"):
        assert getattr(pyflash.core.StudySession, method).__doc__
    with pytest.raises(AttributeError):
        pyflash.core.no_such_name  # noqa: B018


def test_importing_the_core_is_cheap():
    code = (
        "import sys\n"
        "import pyflash.core\n"
        "heavy = ['sqlite3', 'pyflash.core.workspace', 'pyflash.core.review.session', 'yaml', 'textual']\n"
        "print(','.join(m for m in heavy if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_config_and_workspace_never_read_the_environment():
    for name in ("config.py", "workspace.py", "clock.py", "locations.py"):
        src = (SRC / name).read_text(encoding="utf-8")
        assert "from pyflash import paths" not in src and "os.environ" not in src and "getenv" not in src, name


def deck(tmp_path):
    write_deck(tmp_path / "decks", "a.yaml", "deck: P::A\ncards:\n  - q: list.append?\n    a: None\n    tags: [lists]\n")
    return write_deck(tmp_path / "decks", "b.yaml", "deck: P::B\ncards:\n  - q: dict.get?\n    a: a default\n")


def test_read_only_open_creates_no_database(tmp_path):
    deck(tmp_path)
    where = Locations(store=tmp_path / "data" / "r.sqlite3", config=tmp_path / "none.toml", deck_sources=())
    with open_workspace([str(tmp_path / "decks")], locations=where, read_only=True) as ws:
        counts = {d.name: (d.new, d.due, d.total) for d in ws.deck_counts()}
        assert counts == {"P": (2, 0, 2), "P::A": (1, 0, 1), "P::B": (1, 0, 1)}
        with pytest.raises(PyflashError, match="read-only"):
            ws.session()
    assert not (tmp_path / "data").exists()


def test_read_only_open_reads_an_existing_history(tmp_path, clock):
    deck(tmp_path)
    where = Locations(store=tmp_path / "r.sqlite3", config=tmp_path / "none.toml", deck_sources=())
    with open_workspace([str(tmp_path / "decks")], locations=where, clock=clock, zone=clock.zone) as ws:
        s = ws.session(deck="P::A")
        s.reveal()
        s.grade(5)
    clock.advance(days=1)
    with open_workspace([str(tmp_path / "decks")], locations=where, clock=clock, zone=clock.zone, read_only=True) as ws:
        assert {d.name: d.due for d in ws.deck_counts()}["P::A"] == 1
        with pytest.raises(PyflashError, match="read-only"):
            ws.unsuspend("P")


def test_select_deck_search_and_cards_in(tmp_path, clock):
    deck(tmp_path)
    with open_workspace([str(tmp_path / "decks")], clock=clock, zone=clock.zone, read_only=True) as ws:
        assert ws.select_deck("P") == "P" and ws.select_deck("P::B") == "P::B"
        with pytest.raises(PyflashError, match=r"^no deck named 'Nope' \(decks: P, P::A, P::B\)$"):
            ws.select_deck("Nope")
        assert [c.q for c in ws.cards_in("P::A")] == ["list.append?"]
        assert len(ws.cards_in()) == 2
        assert [c.q for c in ws.search("APPEND")] == ["list.append?"]
        assert [c.q for c in ws.search("tag:lists none")] == ["list.append?"]  # a tag and the answer
        assert ws.search("lists") == []  # bare words look in the text, not the tags (docs/search.md)
        assert [c.q for c in ws.search("default", deck="P::A")] == []
        assert len(ws.search("")) == 2


def test_the_same_unknown_deck_message_for_study_and_export(tmp_path, capsys):
    deck(tmp_path)
    for argv in (["study", "--deck", "Nope"], ["export", "--anki", "--deck", "Nope"]):
        code, _, err = run_main([*argv, str(tmp_path / "decks")], capsys)
        assert code == 2 and err.strip() == "pyflash: no deck named 'Nope' (decks: P, P::A, P::B)", argv


def test_export_does_not_create_the_database(tmp_path, capsys, pyflash_home, monkeypatch):
    deck(tmp_path)
    monkeypatch.chdir(tmp_path)
    code, out, _ = run_main(["export", "--anki", str(tmp_path / "decks"), "-o", "x.apkg"], capsys)
    assert code == 0 and out.startswith("Wrote 2 notes")
    assert not paths.store_path().exists()


def test_locations_come_from_paths(pyflash_home):
    where = paths.locations()
    assert where.store == pyflash_home / "data" / "reviews.sqlite3"
    assert where.config == pyflash_home / "config" / "config.toml"
    assert ("user", pyflash_home / "data" / "decks") in where.deck_sources


def test_the_config_file_given_by_locations_is_used(tmp_path, pyflash_home):
    cfg = pyflash_home / "config" / "config.toml"
    cfg.parent.mkdir(parents=True)
    cfg.write_text('timezone = "Pacific/Kiritimati"\nnew_per_day = 3\n', encoding="utf-8")
    write_deck(tmp_path / "decks", "d.yaml", "deck: D\ncards:\n" + "".join(f"  - q: q{i}\n    a: a\n" for i in range(9)))
    with open_workspace([str(tmp_path / "decks")], locations=paths.locations(), clock=FakeClock()) as ws:
        assert ws.config.new_per_day == 3 and str(ws.zone) == "Pacific/Kiritimati"
        assert ws.session().counts().new == 3


def test_timezone_setting(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text('new_per_day = 5\ntimezone = "Europe/Berlin"\n', encoding="utf-8")
    cfg = load_config(path)
    assert cfg == Config(new_per_day=5, timezone="Europe/Berlin")
    assert str(cfg.zone()) == "Europe/Berlin"
    assert Config().zone() is None


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ('"Europe/Berlni"', "2:1: unknown time zone 'Europe/Berlni' (did you mean 'Europe/Berlin'?"),
        ('"Mars/Olympus_Mons"', "2:1: unknown time zone 'Mars/Olympus_Mons' (use an IANA name such as 'Europe/Berlin'"),
        ('"../../etc/passwd"', "2:1: unknown time zone '../../etc/passwd'"),
        ("3", "2:1: 'timezone' must be a string"),
    ],
)
def test_a_bad_timezone_is_a_located_error(tmp_path, value, message):
    path = tmp_path / "config.toml"
    path.write_text(f"new_per_day = 5\ntimezone = {value}\n", encoding="utf-8")
    with pytest.raises(PyflashError) as err:
        load_config(path)
    assert str(err.value).startswith(f"{path}:{message}")


def test_a_bad_timezone_exits_2_from_the_cli(tmp_path, capsys, pyflash_home):
    cfg = pyflash_home / "config" / "config.toml"
    cfg.parent.mkdir(parents=True)
    cfg.write_text('timezone = "Nowhere/Land"\n', encoding="utf-8")
    code, _, err = run_main(["decks", str(deck(tmp_path))], capsys)
    assert code == 2 and err.startswith(f"{cfg}:1:1: unknown time zone 'Nowhere/Land'")
    assert len(err.strip().splitlines()) == 1
