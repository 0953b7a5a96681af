"""``pyflash check --run``: run the code of output cards and compare stdout.

This is the only place pyflash ever executes deck content, and only when the
user passes ``--run``. Each output card whose language is Python (``lang``
python, py, python3 or unset) runs in a separate ``python -I -X utf8``
process (isolated mode: no user site, no PYTHON* variables, the script's
folder not on ``sys.path``), the same interpreter that runs pyflash, with
stdin closed. How it is contained (``contain.py``, ``supervise.py``):

* ``card.py`` in a fresh temporary working folder, with a temporary ``HOME``
  and ``TMPDIR``, all deleted afterwards;
* a scrubbed environment: ``PATH``, ``LANG`` and only the variables that the
  config's ``run_env`` or the card's ``requires`` (``$NAME`` entries) names;
* its own session and process group, under a supervisor that kills every
  process the card started (``setsid`` ones too) when the card ends;
* limits: wall-clock timeout, CPU seconds, memory, file size, processes, and
  stdout and stderr capped at 1 MiB each;
* with ``sandbox``, inside bubblewrap: no network, read-only file system.
  Without it this is *not* a sandbox: the code can read the user's files.

Its stdout is compared with the card's ``output`` after normalising both the
same way: line endings become ``\\n``, trailing whitespace is removed from
every line, and trailing empty lines are dropped. Nothing else is ignored
(leading spaces and blank lines in the middle count). A card passes when the
texts are equal and the process exits with status 0.

A card is *skipped*, never run, when a module in its ``requires`` list, or a
module imported by the import statements that open its code, cannot be found
by this interpreter (only the top-level package is looked up, so nothing is
imported into pyflash), or when an environment variable its ``requires``
names is not set. A card that dies with ``ModuleNotFoundError`` for a module
that is not installed is skipped too. Output cards in another language are
skipped.
"""

from __future__ import annotations

import ast
import difflib
import os
import re
import signal
import sys
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from importlib.util import find_spec

from pyflash.core.decks.model import Card
from pyflash.core.runner.contain import Containment, Exec, Limits, bytes_text, describe, find_bwrap, run_code

__all__ = ["CardRun", "Limits", "RunOutcome", "normalise_output", "run_card", "run_output_cards"]

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


def required_env(card: Card) -> tuple[str, ...]:
    """Environment variables the card's ``requires`` names (``$NAME`` entries)."""
    return tuple(r[1:] for r in card.requires if r.startswith("$"))


def missing_module(card: Card) -> str | None:
    """The first required or imported module this interpreter lacks, if any."""
    for module in card.requires:
        if not module.startswith("$") and not module_available(module):
            return module
    for module in leading_imports(card.code or ""):
        if module not in sys.builtin_module_names and not module_available(module):
            return module
    return None


_NO_MODULE = re.compile(r"^ModuleNotFoundError: No module named '([^']+)'", re.M)
_NO_PROCESS = re.compile(r"BlockingIOError: \[Errno 11\]|Resource temporarily unavailable|can't start new thread")
_NO_MEMORY = re.compile(r"MemoryError|Cannot allocate memory|std::bad_alloc")


def _tail(text: str, n: int = 8) -> tuple[str, ...]:
    lines = [ln for ln in text.rstrip().split("\n") if ln.strip()]
    return tuple("  " + ln for ln in lines[-n:])


def limit_reason(result: Exec, lim: Limits) -> str | None:
    """Which resource limit stopped the card, when its end shows one."""
    if result.procs_hit or _NO_PROCESS.search(result.stderr):
        return f"hit the process limit ({lim.processes} processes and threads)"
    if _NO_MEMORY.search(result.stderr):
        return f"ran out of memory (the limit is {bytes_text(lim.memory)} per process)"
    if "File too large" in result.stderr or result.returncode == -signal.SIGXFSZ:
        return f"tried to write a file over the {bytes_text(lim.file_size)} limit"
    if result.returncode == -signal.SIGXCPU:
        return f"used more than {lim.cpu_seconds} s of CPU time; killed"
    return None


def _diff(card: Card, expected: str, actual: str) -> list[str]:
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
    return diff


def _skip(card: Card, c: Containment) -> CardRun | None:
    if not is_python_card(card):
        return CardRun(card, SKIPPED, f"lang {card.lang}: only Python output cards are run")
    missing = missing_module(card)
    if missing:
        return CardRun(card, SKIPPED, f"needs module {missing} (not installed)", missing=missing)
    for name in required_env(card):
        if name not in c.environ:
            return CardRun(card, SKIPPED, f"needs environment variable {name} (not set)")
    return None


def run_card(card: Card, c: Containment) -> CardRun:
    """Run one output card and judge it."""
    skip = _skip(card, c)
    if skip:
        return skip
    lim = c.limits
    result = run_code(card.code or "", c, required_env(card))
    limit = limit_reason(result, lim) if result.returncode != 0 else None
    if result.timed_out:
        why = f"timed out after {lim.timeout:g} s" + (f"; it {limit}" if limit else "")
        return CardRun(card, FAILED, why, _tail(result.stderr))
    if result.overflow:
        return CardRun(card, FAILED, f"wrote more than {lim.output // 1024} KiB; stopped")
    if limit:
        return CardRun(card, FAILED, f"{limit}; stopped", ("stderr ends with:", *_tail(result.stderr)))
    if result.returncode != 0:
        found = _NO_MODULE.findall(result.stderr)
        if found:
            name = _top(found[-1])
            if not module_available(name) or name not in sys.stdlib_module_names:
                return CardRun(card, SKIPPED, f"needs module {name} (not installed)", missing=name)
    expected = normalise_output(card.output or "")
    actual = normalise_output(result.stdout)
    if expected != actual:
        detail = tuple(_diff(card, expected, actual))
        if result.returncode != 0:
            detail += (f"exit status {result.returncode}; stderr ends with:", *_tail(result.stderr))
        return CardRun(card, FAILED, "stdout differs from `output`", detail)
    if result.returncode != 0:
        return CardRun(
            card,
            FAILED,
            f"output matches but the code exited with status {result.returncode}",
            ("stderr ends with:", *_tail(result.stderr)),
        )
    return CardRun(card, PASSED)


def _report(run: CardRun, echo: Callable[[str], None]) -> None:
    card = run.card
    label = f"{card.location}: card {card.position}" + (f" ({card.id})" if card.id else "")
    if run.status == FAILED:
        echo(f"FAILED {label}: {run.reason}")
        for line in run.detail:
            echo(line)
    elif run.status == SKIPPED:
        echo(f"SKIPPED {label}: {run.reason}")


def _workers() -> int:
    return max(2, min(4, os.cpu_count() or 2))


def run_output_cards(
    cards: Sequence[Card],
    echo: Callable[[str], None] = print,
    *,
    timeout: float | None = None,
    cap: int | None = None,
    workers: int | None = None,
    limits: Limits | None = None,
    environ: Mapping[str, str] | None = None,
    pass_env: Sequence[str] = (),
    sandbox: bool = False,
) -> RunOutcome:
    """Run every output card; print how they are contained, failures, skips and a summary.

    ``environ`` is the caller's environment (the CLI passes ``os.environ``);
    the cards see only ``PATH``, ``LANG`` and the names in ``pass_env`` or in
    their own ``requires``. ``sandbox`` needs bubblewrap and raises
    PyflashError (saying why) where it cannot work. The summary line is
    exactly ``N passed, N failed, N skipped``.
    """
    lim = limits or Limits(timeout=TIMEOUT, output=OUTPUT_CAP)
    lim = replace(lim, timeout=lim.timeout if timeout is None else timeout, output=lim.output if cap is None else cap)
    environ = {} if environ is None else environ
    bwrap = find_bwrap(environ) if sandbox else None
    contain = Containment(lim, environ, tuple(pass_env), bwrap)
    todo = [c for c in cards if c.output is not None and c.code]
    outcome = RunOutcome()
    if not todo:
        echo("no output cards to run")
        echo(outcome.summary)
        return outcome
    echo(f"running {len(todo)} output card(s) with {sys.executable} -I (timeout {lim.timeout:g} s)")
    for line in describe(contain):
        echo(line)
    with ThreadPoolExecutor(max_workers=workers or _workers()) as pool:
        try:
            for run in pool.map(lambda c: run_card(c, contain), todo):
                outcome.results.append(run)
                _report(run, echo)
        except BaseException:  # Ctrl-C: stop the running cards now, start no more
            contain.cancel.set()
            pool.shutdown(wait=True, cancel_futures=True)
            raise
    missing = sorted({r.missing for r in outcome.results if r.missing})
    if missing:
        echo(f"skipped {outcome.skipped} card(s); not installed: {', '.join(missing)}")
    echo(outcome.summary)
    return outcome
