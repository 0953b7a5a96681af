"""The review database's schema and its migrations.

:func:`migrate` is the one piece of code that creates pyflash tables: the
store runs it on open, and ``pyflash doctor --repair`` runs it on the fresh
file it copies readable rows into.
"""

from __future__ import annotations

import sqlite3

SCHEMA_VERSION = 2
TABLES = ("cards", "reviews", "relinks")

_MIGRATE_1 = """
        CREATE TABLE cards (
            key TEXT PRIMARY KEY,
            deck TEXT NOT NULL,
            text TEXT NOT NULL DEFAULT '',
            easiness INTEGER NOT NULL DEFAULT 250,
            interval INTEGER NOT NULL DEFAULT 0,
            repetitions INTEGER NOT NULL DEFAULT 0,
            due_day INTEGER,
            suspended INTEGER NOT NULL DEFAULT 0,
            buried_until INTEGER,
            last_review TEXT,
            last_day INTEGER,
            last_grade INTEGER,
            first_day INTEGER
        ) WITHOUT ROWID;
        CREATE INDEX cards_deck ON cards(deck);
        CREATE TABLE reviews (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            key TEXT NOT NULL,
            deck TEXT NOT NULL,
            ts TEXT NOT NULL,
            day INTEGER NOT NULL,
            grade INTEGER,
            kind TEXT NOT NULL,
            before TEXT,
            after TEXT,
            answer_ms INTEGER,
            undoes INTEGER REFERENCES reviews(id)
        );
        CREATE INDEX reviews_key ON reviews(key);
        CREATE INDEX reviews_day ON reviews(day);
        CREATE TABLE relinks (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            old_key TEXT NOT NULL,
            new_key TEXT NOT NULL,
            deck TEXT NOT NULL,
            similarity REAL NOT NULL,
            ts TEXT NOT NULL
        );
"""

# Version 2: indexes for `pyflash stats` (docs/stats.md). The log is read by
# day with a covering index (no row lookups for a year of reviews), failed
# review grades (lapses, leeches) through a small partial index, undone grades
# through a partial index on ``undoes``, and today's new cards by first day.
_MIGRATE_2 = """
        CREATE INDEX IF NOT EXISTS reviews_day_stats ON reviews(day, kind, key, grade, answer_ms);
        CREATE INDEX IF NOT EXISTS reviews_lapses ON reviews(key) WHERE grade < 3 AND kind = 'review';
        CREATE INDEX IF NOT EXISTS reviews_undoes ON reviews(undoes) WHERE undoes IS NOT NULL;
        CREATE INDEX IF NOT EXISTS cards_first_day ON cards(first_day);
"""

# MIGRATIONS[n] is the SQL that brings a database from version n to n + 1.
MIGRATIONS = {0: _MIGRATE_1, 1: _MIGRATE_2}


def migrate(db: sqlite3.Connection, version: int) -> int:
    """Bring ``db`` (autocommit mode) from ``version`` to :data:`SCHEMA_VERSION`.

    Each step is one script in one transaction: a failed migration leaves the
    database as it was.
    """
    while version < SCHEMA_VERSION:
        try:
            db.executescript(
                f"BEGIN IMMEDIATE;\n{MIGRATIONS[version]}\nPRAGMA user_version = {version + 1};\nCOMMIT;"
            )
        except BaseException:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise
        version += 1
    return version
