"""``pyflash check --run``: run the code of output cards and compare stdout.

This is the only place pyflash ever executes deck content, and only when the
user passes ``--run``. Each output card whose language is Python (``lang``
python, py, python3 or unset) runs:

* in a separate ``python -I -X utf8`` process (isolated mode: no user site,
  no PYTHON* variables, the script's folder not on ``sys.path``), the same
  interpreter that runs pyflash;
* with its code written to ``card.py`` in a fresh temporary working
  directory, deleted afterwards;
* with stdin closed (``/dev/null``), a 5 second timeout, and stdout and stderr
  capped at 1 MiB each (the process is killed when it writes more).

Its stdout is compared with the card's ``output`` after normalising both the
same way: line endings become ``\\n``, trailing whitespace is removed from
every line, and trailing empty lines are dropped. Nothing else is ignored
(leading spaces and blank lines in the middle count). A card passes when the
texts are equal and the process exits with status 0.

A card is *skipped*, never run, when a module in its ``requires`` list, or a
module imported by the import statements that open its code, cannot be found
by this interpreter (only the top-level package is looked up, so nothing is
imported into pyflash). A card
that dies with ``ModuleNotFoundError`` for a module that is not installed is
skipped too. Output cards in another language are skipped.
"""

from __future__ import annotations

import ast
import difflib
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from importlib.util import find_spec

from pyflash.core.decks.model import Card

TIMEOUT = 5.0
OUTPUT_CAP = 1 << 20  # bytes, for stdout and for stderr
PYTHON_LANGS = frozenset({"python", "py", "python3", "py3"})
MAX_DIFF_LINES = 60

PASSED, FAILED, SKIPPED = "passed", "failed", "skipped"


@dataclass(frozen=True, slots=True)
class CardRun:
    """What happened to one output card."""

    card: Card
    status: str  # passed / failed / skipped
    reason: str = ""  # one line: why it failed or was skipped
    detail: tuple[str, ...] = ()  # diff or stderr lines, for failures
    missing: str | None = None  # the missing module, for skips


@dataclass
class RunOutcome:
    """Counts and per-card results. ``failed`` counts mismatches, errors and timeouts."""

    results: list[CardRun] = field(default_factory=list)

    def _count(self, status: str) -> int:
        return sum(1 for r in self.results if r.status == status)

    @property
    def passed(self) -> int:
        return self._count(PASSED)

    @property
    def failed(self) -> int:
        return self._count(FAILED)

    @property
    def skipped(self) -> int:
        return self._count(SKIPPED)

    @property
    def summary(self) -> str:
        return f"{self.passed} passed, {self.failed} failed, {self.skipped} skipped"


def normalise_output(text: str) -> str:
    """Trailing whitespace of each line and trailing empty lines removed."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "\n".join(line.rstrip() for line in lines).rstrip("\n")


def is_python_card(card: Card) -> bool:
    return card.lang is None or card.lang.strip().lower() in PYTHON_LANGS


def _top(module: str) -> str:
    return module.strip().split(".")[0]


def module_available(module: str) -> bool:
    """Whether this interpreter can import ``module``'s top-level package.

    Only the top-level name is looked up, so no package code runs here.
    """
    name = _top(module)
    if not name:
        return True
    try:
        return find_spec(name) is not None
    except (ImportError, ValueError):
        return False


def leading_imports(code: str) -> list[str]:
    """Modules imported by the import statements that open ``code``.

    Only the leading block counts (imports, a docstring, before any other
    statement): later imports may follow a ``sys.path`` change or sit in a
    ``try``, and are left to the run itself.
    """
    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return []
    names: list[str] = []
    for stmt in tree.body:
        if isinstance(stmt, ast.Import):
            names.extend(alias.name for alias in stmt.names)
        elif isinstance(stmt, ast.ImportFrom):
            if stmt.module and not stmt.level:
                names.append(stmt.module)
        elif isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant):
            continue
        else:
            break
    return list(dict.fromkeys(_top(n) for n in names))


def missing_module(card: Card) -> str | None:
    """The first required or imported module this interpreter lacks, if any."""
    for module in card.requires:
        if not module_available(module):
            return module
    for module in leading_imports(card.code or ""):
        if module not in sys.builtin_module_names and not module_available(module):
            return module
    return None


_NO_MODULE = re.compile(r"^ModuleNotFoundError: No module named '([^']+)'", re.M)


class _Capture(threading.Thread):
    """Reads a pipe, keeping at most ``cap`` bytes.

    Past the cap it stops reading and closes the pipe, so the card's next
    write fails (BrokenPipeError) instead of filling memory.
    """

    def __init__(self, stream, cap: int) -> None:
        super().__init__(daemon=True)
        self.stream = stream
        self.cap = cap
        self.data = bytearray()
        self.overflow = False

    def run(self) -> None:
        try:
            while chunk := self.stream.read1(65536):
                room = self.cap - len(self.data)
                if len(chunk) > room:
                    self.data += chunk[:room]
                    self.overflow = True
                    break
                self.data += chunk
        except (OSError, ValueError):
            pass
        finally:
            try:
                self.stream.close()
            except OSError:
                pass

    def text(self) -> str:
        return self.data.decode("utf-8", errors="replace")


def _kill(proc: subprocess.Popen) -> None:
    try:
        if os.name == "posix":
            os.killpg(proc.pid, signal.SIGKILL)  # children of the card too
        else:
            proc.kill()
    except (ProcessLookupError, PermissionError, OSError):
        pass


@dataclass
class _Exec:
    stdout: str
    stderr: str
    returncode: int | None
    timed_out: bool
    overflow: bool


def run_code(code: str, timeout: float = TIMEOUT, cap: int = OUTPUT_CAP) -> _Exec:
    """Run ``code`` in an isolated Python in a temporary folder."""
    env = dict(os.environ)
    env["MPLBACKEND"] = "Agg"  # a plotting card must not open a window
    with tempfile.TemporaryDirectory(prefix="pyflash-run-") as tmp:
        script = os.path.join(tmp, "card.py")
        with open(script, "w", encoding="utf-8") as fh:
            fh.write(code)
        proc = subprocess.Popen(
            [sys.executable, "-I", "-X", "utf8", "card.py"],
            cwd=tmp,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
            start_new_session=os.name == "posix",
        )
        out = _Capture(proc.stdout, cap)
        err = _Capture(proc.stderr, cap)
        out.start()
        err.start()
        timed_out = False
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            timed_out = True
            _kill(proc)
            proc.wait()
        out.join(timeout=1)
        err.join(timeout=1)
        if out.is_alive() or err.is_alive():
            # The card exited but a child of it still holds the pipes open.
            # While it lives, its process group does too, so this kills only it.
            _kill(proc)
            out.join(timeout=2)
            err.join(timeout=2)
        return _Exec(out.text(), err.text(), proc.returncode, timed_out, out.overflow or err.overflow)


def _tail(text: str, n: int = 8) -> tuple[str, ...]:
    lines = [ln for ln in text.rstrip().split("\n") if ln.strip()]
    return tuple("  " + ln for ln in lines[-n:])


def run_card(card: Card, timeout: float = TIMEOUT, cap: int = OUTPUT_CAP) -> CardRun:
    """Run one output card and judge it."""
    if not is_python_card(card):
        return CardRun(card, SKIPPED, f"lang {card.lang}: only Python output cards are run")
    missing = missing_module(card)
    if missing:
        return CardRun(card, SKIPPED, f"needs module {missing} (not installed)", missing=missing)
    result = run_code(card.code or "", timeout, cap)
    if result.timed_out:
        return CardRun(card, FAILED, f"timed out after {timeout:g} s", _tail(result.stderr))
    if result.overflow:
        return CardRun(card, FAILED, f"wrote more than {cap // 1024} KiB; stopped")
    if result.returncode != 0:
        found = _NO_MODULE.findall(result.stderr)
        if found:
            name = _top(found[-1])
            if not module_available(name) or name not in sys.stdlib_module_names:
                return CardRun(card, SKIPPED, f"needs module {name} (not installed)", missing=name)
    expected = normalise_output(card.output or "")
    actual = normalise_output(result.stdout)
    if expected != actual:
        diff = list(
            difflib.unified_diff(
                expected.split("\n"),
                actual.split("\n"),
                fromfile=f"{card.location} output (expected)",
                tofile="stdout (actual)",
                lineterm="",
            )
        )
        if len(diff) > MAX_DIFF_LINES:
            diff = diff[:MAX_DIFF_LINES] + [f"... ({len(diff) - MAX_DIFF_LINES} more diff lines)"]
        detail = tuple(diff)
        if result.returncode != 0:
            detail += (f"exit status {result.returncode}; stderr ends with:",) + _tail(result.stderr)
        return CardRun(card, FAILED, "stdout differs from `output`", detail)
    if result.returncode != 0:
        return CardRun(
            card,
            FAILED,
            f"output matches but the code exited with status {result.returncode}",
            ("stderr ends with:",) + _tail(result.stderr),
        )
    return CardRun(card, PASSED)


def _workers() -> int:
    return max(2, min(4, os.cpu_count() or 2))


def run_output_cards(
    cards: Sequence[Card],
    echo: Callable[[str], None] = print,
    *,
    timeout: float | None = None,
    cap: int | None = None,
    workers: int | None = None,
) -> RunOutcome:
    """Run every output card; print failures, skips and a summary line.

    The summary line is exactly ``N passed, N failed, N skipped``.
    """
    timeout = TIMEOUT if timeout is None else timeout
    cap = OUTPUT_CAP if cap is None else cap
    todo = [c for c in cards if c.output is not None and c.code]
    outcome = RunOutcome()
    if not todo:
        echo("no output cards to run")
        echo(outcome.summary)
        return outcome
    echo(f"running {len(todo)} output card(s) with {sys.executable} -I (timeout {timeout:g} s)")
    with ThreadPoolExecutor(max_workers=workers or _workers()) as pool:
        for run in pool.map(lambda c: run_card(c, timeout, cap), todo):
            outcome.results.append(run)
            card = run.card
            label = f"{card.location}: card {card.position}" + (f" ({card.id})" if card.id else "")
            if run.status == FAILED:
                echo(f"FAILED {label}: {run.reason}")
                for line in run.detail:
                    echo(line)
            elif run.status == SKIPPED:
                echo(f"SKIPPED {label}: {run.reason}")
    missing = sorted({r.missing for r in outcome.results if r.missing})
    if missing:
        echo(f"skipped {outcome.skipped} card(s); not installed: {', '.join(missing)}")
    echo(outcome.summary)
    return outcome
