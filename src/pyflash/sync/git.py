"""The system ``git``, run as a subprocess (docs/sync.md says why not a library).

Every call names the working copy with ``-C`` and never asks a question on the
terminal unless the caller allows it (``interactive``): the TUI's automatic
sync runs with ``GIT_TERMINAL_PROMPT=0`` and no stdin, so a remote that wants a
password fails at once instead of hanging the screen.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import time
from collections.abc import Mapping
from pathlib import Path

from pyflash.core.errors import PyflashError

__all__ = ["Git", "GitError", "GitMissing", "redact"]


class GitMissing(PyflashError):
    """``git`` is not installed (or not on PATH)."""


class GitError(PyflashError):
    """A git command failed; ``stderr`` is git's own explanation."""

    def __init__(self, message: str, stderr: str = "") -> None:
        super().__init__(message)
        self.stderr = stderr


def redact(text: str) -> str:
    """``text`` with the password or token of any ``scheme://user:secret@host`` URL masked."""
    return re.sub(r"(//)[^/@\s]+@", r"\1***@", text)


def _first_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    for line in lines:  # git's "fatal:" / "error:" line says the most
        if line.startswith(("fatal:", "error:")):
            return redact(line)
    return redact(lines[0]) if lines else "no message"


class Git:
    """``git -C repo ...`` with a timeout, in environment ``env`` (the caller's; pyflash.sync reads none)."""

    def __init__(
        self,
        repo: Path,
        *,
        env: Mapping[str, str],
        interactive: bool = True,
        timeout: float | None = None,
        executable: str = "git",
    ) -> None:
        self.repo = repo
        self.timeout = timeout
        self.interactive = interactive
        found = shutil.which(executable, path=env.get("PATH", ""))
        if found is None:
            raise GitMissing(
                "pyflash sync needs git, and git was not found on PATH (install git: https://git-scm.com/downloads)"
            )
        self.executable = found
        self.env = dict(env)
        self.seconds = 0.0  # wall time spent in git processes so far (bench/sync.py: a sync's own time is the rest)
        if not interactive:
            self.env["GIT_TERMINAL_PROMPT"] = "0"
            self.env.setdefault("GIT_SSH_COMMAND", "ssh -o BatchMode=yes")

    def run(self, *args: str, check: bool = True, network: bool = False) -> subprocess.CompletedProcess[str]:
        """Run ``git -C repo args...``; a failure raises :class:`GitError` when ``check``.

        ``network``: the command talks to the remote (fetch, push), so its
        timeout applies; local commands are never cut short.
        """
        start = time.perf_counter()
        try:
            done = subprocess.run(
                [self.executable, "-C", str(self.repo), *args],
                capture_output=True,
                text=True,
                env=self.env,
                stdin=None if self.interactive else subprocess.DEVNULL,
                timeout=self.timeout if network else None,
            )
        except subprocess.TimeoutExpired:
            raise GitError(f"git {args[0]} took longer than {self.timeout:g} s (is the remote reachable?)") from None
        except FileNotFoundError:
            raise GitMissing("pyflash sync needs git, and git was not found (install git: https://git-scm.com/downloads)") from None
        finally:
            self.seconds += time.perf_counter() - start
        if check and done.returncode != 0:
            raise GitError(f"git {args[0]} failed: {_first_line(done.stderr or done.stdout)}", done.stderr)
        return done

    def out(self, *args: str) -> str:
        """The stripped stdout of a command that must succeed."""
        return self.run(*args).stdout.strip()

    def ok(self, *args: str) -> bool:
        """Whether the command exits 0 (for questions such as ``rev-parse --verify``)."""
        return self.run(*args, check=False).returncode == 0

