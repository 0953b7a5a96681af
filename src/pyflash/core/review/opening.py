"""Opening the review database: refuse what is not ours, find damage, migrate.

Nothing here writes to a file that is not a whole pyflash database (or an
empty one): each refusal leaves the file untouched and says why.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from pyflash.core.errors import StoreError
from pyflash.core.review.faults import DOCTOR, explain, path_problem
from pyflash.core.review.health import header_problem, open_check
from pyflash.core.review.schema import DEFAULT_LEECH_THRESHOLD, SCHEMA_VERSION, TABLES, migrate

MOVE_AWAY = "move it away to start a fresh review history, or set PYFLASH_HOME"


def _refuse(path: Path, why: str, advice: str = MOVE_AWAY) -> StoreError:
    return StoreError(f"{path}: {why}; the file was left untouched; {advice}")


def connect(path: Path, timeout: float) -> sqlite3.Connection:
    return sqlite3.connect(path, isolation_level=None, timeout=timeout)


# Every commit reaches the disk before it returns. The test suite sets OFF for the stores it opens in
# its own process (tests/conftest.py): no test can pull the plug, and the waits cost it about a minute.
SYNCHRONOUS = "FULL"


def configure(db: sqlite3.Connection) -> None:
    """WAL, a full sync at every commit (``SYNCHRONOUS``), foreign keys."""
    db.execute("PRAGMA journal_mode=WAL")
    db.execute(f"PRAGMA synchronous={SYNCHRONOUS}")
    db.execute("PRAGMA foreign_keys=ON")


def _check_file(path: Path) -> None:
    """Refuse a path that is no database file (FIFO, looping link...) or a damaged header."""
    problem = path_problem(path)
    if problem is not None:
        raise StoreError(f"{path}: {problem}")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(
            f"{path.parent}: cannot create the data folder ({exc.strerror}); create it yourself or set PYFLASH_HOME"
        ) from None
    if not path.exists():
        return
    try:
        problem = header_problem(path)
    except OSError as exc:
        raise _refuse(path, f"cannot be read ({exc.strerror})") from None
    if problem is not None:
        raise _refuse(path, problem, DOCTOR if "damaged" in problem else MOVE_AWAY)


def _prepare(path: Path, db: sqlite3.Connection, check: bool, leech_threshold: int) -> None:
    version = int(db.execute("PRAGMA user_version").fetchone()[0])
    tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    if version == 0 and tables:
        raise _refuse(path, "is an SQLite database but not a pyflash one")
    if version > SCHEMA_VERSION:
        raise _refuse(
            path, f"was written by a newer pyflash (schema {version}, this one knows {SCHEMA_VERSION}); upgrade pyflash"
        )
    if version and not set(TABLES) <= tables:
        raise _refuse(path, "is missing pyflash tables (damaged)", DOCTOR)
    configure(db)
    if check and version:
        problems = open_check(db)
        if problems:
            first = " ".join(problems[0].split())  # SQLite's report may span lines; the message is one
            raise _refuse(path, f"is damaged ({first})", DOCTOR)
    migrate(db, version, leech_threshold=leech_threshold)


def open_database(
    path: Path, timeout: float, *, check: bool = True, leech_threshold: int = DEFAULT_LEECH_THRESHOLD
) -> sqlite3.Connection:
    """A connection to the pyflash database at ``path``, created if absent (StoreError if unusable).

    ``leech_threshold``: marks the leeches of a store from before leeches (schema 5).
    """
    _check_file(path)
    try:
        db = connect(path, timeout)
    except sqlite3.Error as exc:
        raise explain(exc, path, "open the review database") from None
    try:
        _prepare(path, db, check, leech_threshold)
    except StoreError:
        db.close()
        raise
    except sqlite3.Error as exc:
        db.close()
        if str(getattr(exc, "sqlite_errorname", "")).startswith(("SQLITE_CORRUPT", "SQLITE_NOTADB")):
            raise _refuse(path, f"is damaged ({exc})", DOCTOR) from None
        raise explain(exc, path, "open the review database") from None
    return db
