"""User-facing errors: one line, ``path:line:col: what is wrong (and how to fix it)``."""

# No `from __future__ import annotations` here: a NamedTuple's string annotations are compiled one
# by one at import, at every start (tests/test_startup_imports.py).
from typing import NamedTuple


class PyflashError(Exception):
    """A mistake the user can fix. The CLI prints it on one line and exits 2."""

    exit_code = 2


class DeckError(NamedTuple):
    """One problem in one deck file, at a 1-based line and column (sorts by place)."""

    path: str
    line: int
    col: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.col}: {self.message}"


class StoreError(PyflashError):
    """The review database cannot be used (corrupt, locked, too new...)."""


def utf8_error_position(data: bytes, exc: UnicodeDecodeError) -> tuple[int, int]:
    """The 1-based (line, column) of the first byte that is not UTF-8."""
    before = data[: exc.start]
    return before.count(b"\n") + 1, exc.start - (before.rfind(b"\n") + 1) + 1
