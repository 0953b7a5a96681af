"""`pyflash check --run`: output cards run in an isolated, contained Python, stdout compared."""

from __future__ import annotations

import os
import re
import shutil
import signal
import sys
import time
import uuid
from pathlib import Path

import pytest

from conftest import run_main
from pyflash.core import runner
from pyflash.core.decks.loader import explicit_sources, load_decks
from pyflash.core.errors import PyflashError
from pyflash.core.runner import Limits, normalise_output, run_output_cards
from pyflash.core.runner.contain import Exec, find_bwrap
from pyflash.core.runner.supervise import process_limit_kind

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
    result = load_decks(explicit_sources([path]))
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


def test_cards_run_at_the_same_time_and_are_reported_in_deck_order(tmp_path):
    """The first card waits for the second one to start: it sees it only when they run together.
    Its report still comes first, though the second card ends first."""
    cards = """\
  - id: first
    q: what does this print?
    requires: [$RUN_MEET]
    code: |
      import os, time
      end = time.monotonic() + 4
      while not os.path.exists(os.environ["RUN_MEET"]) and time.monotonic() < end:
          time.sleep(0.01)
      print("met" if os.path.exists(os.environ["RUN_MEET"]) else "alone")
    output: x
  - id: second
    q: what does this print?
    requires: [$RUN_MEET]
    code: |
      import os
      open(os.environ["RUN_MEET"], "w").close()
      print("second")
    output: y
"""
    outcome, out, _ = run_cards(tmp_path, cards, workers=2, environ={**os.environ, "RUN_MEET": str(tmp_path / "met")})
    assert outcome.failed == 2, out
    assert [r.card.id for r in outcome.results] == ["first", "second"]
    assert "+met" in out and "+alone" not in out, out
    assert out.index("(first): stdout differs") < out.index("(second): stdout differs")


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


# --- containment ------------------------------------------------------------

linux_only = pytest.mark.skipif(not os.path.isdir("/proc/self"), reason="needs /proc (Linux)")


def processes_with(marker: str) -> list[int]:
    """Live processes whose command line contains ``marker`` (scanned from /proc)."""
    found = []
    for name in os.listdir("/proc"):
        if not name.isdigit() or int(name) == os.getpid():
            continue
        try:
            cmdline = Path(f"/proc/{name}/cmdline").read_bytes().replace(b"\0", b" ").decode()
            state = Path(f"/proc/{name}/stat").read_text().rsplit(")", 1)[-1].split()[0]
        except OSError:
            continue
        if marker in cmdline and state != "Z":
            found.append(int(name))
    return found


def run_cards(tmp_path: Path, cards: str, **kwargs) -> tuple[runner.RunOutcome, str, float]:
    lines: list[str] = []
    kwargs.setdefault("environ", os.environ)
    start = time.monotonic()
    outcome = run_output_cards(cards_of(deck(tmp_path, cards)), echo=lines.append, **kwargs)
    return outcome, "\n".join(lines), time.monotonic() - start


def test_environment_is_scrubbed_and_home_is_temporary(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("PYFLASH_SECRET_TEST", "hunter2-do-not-leak")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "hunter3-do-not-leak")
    monkeypatch.setenv("LANG", "C.UTF-8")
    path = deck(
        tmp_path,
        f"""\
  - id: env
    q: what does this print?
    code: |
      import os
      print(sorted(os.environ))
      print(os.environ["HOME"] != {str(Path.home())!r}, os.listdir(os.environ["HOME"]))
      print(os.path.dirname(os.getcwd()) == os.path.dirname(os.environ["HOME"]))
      print(os.environ["PATH"] == {os.environ["PATH"]!r}, os.environ["LANG"])
    output: |
      ['HOME', 'LANG', 'MPLBACKEND', 'PATH', 'TMPDIR']
      True []
      True
      True C.UTF-8
""",
    )
    code, out, err = run(["check", "--run", str(path)], capsys)
    assert code == 0, out + err
    assert summary(out) == (1, 0, 0)
    assert "hunter" not in out + err
    assert "environment: PATH, LANG and what its `requires` names (nothing else of yours)" in out


def test_config_run_env_and_card_requires_pass_named_variables(tmp_path, capsys, monkeypatch, pyflash_home):
    monkeypatch.setenv("PYFLASH_SECRET_TEST", "hunter2-do-not-leak")
    monkeypatch.setenv("PYFLASH_CONFIG_TEST", "from-config")
    monkeypatch.setenv("PYFLASH_CARD_TEST", "from-card")
    monkeypatch.delenv("PYFLASH_UNSET_TEST", raising=False)
    (pyflash_home / "config").mkdir(parents=True)
    (pyflash_home / "config" / "config.toml").write_text('run_env = ["PYFLASH_CONFIG_TEST", "NOT_SET_ANYWHERE_X"]\n')
    path = deck(
        tmp_path,
        """\
  - id: named
    q: what does this print?
    requires: [$PYFLASH_CARD_TEST]
    code: |
      import os
      print(sorted(k for k in os.environ if k.startswith(("PYFLASH", "NOT_SET"))))
      print(os.environ["PYFLASH_CONFIG_TEST"], os.environ["PYFLASH_CARD_TEST"])
    output: |
      ['PYFLASH_CARD_TEST', 'PYFLASH_CONFIG_TEST']
      from-config from-card
  - id: unset
    q: what does this print?
    requires: [$PYFLASH_UNSET_TEST]
    code: print("never")
    output: never
""",
    )
    code, out, err = run(["check", "--run", str(path)], capsys)
    assert code == 0, out + err
    assert summary(out) == (1, 0, 1)
    assert "(unset): needs environment variable PYFLASH_UNSET_TEST (not set)" in out
    assert "environment: PATH, LANG, PYFLASH_CONFIG_TEST, NOT_SET_ANYWHERE_X and what" in out
    assert "hunter" not in out


@pytest.mark.parametrize(
    ("value", "message"),
    [('"HOME"', "must be a list of environment variable names"), ('["OK", "1-BAD"]', "'1-BAD' is not an environment")],
)
def test_config_run_env_is_validated(tmp_path, capsys, pyflash_home, value, message):
    config = pyflash_home / "config" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text(f"new_per_day = 5\nrun_env = {value}\n")
    code, out, err = run(["check", "--run", str(deck(tmp_path, PASSING))], capsys)
    assert code == 2
    assert err.strip().startswith(f"{config}:2:1: 'run_env'"), err
    assert message in err


@linux_only
@pytest.mark.skipif(shutil.which("setsid") is None, reason="needs the setsid command")
def test_no_child_outlives_the_run_not_even_a_setsid_one(tmp_path):
    tag = uuid.uuid4().int % 10**6
    marks = [f"60.{tag}1", f"60.{tag}2", f"60.{tag}3", f"60.{tag}4"]  # unique `sleep` arguments
    code = f"""\
      import os, subprocess, time
      subprocess.Popen(["setsid", "sleep", "{marks[0]}"])
      os.system("setsid sleep {marks[1]} >/dev/null 2>&1 &")
      subprocess.Popen(["sleep", "{marks[2]}"], start_new_session=True, stdout=subprocess.DEVNULL)
      def running(mark):
          for pid in filter(str.isdigit, os.listdir("/proc")):
              try:
                  if mark.encode() in open(f"/proc/{{pid}}/cmdline", "rb").read():
                      return True
              except OSError:
                  pass
          return False
      end = time.time() + 3
      while not all(map(running, {marks[:3]!r})) and time.time() < end:
          time.sleep(0.01)
      print(all(map(running, {marks[:3]!r})))"""
    cards = f"""\
  - id: ends
    q: what does this print?
    code: |
{code}
    output: "True"
  - id: hangs
    q: what does this print?
    code: |
      import subprocess
      subprocess.Popen(["setsid", "sleep", "{marks[3]}"])
      while True:
          pass
    output: x
"""
    outcome, out, elapsed = run_cards(tmp_path, cards, timeout=2)
    assert outcome.passed == 1 and outcome.failed == 1, out  # the children really started
    assert "(hangs): timed out after 2 s" in out
    assert "every process it starts is killed when it ends" in out
    for mark in marks:
        assert processes_with(mark) == [], f"sleep {mark} outlived the run"
    assert elapsed < 30  # the run did not wait for the `sleep 60` children it killed (no timing goal)


@linux_only
def test_fork_loop_hits_the_process_limit(tmp_path):
    if process_limit_kind() == "none":
        pytest.skip("running as root with no pids cgroup: the kernel exempts root from RLIMIT_NPROC")
    mark = f"60.{uuid.uuid4().int % 10**8}"  # each child becomes `sleep <mark>`
    outcome, out, elapsed = run_cards(
        tmp_path,
        f"""\
  - id: forks
    q: what does this print?
    code: |
      import os
      for _ in range(5000):
          if os.fork() == 0:
              os.execvp("sleep", ["sleep", "{mark}"])
      print("forked 5000 times")
    output: forked 5000 times
""",
    )
    assert outcome.failed == 1, out
    assert "FAILED" in out and "(forks): hit the process limit (256 processes and threads); stopped" in out
    assert "256 processes" in out.split("\n")[2]  # the limits line says how it is enforced
    assert "timed out" not in out  # stopped by the limit, not by the card's 5 s timeout
    assert processes_with(mark) == []


def test_memory_hog_runs_out_of_memory(tmp_path):
    outcome, out, elapsed = run_cards(
        tmp_path,
        """\
  - id: hog
    q: what does this print?
    code: |
      hoard = []
      while True:
          hoard.append(bytearray(256 << 20))
    output: x
""",
    )
    assert outcome.failed == 1
    assert "(hog): ran out of memory (the limit is 1 GiB per process); stopped" in out
    assert "MemoryError" in out
    assert "timed out" not in out  # stopped by the limit, not by the card's 5 s timeout


def test_huge_file_is_stopped_by_the_file_size_limit(tmp_path):
    outcome, out, elapsed = run_cards(
        tmp_path,
        """\
  - id: disk
    q: what does this print?
    code: |
      with open("huge.bin", "wb") as fh:
          while True:
              fh.write(bytes(1 << 20))
    output: x
""",
        limits=Limits(file_size=8 << 20),
    )
    assert outcome.failed == 1
    assert "(disk): tried to write a file over the 8 MiB limit; stopped" in out
    assert "File too large" in out
    assert "timed out" not in out  # stopped by the limit, not by the card's 5 s timeout


def test_the_card_runs_under_the_limits_it_reports(tmp_path):
    outcome, out, _ = run_cards(
        tmp_path,
        """\
  - id: limits
    q: what does this print?
    code: |
      import resource as r
      print(r.getrlimit(r.RLIMIT_CPU), r.getrlimit(r.RLIMIT_DATA)[0] >> 20, r.getrlimit(r.RLIMIT_FSIZE)[0] >> 20)
    output: (4, 5) 512 2
""",
        limits=Limits(timeout=2.5, memory=512 << 20, file_size=2 << 20),
    )
    assert outcome.passed == 1, out
    assert "limits per card: 2.5 s, 4 s CPU, 512 MiB memory, 2 MiB per file" in out


def test_limit_reasons():
    lim = Limits()

    def reason(stderr: str = "", code: int | None = 1, **kw) -> str | None:
        return runner.limit_reason(Exec("", stderr, code, False, False, **kw), lim)

    assert reason(code=-signal.SIGXCPU) == "used more than 6 s of CPU time; killed"
    assert reason(code=-signal.SIGXFSZ) == "tried to write a file over the 64 MiB limit"
    assert reason("RuntimeError: can't start new thread") == "hit the process limit (256 processes and threads)"
    assert reason(procs_hit=True) == "hit the process limit (256 processes and threads)"
    assert reason("ValueError: boom") is None


def sandbox_or_skip() -> str:
    try:
        return find_bwrap(os.environ)
    except PyflashError as exc:
        pytest.skip(str(exc))


@linux_only
def test_sandbox_has_no_network_and_a_read_only_file_system(tmp_path, capsys):
    sandbox_or_skip()
    outside = tmp_path / "outside.txt"
    at_root = f"/pyflash-sandbox-test-{uuid.uuid4().hex}"
    card = f"""\
  - id: jail
    q: what does this print?
    code: |
      import errno, os, socket, sys
      open("inside.txt", "w").write("ok")
      open(os.path.join(os.environ["HOME"], "h.txt"), "w").write("ok")
      def attempt(path):
          try:
              open(path, "w").write("escaped")
              return "wrote"
          except OSError as exc:
              return errno.errorcode[exc.errno]
      print(attempt({str(outside)!r}) in ("EROFS", "ENOENT"), attempt(sys.argv[1] if len(sys.argv) > 1 else {at_root!r}))
      try:
          socket.create_connection(("192.0.2.1", 9), timeout=2)
          print("connected")
      except OSError as exc:
          print(errno.errorcode.get(exc.errno, "timeout"))
    output: |
      True EROFS
      ENETUNREACH
"""
    path = deck(tmp_path, card)
    code, out, err = run(["check", "--run", "--sandbox", str(path)], capsys)
    assert code == 0, out + err
    assert summary(out) == (1, 0, 0)
    assert "sandbox (bubblewrap): no network, the file system read-only" in out
    assert not outside.exists() and not Path(at_root).exists()
    # The same write, not sandboxed, succeeds: the check above can fail.
    path = deck(tmp_path, card.replace(repr(at_root), repr(str(tmp_path / "plain.txt"))))
    code, out, _ = run(["check", "--run", str(path)], capsys)
    assert code == 1 and outside.read_text() == "escaped" and (tmp_path / "plain.txt").exists()
    assert "NOT a sandbox" in out


def test_sandbox_without_bwrap_exits_2_saying_why(tmp_path, capsys, monkeypatch):
    path = deck(tmp_path, PASSING)
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    code, out, err = run(["check", "--run", "--sandbox", str(path)], capsys)
    assert code == 2
    assert "pyflash: --sandbox: bubblewrap (bwrap) is not on PATH" in err or "only on Linux" in err
    assert "passed" not in out  # nothing ran
    code, _, err = run(["check", "--sandbox", str(path)], capsys)
    assert code == 2 and "--sandbox works only with --run" in err


def test_help_and_docs_say_it_is_not_a_sandbox(capsys):
    code, out, _ = run(["check", "--help"], capsys)
    assert code == 0
    flat = " ".join(out.split())
    assert "Without --sandbox this is NOT a sandbox" in flat and "Run only decks you trust" in flat
    assert "--sandbox" in flat and "bubblewrap" in flat
    assert "sandboxed" not in flat
    docs = (ROOT / "docs" / "import.md").read_text(encoding="utf-8")
    assert "**This is not a sandbox.**" in docs and "run only decks you trust" in docs.lower()
    for text in (docs, (ROOT / "README.md").read_text(encoding="utf-8")):
        assert "sandboxed" not in text
