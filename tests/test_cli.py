"""The command line, run as a user runs it: a real process."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from conftest import DATA, ROOT, write_deck

LOCATED = re.compile(r"^.+?:\d+:\d+: .+")


def run(*args, cwd=None, env=None):
    return subprocess.run(
        [sys.executable, "-m", "pyflash", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env or os.environ.copy(),
        timeout=120,
    )


def test_version():
    out = run("--version")
    assert out.returncode == 0 and re.search(r"pyflash, version \d+\.\d+", out.stdout)


@pytest.mark.parametrize("command", [[], ["decks"], ["check"], ["study"]])
def test_every_command_has_help(command):
    out = run(*command, "--help")
    assert out.returncode == 0 and "Usage:" in out.stdout


def test_console_script_is_installed():
    exe = os.path.join(os.path.dirname(sys.executable), "pyflash")
    out = subprocess.run([exe, "--version"], capture_output=True, text=True)
    assert out.returncode == 0


def test_check_reports_every_error_without_traceback(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    out = run("check", str(DATA / "broken"))
    assert out.returncode == 2
    assert "Traceback" not in out.stdout + out.stderr
    errors = [line for line in out.stdout.splitlines() if LOCATED.match(line)]
    files = {e.split(":", 1)[0] for e in errors}
    assert len(files) >= 20
    assert not (tmp_path / "PWNED").exists()


def test_check_clean_decks_exits_0():
    out = run("check", str(ROOT / "decks"))
    assert out.returncode == 0, out.stdout + out.stderr
    assert "no errors" in out.stderr + out.stdout


def test_decks_lists_bundled_decks_with_origin():
    out = run("decks")
    assert out.returncode == 0, out.stderr
    assert "Python" in out.stdout and "Pandas" in out.stdout and "bundled" in out.stdout


def test_user_deck_dir_and_env_decks_are_found(tmp_path, pyflash_home):
    write_deck(pyflash_home / "data" / "decks", "mine.yaml", "deck: Mine\ncards:\n  - q: a\n    a: b\n")
    write_deck(tmp_path / "extra", "e.yaml", "deck: Extra\ncards:\n  - q: a\n    a: b\n")
    env = os.environ.copy()
    env["PYFLASH_DECKS"] = str(tmp_path / "extra")
    out = run("decks", env=env)
    assert out.returncode == 0, out.stderr
    assert re.search(r"Mine .* user", out.stdout) and re.search(r"Extra .* PYFLASH_DECKS", out.stdout)


def test_missing_path_and_bad_flag_exit_2():
    out = run("check", "/no/such/deck.yaml")
    assert out.returncode == 2 and "no such file" in out.stderr and "Traceback" not in out.stderr
    out = run("decks", "--bogus")
    assert out.returncode == 2 and "Traceback" not in out.stderr


def test_corrupt_store_is_one_line_exit_2(pyflash_home):
    db = pyflash_home / "data" / "reviews.sqlite3"
    db.parent.mkdir(parents=True)
    db.write_bytes(b"junk" * 100)
    out = run("decks")
    assert out.returncode == 2
    assert out.stderr.count("\n") == 1 and "left untouched" in out.stderr
    assert db.read_bytes() == b"junk" * 100


def test_bad_config_is_located(pyflash_home):
    cfg = pyflash_home / "config" / "config.toml"
    cfg.parent.mkdir(parents=True)
    cfg.write_text("new_per_day = 20\nnew_per_dya = 3\n", encoding="utf-8")
    out = run("study", "--help")
    assert out.returncode == 0
    out = run("study", str(DATA / "example.yaml"))
    assert out.returncode == 2
    assert re.match(rf"{re.escape(str(cfg))}:2:1: unknown setting 'new_per_dya' \(did you mean 'new_per_day'\?\)", out.stderr)


def test_home_option_relocates_state(tmp_path):
    home = tmp_path / "elsewhere"
    out = run("--home", str(home), "decks", str(DATA / "example.yaml"))
    assert out.returncode == 0, out.stderr
    assert (home / "data" / "reviews.sqlite3").exists()


def test_unknown_deck_for_study_exits_2():
    out = run("study", "--deck", "Nope", str(DATA / "example.yaml"))
    assert out.returncode == 2 and "no deck named 'Nope'" in out.stderr


# -- issue 11: --deck / --tag, the limits, errors once ----------------------------------------

BAR = (
    "deck: BarDeck\ncards:\n"
    "  - {id: io, q: io, a: x, tags: [python::io]}\n"
    "  - {id: core, q: core, a: x, tags: [python]}\n"
    "  - {id: sh, q: sh, a: x, tags: [shell]}\n"
)


@pytest.fixture
def bar_decks(tmp_path):
    folder = tmp_path / "decks"
    write_deck(folder, "bar.yaml", BAR)
    write_deck(folder, "foo.yaml", "deck: Foo\ncards:\n  - {id: f1, q: f1, a: x, tags: [shell]}\n")
    return str(folder)


def rows_of(stdout: str) -> dict[str, list[str]]:
    """Deck table rows: name -> [New, Due, Unseen, Total]."""
    rows = {}
    for line in stdout.splitlines()[2:]:
        parts = line.split()
        if len(parts) >= 5 and parts[1].isdigit():
            rows[parts[0]] = parts[1:5]
    return rows


def test_decks_deck_ignores_case_and_suggests(bar_decks):
    out = run("decks", "--deck", "bardeck", bar_decks)
    assert out.returncode == 0, out.stderr
    assert rows_of(out.stdout) == {"BarDeck": ["3", "0", "3", "3"]}
    out = run("decks", "--deck", "bardek", bar_decks)
    assert out.returncode == 2 and "Traceback" not in out.stderr
    assert "no deck named 'bardek'; did you mean 'BarDeck'?" in out.stderr


def test_study_deck_miss_exits_2_before_the_terminal_check(bar_decks):
    out = run("study", "--deck", "bardek", bar_decks)
    assert out.returncode == 2 and "did you mean 'BarDeck'?" in out.stderr
    assert "needs a terminal" not in out.stderr
    out = run("study", "--tag", "pyton", bar_decks)
    assert out.returncode == 2 and "no card has the tag 'pyton'; did you mean 'python'?" in out.stderr
    out = run("study", "--deck", "bardeck", "--tag", "python", bar_decks)
    assert out.returncode == 2 and "needs a terminal" in out.stderr  # the selection was fine


def test_decks_tag_narrows_with_hierarchy(bar_decks):
    out = run("decks", "--tag", "python", bar_decks)
    assert out.returncode == 0, out.stderr
    assert rows_of(out.stdout) == {"BarDeck": ["2", "0", "2", "2"]}  # python matches python::io
    out = run("decks", "--tag", "shell", "--tag", "python::io", bar_decks)
    assert rows_of(out.stdout) == {"BarDeck": ["2", "0", "2", "2"], "Foo": ["1", "0", "1", "1"]}


def test_export_deck_and_tag(bar_decks, tmp_path):
    out = run("export", "--anki", "--deck", "BARDECK", "--tag", "shell", "-o", "x.apkg", bar_decks, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert "Wrote 1 note in 1 deck to x.apkg" in out.stdout
    out = run("export", "--anki", "--deck", "bardek", "-o", "y.apkg", bar_decks, cwd=tmp_path)
    assert out.returncode == 2 and "did you mean 'BarDeck'?" in out.stderr
    assert not (tmp_path / "y.apkg").exists()


def test_decks_says_which_limit_holds_new_cards(bar_decks, pyflash_home):
    cfg = pyflash_home / "config" / "config.toml"
    cfg.parent.mkdir(parents=True)
    cfg.write_text('new_per_day = 0\n[deck."Foo"]\nnew_per_day = 5\n', encoding="utf-8")
    out = run("decks", bar_decks)
    assert out.returncode == 0, out.stderr
    assert rows_of(out.stdout) == {"BarDeck": ["0", "0", "3", "3"], "Foo": ["1", "0", "1", "1"]}
    assert "New cards: daily limit of 0 reached (0 studied today); `pyflash study --new 4` studies 4 more" in out.stdout
    out = run("decks", "--deck", "bardeck", bar_decks)
    assert (
        "New cards: daily limit of 0 for BarDeck reached (0 studied today); "
        "`pyflash study --deck BarDeck --new 3` studies 3 more"
    ) in out.stdout


def test_decks_shows_each_error_once_with_a_count(bar_decks, tmp_path):
    write_deck(tmp_path / "decks", "broken.yaml", "deck: Broken\ncards:\n  - q: a\n    zz: b\n  - q: c\n    yy: d\n")
    out = run("decks", bar_decks)
    assert out.returncode == 2
    located = [line for line in (out.stdout + out.stderr).splitlines() if LOCATED.match(line)]
    assert len(located) == 2 and len(set(located)) == 2, out.stdout + out.stderr
    assert out.stderr.strip().endswith("2 errors in 1 deck file; those cards are left out (run `pyflash check` for details).")
