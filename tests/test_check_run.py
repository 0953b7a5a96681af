"""`pyflash check --run`: output cards run in a sandboxed Python, stdout compared."""

from __future__ import annotations

import re
import sys
from pathlib import Path

from conftest import run_main
from pyflash.core import runner
from pyflash.core.decks.loader import explicit_sources, load_decks
from pyflash.core.runner import normalise_output, run_output_cards

ROOT = Path(__file__).resolve().parents[1]
SUMMARY = re.compile(r"^(\d+) passed, (\d+) failed, (\d+) skipped$", re.M)


def run(argv: list[str], capsys) -> tuple[int, str, str]:
    return run_main(argv, capsys)


def deck(tmp_path: Path, cards: str, name: str = "run.yaml") -> Path:
    folder = tmp_path / "decks"
    folder.mkdir(exist_ok=True)
    path = folder / name
    path.write_text("deck: Run\nlang: python\ncards:\n" + cards, encoding="utf-8")
    return path


def cards_of(path: Path):
    result = load_decks(explicit_sources([path]), use_cache=False)
    assert result.errors == []
    return result.cards


def summary(out: str) -> tuple[int, int, int]:
    found = SUMMARY.findall(out)
    assert len(found) == 1, out
    return tuple(int(n) for n in found[0])  # type: ignore[return-value]


PASSING = """\
  - id: ok
    q: what does this print?
    code: |
      for i in range(3):
          print(i, "  ")
    output: |
      0
      1
      2

"""


def test_passing_card_exits_0(tmp_path, capsys):
    path = deck(tmp_path, PASSING)
    code, out, _ = run(["check", "--run", str(path)], capsys)
    assert code == 0, out
    assert summary(out) == (1, 0, 0)
    assert "FAILED" not in out


def test_mismatch_prints_a_unified_diff_and_exits_1(tmp_path, capsys):
    path = deck(
        tmp_path,
        PASSING
        + """\
  - id: wrong
    q: what does this print?
    code: |
      print(sorted([3, 1, 2]))
      print("same")
    output: |
      [3, 2, 1]
      same
""",
    )
    line = path.read_text(encoding="utf-8").split("\n").index("  - id: wrong") + 1
    code, out, _ = run(["check", "--run", str(path)], capsys)
    assert code == 1
    assert summary(out) == (1, 1, 0)
    assert f"FAILED {path}:{line}: card 2 (wrong): stdout differs from `output`" in out
    assert f"--- {path}:{line} output (expected)" in out
    assert "+++ stdout (actual)" in out
    assert "-[3, 2, 1]\n+[1, 2, 3]\n same" in out


def test_only_trailing_whitespace_is_ignored():
    assert normalise_output("a  \nb\t\n\n\n") == "a\nb"
    assert normalise_output("a\r\nb\r\n") == "a\nb"
    assert normalise_output("  a") != normalise_output("a")  # leading spaces count
    assert normalise_output("a\n\nb") != normalise_output("a\nb")  # inner blank lines count


def test_timeout_fails(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(runner, "TIMEOUT", 0.5)
    path = deck(
        tmp_path,
        """\
  - id: forever
    q: what does this print?
    code: |
      print("start", flush=True)
      while True:
          pass
    output: start
""",
    )
    code, out, _ = run(["check", "--run", str(path)], capsys)
    assert code == 1
    assert "FAILED" in out and "timed out after 0.5 s" in out
    assert summary(out) == (0, 1, 0)


def test_missing_modules_are_skipped_not_failed(tmp_path, capsys):
    path = deck(
        tmp_path,
        """\
  - id: by-requires
    q: what does this print?
    code: print("never run")
    output: never run
    requires: [pyflash_no_such_module_a]
  - id: by-import
    q: what does this print?
    code: |
      import os
      import pyflash_no_such_module_b.sub
      print("x")
    output: x
  - id: at-runtime
    q: what does this print?
    code: |
      def f():
          import pyflash_no_such_module_c
      f()
    output: x
  - id: other-lang
    q: what does this print?
    lang: bash
    code: echo hi
    output: hi
""",
    )
    code, out, _ = run(["check", "--run", str(path)], capsys)
    assert code == 0, out
    assert summary(out) == (0, 0, 4)
    assert "SKIPPED" in out and "(by-requires): needs module pyflash_no_such_module_a (not installed)" in out
    assert "(by-import): needs module pyflash_no_such_module_b (not installed)" in out
    assert "(at-runtime): needs module pyflash_no_such_module_c (not installed)" in out
    assert "(other-lang): lang bash: only Python output cards are run" in out
    assert "not installed: pyflash_no_such_module_a, pyflash_no_such_module_b, pyflash_no_such_module_c" in out


def test_requires_are_checked_before_running(tmp_path):
    marker = tmp_path / "ran"
    path = deck(
        tmp_path,
        f"""\
  - id: guarded
    q: what does this print?
    code: |
      open({str(marker)!r}, "w").close()
      print("ran")
    output: ran
    requires: [pyflash_no_such_module_d]
""",
    )
    outcome = run_output_cards(cards_of(path), echo=lambda _line: None)
    assert outcome.skipped == 1
    assert not marker.exists()


def test_sandbox_isolated_no_stdin_temp_cwd(tmp_path, capsys):
    path = deck(
        tmp_path,
        """\
  - id: sandbox
    q: what does this print?
    code: |
      import os, sys
      print(sys.flags.isolated, sys.flags.utf8_mode)
      print(os.listdir("."))
      try:
          input()
      except EOFError:
          print("no stdin")
      print("é中")
    output: |
      1 1
      ['card.py']
      no stdin
      é中
""",
    )
    code, out, _ = run(["check", "--run", str(path)], capsys)
    assert code == 0, out
    assert summary(out) == (1, 0, 0)


def test_crash_fails_even_when_output_matches(tmp_path, capsys):
    path = deck(
        tmp_path,
        """\
  - id: crash
    q: what does this print?
    code: |
      print("a")
      raise ValueError("boom")
    output: a
""",
    )
    code, out, _ = run(["check", "--run", str(path)], capsys)
    assert code == 1
    assert "exited with status 1" in out and "ValueError: boom" in out


def test_output_is_capped(tmp_path):
    path = deck(
        tmp_path,
        """\
  - id: flood
    q: what does this print?
    code: |
      while True:
          print("x" * 1000)
    output: x
""",
    )
    lines: list[str] = []
    outcome = run_output_cards(cards_of(path), echo=lines.append, cap=64 * 1024, timeout=10)
    assert outcome.failed == 1
    assert any("wrote more than 64 KiB" in line for line in lines)


def test_cards_without_output_are_not_run(tmp_path, capsys):
    marker = tmp_path / "ran"
    path = deck(
        tmp_path,
        f"""\
  - id: plain
    q: a code card, no output
    a: nothing to compare
    code: open({str(marker)!r}, "w").close()
  - id: output-card
    q: what does this print?
    code: open({str(marker)!r} + "2", "w").close()
    output: ""
    a: nothing
""",
    )
    code, out, _ = run(["check", str(path)], capsys)  # no --run: nothing executes
    assert code == 0 and "passed" not in out
    assert not Path(str(marker) + "2").exists()
    code, out, _ = run(["check", "--run", str(path)], capsys)
    assert not marker.exists()  # not an output card
    assert summary(out) == (0, 0, 0)


def test_bundled_decks_pass(capsys):
    decks = ROOT / "decks"
    code, out, err = run(["check", "--run", str(decks)], capsys)
    assert code == 0, out + err
    passed, failed, skipped = summary(out)
    assert failed == 0
    assert passed > 0
    print(f"bundled decks: {passed} passed, {failed} failed, {skipped} skipped")
    if skipped:
        assert f"skipped {skipped} card(s); not installed:" in out
    assert "FAILED" not in out
    assert sys.executable in out
