"""``pyflash add``: the command line."""

from __future__ import annotations

import io
import subprocess
import sys

from conftest import run_main, write_deck

MINE = b"# my deck\ndeck: Mine\ncards:\n  - q: 'first?'   # keep me\n    a: \"1\""  # no newline at the end


def user_decks(home):
    return home / "data" / "decks"


def mine(home):
    path = user_decks(home) / "mine.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(MINE)
    return path


def test_add_appends_and_keeps_the_old_bytes(pyflash_home, capsys):
    path = mine(pyflash_home)
    code, out, err = run_main(
        ["add", "--deck", "mine", "--q", "What is `x`: really?", "--a", "y", "--tag", "a", "--tag", "b, c",
         "--note", "n", "--id", "x-really"],
        capsys,
    )
    assert code == 0, err
    assert out == f"added card 'x-really' to {path}:6\n"
    new = path.read_bytes()
    assert new == MINE + (
        b"\n  - id: x-really\n    q: 'What is `x`: really?'\n    a: 'y'\n    note: 'n'\n    tags: [a, b, c]\n"
    )
    code, out, err = run_main(["check"], capsys)
    assert code == 0, out + err


def test_dry_run_prints_the_yaml_and_writes_nothing(pyflash_home, capsys):
    path = mine(pyflash_home)
    code, out, err = run_main(["add", "--deck", "Mine", "--q", "Two?", "--a", "2", "--dry-run"], capsys)
    assert code == 0, err
    assert out == "\n  - id: two\n    q: Two?\n    a: '2'\n"  # quoted: other YAML readers would see a number
    assert f"would append to {path} (card id 'two', line 6)" in err
    assert path.read_bytes() == MINE
    assert not (pyflash_home / "data" / "reviews.sqlite3").exists()


def test_code_from_stdin_makes_an_output_card(pyflash_home, capsys, monkeypatch):
    path = mine(pyflash_home)
    monkeypatch.setattr(sys, "stdin", io.StringIO("for i in range(2):\n    print(i)\n"))
    code, out, err = run_main(
        ["add", "--deck", "mine", "--q", "What does this print?", "--code", "-", "--lang", "python", "--output", "0\n1\n"],
        capsys,
    )
    assert code == 0, err
    text = path.read_text()
    assert text.endswith(
        "  - id: print-range-2\n    q: What does this print?\n    code: |\n      for i in range(2):\n          print(i)\n"
        "    lang: python\n    output: |\n      0\n      1\n"
    )


def test_code_from_a_file_and_a_new_deck(pyflash_home, tmp_path, capsys):
    snippet = write_deck(tmp_path, "snip.py", "print('hi')\n")
    code, out, err = run_main(
        ["add", "--deck", "Scratch::Python", "--q", "Prints?", "--code", str(snippet), "--output", "hi"], capsys
    )
    assert code == 0, err
    created = user_decks(pyflash_home) / "scratch-python.yaml"
    assert out == f"added card 'prints-print-hi' to {created}:3\n"
    assert created.read_text().startswith("deck: Scratch::Python\ncards:\n  - id: prints-print-hi\n")


def test_errors_are_one_line_and_exit_2(pyflash_home, capsys):
    path = mine(pyflash_home)
    cases = [
        (["add", "--deck", "mine", "--q", "No answer?"], "needs an answer"),
        (["add", "--q", "No deck?", "--a", "x"], "--deck NAME is needed"),
        (["add", "--deck", "mine", "--q", "x?", "--a", "y", "--code", "/no/such/file"], "cannot read the --code file"),
        (["add", "--deck", "mine", "--q", "Dup?", "--a", "y", "--id", "argparse-store-true-how"], "is already used at"),
        (["add", "--deck", "A::", "--q", "x?", "--a", "y"], "deck name"),
    ]
    for argv, message in cases:
        code, out, err = run_main(argv, capsys)
        assert code == 2, (argv, out, err)
        assert len(err.strip().splitlines()) == 1 and message in err and "Traceback" not in err
    assert path.read_bytes() == MINE


def test_bundled_deck_is_refused_then_copied_with_the_option(pyflash_home, capsys):
    code, out, err = run_main(["add", "--deck", "python::argparse", "--q", "Subparsers?", "--a", "add_subparsers"], capsys)
    assert code == 2
    assert "is bundled with pyflash" in err and "--copy-bundled" in err and len(err.strip().splitlines()) == 1
    assert not user_decks(pyflash_home).exists()
    code, out, err = run_main(
        ["add", "--deck", "python::argparse", "--q", "Subparsers?", "--a", "add_subparsers", "--copy-bundled"], capsys
    )
    assert code == 0, err
    copy = user_decks(pyflash_home) / "argparse.yaml"
    assert "copied the bundled deck 'Python::argparse'" in out and f"to {copy}:" in out
    code, out, err = run_main(["decks", "--deck", "python::argparse"], capsys)
    assert "(overrides bundled)" in out


def test_without_q_and_without_a_terminal_it_says_so():
    out = subprocess.run(
        [sys.executable, "-m", "pyflash", "add", "--deck", "x"], capture_output=True, text=True, stdin=subprocess.DEVNULL
    )
    assert out.returncode == 2
    assert "needs a terminal" in out.stderr and "Traceback" not in out.stderr


def test_deck_paths_name_the_files_and_the_deck(pyflash_home, tmp_path, capsys):
    folder = tmp_path / "hidden"
    old = "# keep\ndeck: Hidden::Deck   # name\ncards:\n  - id: h1\n    q: One?\n    a: one\n# end\n"
    path = write_deck(folder, "h.yaml", old)
    code, out, err = run_main(["add", str(folder), "--q", "Two?", "--a", "two", "--tag", "t"], capsys)
    assert code == 0, err
    assert out == f"added card 'two' to {path}:7\n"
    assert path.read_text() == old.replace("# end\n", "  - id: two\n    q: Two?\n    a: two\n    tags: [t]\n# end\n")
    code, out, err = run_main(["add", str(path), "--deck", "Other", "--q", "Three?", "--a", "3"], capsys)
    assert code == 0, err
    assert out == f"added card 'three' to {folder / 'other.yaml'}:3\n"
    code, out, err = run_main(["check", str(folder)], capsys)
    assert code == 0, out + err
    assert not user_decks(pyflash_home).exists()
