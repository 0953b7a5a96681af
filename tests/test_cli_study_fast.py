"""`pyflash study` without click: its plain forms give exactly what click gives; the rest goes through click."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import DATA, run_main
from pyflash.cli import commands
from pyflash.cli.study import StudyArgs, quick_study_args, set_home


@pytest.fixture
def through_click(monkeypatch):
    """Parse argv with the click command line; return the StudyArgs it hands to the study body, and PYFLASH_HOME."""

    def parse(argv: list[str]) -> tuple[StudyArgs, str | None]:
        seen: list[StudyArgs] = []
        monkeypatch.setattr(commands, "run_study", seen.append)
        monkeypatch.setenv("PYFLASH_HOME", "unset")
        commands.main(list(argv))
        assert len(seen) == 1, argv
        return seen[0], os.environ["PYFLASH_HOME"]

    return parse


ACCEPTED = [
    [],
    ["DECKS"],
    ["DECKS", "OTHER"],
    ["--deck", "Python::Pandas"],
    ["--deck=python"],
    ["--deck="],
    ["--tag", "python", "--tag=io", "DECKS"],
    ["--new", "10"],
    ["--new=0", "--reviews", "007"],
    ["--cram"],
    ["--cram", "--cram"],
    ["DECKS", "--deck", "x", "OTHER", "--cram", "--new", "3", "--reviews=4", "--tag", "t"],
    ["--home", "HOME"],
    ["--home=HOME", "DECKS"],
    ["--home", "NEWHOME"],  # does not exist yet: fine for click too
]


def _fill(argv: list[str], tmp_path: Path) -> list[str]:
    (tmp_path / "decks").mkdir(exist_ok=True)
    (tmp_path / "other").mkdir(exist_ok=True)
    (tmp_path / "home").mkdir(exist_ok=True)
    names = {"DECKS": tmp_path / "decks", "OTHER": tmp_path / "other", "HOME": tmp_path / "home", "NEWHOME": tmp_path / "n"}
    out = []
    for arg in argv:
        for name, path in names.items():
            arg = arg.replace(name, str(path)) if arg == name or arg.endswith("=" + name) else arg
        out.append(arg)
    return out


@pytest.mark.parametrize("argv", ACCEPTED, ids=lambda a: " ".join(a) or "(none)")
@pytest.mark.parametrize("group_home", [False, True])
def test_plain_forms_parse_as_click_parses_them(argv, group_home, tmp_path, through_click, monkeypatch):
    argv = ["study", *_fill(argv, tmp_path)]
    if group_home and not any(a.startswith("--home") for a in argv):
        argv = ["--home", str(tmp_path / "home"), *argv]
    quick = quick_study_args(argv)
    assert quick is not None, argv
    expected, home = through_click(argv)
    assert quick._replace(home=None) == expected
    monkeypatch.setenv("PYFLASH_HOME", "unset")
    set_home(quick.home)
    assert os.environ["PYFLASH_HOME"] == home


REFUSED = [
    ["study", "--help"],
    ["study", "-h"],
    ["study", "--deck"],  # no value
    ["study", "--deck", "--cram"],  # click would take "--cram" as the deck
    ["study", "--deck", "a", "--deck", "b"],
    ["study", "--new", "-1"],
    ["study", "--new=-1"],
    ["study", "--new", "ten"],
    ["study", "--new", "+3"],
    ["study", "--new", "٣"],  # a digit, but not ASCII
    ["study", "--reviews"],
    ["study", "--crams"],
    ["study", "--cram=yes"],
    ["study", "-x"],
    ["study", "--", "decks"],
    ["study", "-"],
    ["study", ""],
    ["study", "--home", "FILE"],  # click: "is a file"
    ["study", "--home", "a", "--home", "b"],
    ["--home", "FILE", "study"],
    ["--home", "a", "study", "--home", "b"],
    ["--version"],
    ["-V", "study"],
    ["--help"],
    [],
    ["decks"],
    ["Study"],
    ["stud"],
    ["check", "study"],
]


@pytest.mark.parametrize("argv", REFUSED, ids=lambda a: " ".join(a) or "(none)")
def test_everything_else_goes_through_click(argv, tmp_path):
    (tmp_path / "file").write_text("x")
    argv = [str(tmp_path / "file") if a == "FILE" else a for a in argv]
    assert quick_study_args(argv) is None


def test_an_unreadable_path_goes_through_click(tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0)
    try:
        if os.access(locked, os.R_OK):
            pytest.skip("running as a user who can read anything")
        assert quick_study_args(["study", str(locked)]) is None
    finally:
        locked.chmod(0o755)


def test_study_help_is_unchanged(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    code, out, _ = run_main(["study", "--help"], capsys)
    assert code == 0
    assert out == (DATA / "study-help.txt").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "argv",
    [["study", "--deck", "nosuch"], ["study", "--tag", "nosuch"], ["study"]],
    ids=["unknown deck", "unknown tag", "no terminal"],
)
def test_the_fast_path_reports_as_click_does(argv, small_deck, capsys):
    """Same message, same exit code, with and without click (no terminal here: study exits 2)."""
    argv = [*argv, str(small_deck.parent)]
    fast = run_main(argv, capsys)
    try:
        commands.main(argv)
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    captured = capsys.readouterr()
    assert fast == (code, captured.out, captured.err)
    assert fast[0] == 2 and fast[2].strip()


def test_plain_study_never_imports_click(small_deck):
    code = (
        "import sys\n"
        "from pyflash.cli import main\n"
        "try:\n"
        f"    main(['study', {str(small_deck.parent)!r}])\n"
        "except SystemExit as exc:\n"
        "    print(exc.code, 'click' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, stdin=subprocess.DEVNULL, check=True)
    assert out.stdout.split() == ["2", "False"]
    assert "needs a terminal" in out.stderr


def test_study_opens_the_workspace_with_the_gc_off_and_turns_it_back_on(monkeypatch):
    # Start-up time: no collection while the core is imported and the decks are read (bench/startup.py).
    import gc

    import pyflash.core
    from pyflash.cli import study
    from pyflash.core import PyflashError

    seen: list[bool] = []

    def open_workspace(*args, **kwargs):
        seen.append(gc.isenabled())
        raise PyflashError("no decks")

    monkeypatch.setattr(pyflash.core, "open_workspace", open_workspace, raising=False)
    assert gc.isenabled()
    with pytest.raises(PyflashError):
        study.run_study(StudyArgs(()))
    assert seen == [False] and gc.isenabled()


def test_main_leaves_the_gc_as_it_found_it(monkeypatch):
    # main() turns the GC off while it imports the study path (start-up time), then back on.
    import gc

    from pyflash import cli
    from pyflash.cli import study

    seen: list[bool] = []

    def parse(args):
        seen.append(gc.isenabled())
        raise RuntimeError("stop")

    monkeypatch.setattr(study, "quick_study_args", parse)
    with pytest.raises(RuntimeError):
        cli.main(["study"])
    assert seen == [False] and gc.isenabled()
