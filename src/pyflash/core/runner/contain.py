"""How ``check --run`` starts a card's code, and what it keeps the code from.

Every card runs through the supervisor (``supervise.py``) in a fresh
temporary folder, with a scrubbed environment and resource limits; with
``sandbox`` it also runs inside bubblewrap. :func:`describe` says exactly
which of these hold, for the line ``check --run`` prints before it starts.
"""

from __future__ import annotations

import math
import os
import re
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from pyflash.core.errors import PyflashError
from pyflash.core.runner.supervise import process_limit_kind

SUPERVISOR = Path(__file__).resolve().with_name("supervise.py")
DEFAULT_PATH = "/usr/local/bin:/usr/bin:/bin"
ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
GRACE = 5.0  # seconds past the timeout before pyflash kills the supervisor itself


@dataclass(frozen=True, slots=True)
class Limits:
    """Per-card limits. CPU, memory and file size hold for each process."""

    timeout: float = 5.0  # wall clock, for the whole card
    output: int = 1 << 20  # bytes, for stdout and for stderr
    memory: int = 1 << 30  # RLIMIT_DATA: heap and private memory
    file_size: int = 64 << 20  # RLIMIT_FSIZE: the largest file it may write
    processes: int = 256  # processes and threads at once

    @property
    def cpu_seconds(self) -> int:
        return math.ceil(self.timeout) + 1


@dataclass(frozen=True, slots=True)
class Containment:
    """Everything about how cards run, decided once for a whole ``check --run``."""

    limits: Limits
    environ: Mapping[str, str]  # the caller's environment, to pick names from
    pass_env: tuple[str, ...] = ()  # names the config passes through
    bwrap: str | None = None  # bubblewrap's path when --sandbox
    cancel: threading.Event = field(default_factory=threading.Event)  # set on Ctrl-C: stop every card

    def env_for(self, names: Sequence[str], home: str, tmp: str) -> dict[str, str]:
        """The card's whole environment: nothing of the caller's but what is named."""
        env = {
            "PATH": self.environ.get("PATH") or DEFAULT_PATH,
            "LANG": self.environ.get("LANG") or "C.UTF-8",
        }
        for name in (*self.pass_env, *names):
            if name in self.environ:
                env[name] = self.environ[name]
        env.update(HOME=home, TMPDIR=tmp, MPLBACKEND="Agg")  # a plotting card must not open a window
        return env


def bytes_text(n: int) -> str:
    for unit, size in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= size and n % size == 0:
            return f"{n // size} {unit}"
    return f"{n} bytes"


def describe(c: Containment) -> list[str]:
    """What holds for every card, in plain words (printed before the run)."""
    lim = c.limits
    kind = process_limit_kind()
    procs = {
        "cgroup": f"{lim.processes} processes (pids cgroup)",
        "rlimit": f"{lim.processes} more processes (RLIMIT_NPROC)",
        "none": "processes NOT limited (root, and no pids cgroup can be made)",
    }[kind]
    names = ", ".join(("PATH", "LANG", *c.pass_env))
    lines = [
        f"each card: a fresh temporary folder and HOME; environment: {names} and what its `requires` names "
        "(nothing else of yours); every process it starts is killed when it ends",
        f"limits per card: {lim.timeout:g} s, {lim.cpu_seconds} s CPU, {bytes_text(lim.memory)} memory, "
        f"{bytes_text(lim.file_size)} per file, {procs}, {bytes_text(lim.output)} output",
    ]
    if c.bwrap:
        lines.append("sandbox (bubblewrap): no network, the file system read-only except the card's temporary folder")
    else:
        lines.append(
            "NOT a sandbox: the code can read your files, write where you can and use the network; "
            "run only decks you trust (--sandbox uses bubblewrap)"
        )
    return lines


def find_bwrap(environ: Mapping[str, str]) -> str:
    """bubblewrap's path, checked to work here; else a PyflashError saying why."""
    if not sys.platform.startswith("linux"):
        raise PyflashError("--sandbox: bubblewrap runs only on Linux; without it, run only decks you trust")
    bwrap = shutil.which("bwrap", path=environ.get("PATH") or DEFAULT_PATH)
    if bwrap is None:
        raise PyflashError(
            "--sandbox: bubblewrap (bwrap) is not on PATH; install it (e.g. apt install bubblewrap), "
            "or run without --sandbox only decks you trust"
        )
    with tempfile.TemporaryDirectory(prefix="pyflash-probe-") as tmp:
        os.mkdir(os.path.join(tmp, "work"))
        argv = [*bwrap_argv(bwrap, tmp), sys.executable, "-I", "-S", "-c", "pass"]
        try:
            probe = subprocess.run(argv, capture_output=True, timeout=30, stdin=subprocess.DEVNULL, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise PyflashError(f"--sandbox: {bwrap} cannot run here ({exc})") from None
    if probe.returncode != 0:
        why = probe.stderr.decode("utf-8", "replace").strip().splitlines()
        raise PyflashError(
            f"--sandbox: {bwrap} cannot make a sandbox here ({why[-1] if why else f'exit {probe.returncode}'}); "
            "user namespaces may be disabled. Run without --sandbox only decks you trust"
        )
    return bwrap


def _under_tmp() -> list[str]:
    """Read-only binds for the interpreter, its packages and pyflash when they live
    under /tmp (a venv in a temporary checkout), which the sandbox's fresh /tmp would hide."""
    here = os.path.dirname(os.path.dirname(os.path.dirname(os.path.realpath(__file__))))  # the pyflash package
    keep = {sys.prefix, sys.base_prefix, sys.exec_prefix, os.path.dirname(os.path.realpath(sys.executable)), here}
    binds: list[str] = []
    for path in sorted(keep):
        if path.startswith("/tmp/") and os.path.isdir(path):
            binds += ["--ro-bind", path, path]
    return binds


def bwrap_argv(bwrap: str, run_dir: str) -> list[str]:
    """bubblewrap: no network, no other processes, everything read-only but ``run_dir``."""
    return [
        bwrap, "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp", *_under_tmp(),
        "--bind", run_dir, run_dir, "--chdir", os.path.join(run_dir, "work"),
        "--unshare-net", "--unshare-pid", "--unshare-ipc", "--unshare-uts",
        "--die-with-parent", "--new-session", "--",
    ]  # fmt: skip


class _Capture(threading.Thread):
    """Reads a pipe, keeping at most ``cap`` bytes.

    Past the cap it stops reading, closes the pipe (so the card's next write
    fails instead of filling memory) and calls ``on_overflow``.
    """

    def __init__(self, stream: IO[bytes], cap: int, on_overflow: Callable[[], None]) -> None:
        super().__init__(daemon=True)
        self.stream = stream
        self.cap = cap
        self.on_overflow = on_overflow
        self.data = bytearray()
        self.overflow = False

    def run(self) -> None:
        try:
            while chunk := self.stream.read1(65536):  # type: ignore[attr-defined]  # a BufferedReader
                room = self.cap - len(self.data)
                if len(chunk) > room:
                    self.data += chunk[:room]
                    self.overflow = True
                    self.on_overflow()
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


@dataclass(frozen=True, slots=True)
class Exec:
    """How one run ended. ``returncode`` is negative for a signal, None if unknown."""

    stdout: str
    stderr: str
    returncode: int | None
    timed_out: bool
    overflow: bool
    procs_hit: bool = False  # a fork failed at the pids cgroup's limit


def _signal(pid: int, sig: int, group: bool = False) -> None:
    try:
        if group:
            os.killpg(pid, sig)
        else:
            os.kill(pid, sig)
    except OSError:
        pass


def run_code(code: str, c: Containment, names: Sequence[str] = ()) -> Exec:
    """Run ``code`` as ``card.py`` under the supervisor, in a fresh temporary folder."""
    if os.name != "posix":
        raise PyflashError("check --run: running cards needs Linux or macOS (POSIX process control)")
    with tempfile.TemporaryDirectory(prefix="pyflash-run-", ignore_cleanup_errors=True) as run_dir:
        work, home = os.path.join(run_dir, "work"), os.path.join(run_dir, "home")
        os.mkdir(work, 0o700)
        os.mkdir(home, 0o700)
        with open(os.path.join(work, "card.py"), "w", encoding="utf-8") as fh:
            fh.write(code)
        command = [sys.executable, "-I", "-X", "utf8", "card.py"]
        if c.bwrap:
            command = bwrap_argv(c.bwrap, run_dir) + command
        return _supervised(command, c, work, c.env_for(names, home, home))


def _report(status: IO[bytes], timeout: float, cancel: threading.Event) -> dict[str, int | None] | None:
    """The supervisor's one-line report; None if it did not come in time (or ``cancel``)."""
    deadline = time.monotonic() + timeout
    while not cancel.is_set():
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return None
        if select.select([status], [], [], min(remaining, 0.25))[0]:
            line = status.read().decode("ascii", "replace").split()  # to EOF: it closes the pipe
            pairs = (item.partition("=") for item in line)
            return {key: int(value) if value.lstrip("-").isdigit() else None for key, _, value in pairs}
    return None


def _exited(pid: int, timeout: float) -> bool:
    """Wait for ``pid`` to exit *without reaping it*.

    While it is unreaped its pid stays reserved, so ``killpg(pid)`` can reach
    only what is left of its own process group, never a newcomer's.
    """
    deadline = time.monotonic() + timeout
    while os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is None:
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.002)
    return True


def _supervised(command: list[str], c: Containment, cwd: str, env: dict[str, str]) -> Exec:
    lim = c.limits
    read_fd, write_fd = os.pipe()
    spec = (lim.timeout, lim.cpu_seconds, lim.memory, lim.file_size, lim.processes, write_fd, os.getpid())
    with os.fdopen(read_fd, "rb") as status:
        try:
            # The supervisor asks for SIGTERM when the thread that started it ends
            # (PR_SET_PDEATHSIG); this thread waits for it below, so that is never early.
            proc = subprocess.Popen(
                [sys.executable, "-I", "-S", str(SUPERVISOR), *map(str, spec), "--", *command],
                cwd=cwd,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                pass_fds=(write_fd,),
                start_new_session=True,  # its own session and process group, for killpg
            )
        finally:
            os.close(write_fd)
        assert proc.stdout is not None and proc.stderr is not None
        stop = lambda: _signal(proc.pid, signal.SIGTERM)  # noqa: E731 - it kills everything, then reports
        out, err = _Capture(proc.stdout, lim.output, stop), _Capture(proc.stderr, lim.output, stop)
        out.start()
        err.start()
        report = None
        try:
            report = _report(status, lim.timeout + GRACE, c.cancel)
        finally:
            if not _exited(proc.pid, 0.5 if report is not None else 0):  # stuck, or interrupted (Ctrl-C)
                _signal(proc.pid, signal.SIGTERM)  # it kills every descendant on SIGTERM
                _exited(proc.pid, GRACE)
            _signal(proc.pid, signal.SIGKILL, group=True)  # anything left in its process group
            proc.wait()
    out.join(timeout=2)
    err.join(timeout=2)
    return _exec(report or {}, out, err, proc.returncode, stuck=report is None and not c.cancel.is_set())


def _exec(report: dict[str, int | None], out: _Capture, err: _Capture, status: int, stuck: bool) -> Exec:
    returncode = report.get("exit")
    if report.get("signal"):
        returncode = -(report["signal"] or 0)
    stderr = err.text()
    if not report and not stuck:
        stderr += f"\npyflash: the supervisor ended with status {status} and no report"
    timed_out = bool(report.get("timed_out")) or stuck
    return Exec(out.text(), stderr, returncode, timed_out, out.overflow or err.overflow, bool(report.get("procs_hit")))
