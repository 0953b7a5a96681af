"""The store's write transaction, and the guard that turns SQLite errors into messages.

:class:`Transaction` is ``BEGIN IMMEDIATE ... COMMIT`` with a rollback on any
failure; :func:`guarded` wraps a store method so that an ``sqlite3.Error`` becomes
the ``StoreError`` the store's ``_fault`` builds (naming the file and what failed).
"""

from __future__ import annotations

import functools
import sqlite3
from collections.abc import Callable
from types import TracebackType
from typing import Concatenate, ParamSpec, Protocol, TypeVar

from pyflash.core.errors import StoreError

P = ParamSpec("P")
R = TypeVar("R")


class _Faulting(Protocol):
    def _fault(self, exc: sqlite3.Error, doing: str) -> StoreError: ...


S = TypeVar("S", bound=_Faulting)


def guarded(doing: str) -> Callable[[Callable[Concatenate[S, P], R]], Callable[Concatenate[S, P], R]]:
    """Turn an SQLite error inside the method into a StoreError saying what failed."""

    def wrap(method: Callable[Concatenate[S, P], R]) -> Callable[Concatenate[S, P], R]:
        @functools.wraps(method)
        def run(self: S, /, *args: P.args, **kwargs: P.kwargs) -> R:
            try:
                return method(self, *args, **kwargs)
            except sqlite3.Error as exc:
                raise self._fault(exc, doing) from None

        return run

    return wrap


class Transaction:
    """BEGIN IMMEDIATE ... COMMIT; on any failure (COMMIT's own included) a rollback."""

    def __init__(self, db: sqlite3.Connection, committed: Callable[[], None]) -> None:
        self.db = db
        self.committed = committed

    def __enter__(self) -> None:
        self.db.execute("BEGIN IMMEDIATE")

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if exc_type is None:
            try:
                self.db.execute("COMMIT")
            except sqlite3.Error:
                self._rollback()
                raise
            self.committed()
        else:
            self._rollback()

    def _rollback(self) -> None:
        if self.db.in_transaction:
            try:
                self.db.execute("ROLLBACK")
            except sqlite3.Error:
                pass  # SQLite rolls back on its own after some errors (full disk, I/O)
