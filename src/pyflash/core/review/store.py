"""The review store: card state and an append-only review log, in SQLite.

* Each card's state: SM-2 easiness (in hundredths, exact), interval,
  repetitions, due day, suspended, buried-until, and its last review.
* ``reviews``: an append-only log. Every grade is a row with the UTC time,
  the local day, the grade, the full card state before and after, and the
  answer time. An undo appends an ``undo`` row that points at the grade it
  took back; nothing is ever deleted from the log.
* ``relinks``: each time a card's history was carried over to an edited card.

Each write is one transaction in WAL mode with ``synchronous=FULL``: a grade
is on disk before the caller goes on, so a killed process loses nothing
graded. A file that is not a pyflash database is reported and never written.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import NamedTuple

from pyflash.core.errors import StoreError
from pyflash.core.scheduling.easiness import INITIAL_EASINESS, Easiness

SCHEMA_VERSION = 1


@dataclass(frozen=True, slots=True)
class CardState:
    """One card's row in the store."""

    key: str
    deck: str
    text: str = ""
    easiness: Easiness = INITIAL_EASINESS  # SM-2 EF; whole hundredths only in SQLite and the log's JSON
    interval: int = 0
    repetitions: int = 0
    due_day: int | None = None  # None: never reviewed (a new card)
    suspended: bool = False
    buried_until: int | None = None  # hidden while today < buried_until
    last_review: str | None = None  # UTC ISO-8601
    last_day: int | None = None  # local day of the last grade
    last_grade: int | None = None
    first_day: int | None = None  # local day of the first grade ever

    @property
    def is_new(self) -> bool:
        return self.due_day is None

    def is_buried(self, day: int) -> bool:
        return self.buried_until is not None and day < self.buried_until

    def to_json(self) -> str:
        return json.dumps({**asdict(self), "easiness": self.easiness.cents}, ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> CardState:
        data = json.loads(text)
        data.update(suspended=bool(data.get("suspended")), easiness=Easiness.from_cents(data.get("easiness", INITIAL_EASINESS.cents)))
        return cls(**data)


_COLUMNS = (
    "key, deck, text, easiness, interval, repetitions, due_day, suspended, "
    "buried_until, last_review, last_day, last_grade, first_day"
)


def _row(row: tuple) -> CardState:
    return CardState(
        row[0], row[1], row[2], Easiness.from_cents(row[3]), row[4], row[5], row[6], bool(row[7]), *row[8:]
    )


class LogEntry(NamedTuple):
    id: int
    key: str
    deck: str
    ts: str
    day: int
    grade: int | None
    kind: str  # "review" (changed SM-2 state), "repeat" (same day), "undo"
    before: CardState | None
    after: CardState | None
    answer_ms: int | None
    undoes: int | None


class Relink(NamedTuple):
    old_key: str
    new_key: str
    deck: str
    similarity: float
    ts: str


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

# MIGRATIONS[n] is the SQL that brings a database from version n to n + 1.
MIGRATIONS = {0: _MIGRATE_1}


def utc_now_iso(now: datetime) -> str:
    return now.astimezone(UTC).isoformat(timespec="milliseconds")


class Store:
    """The review database. Use as a context manager, or call :meth:`close`."""

    def __init__(self, path: str | Path | None = None) -> None:
        if path is None:
            from pyflash import paths

            path = paths.store_path()
        self.path = Path(path)
        self._db = self._open()

    # -- opening ---------------------------------------------------------

    def _fail(self, why: str) -> StoreError:
        return StoreError(
            f"{self.path}: {why}; the file was left untouched "
            "(move it away to start a fresh review history, or set PYFLASH_HOME)"
        )

    def _open(self) -> sqlite3.Connection:
        if self.path.exists() and not self.path.is_file():
            raise self._fail("is not a file")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"{self.path.parent}: cannot create the data directory ({exc.strerror})") from None
        if self.path.exists():
            try:
                with open(self.path, "rb") as fh:
                    header = fh.read(16)
            except OSError as exc:
                raise self._fail(f"cannot be read ({exc.strerror})") from None
            if header and header != b"SQLite format 3\x00":
                raise self._fail("is not a pyflash review database (not SQLite)")
        try:
            db = sqlite3.connect(self.path, isolation_level=None, timeout=10)
        except sqlite3.Error as exc:
            raise self._fail(f"cannot be opened ({exc})") from None
        try:
            version = db.execute("PRAGMA user_version").fetchone()[0]
            tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
            if version == 0 and tables:
                raise self._fail("is an SQLite database but not a pyflash one")
            if version > SCHEMA_VERSION:
                raise self._fail(
                    f"was written by a newer pyflash (schema {version}, this one knows {SCHEMA_VERSION}); upgrade pyflash"
                )
            if version and not {"cards", "reviews", "relinks"} <= tables:
                raise self._fail("is missing pyflash tables (damaged)")
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=FULL")
            db.execute("PRAGMA foreign_keys=ON")
            while version < SCHEMA_VERSION:
                # One script, one transaction: a failed migration leaves the
                # database as it was.
                try:
                    db.executescript(
                        f"BEGIN IMMEDIATE;\n{MIGRATIONS[version]}\nPRAGMA user_version = {version + 1};\nCOMMIT;"
                    )
                except BaseException:
                    if db.in_transaction:
                        db.execute("ROLLBACK")
                    raise
                version += 1
        except StoreError:
            db.close()
            raise
        except sqlite3.DatabaseError as exc:
            db.close()
            raise self._fail(f"is not a usable pyflash review database ({exc})") from None
        return db

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def schema_version(self) -> int:
        return self._db.execute("PRAGMA user_version").fetchone()[0]

    def _tx(self):
        return _Transaction(self._db)

    # -- reading ---------------------------------------------------------

    def get(self, key: str) -> CardState | None:
        row = self._db.execute(f"SELECT {_COLUMNS} FROM cards WHERE key = ?", (key,)).fetchone()
        return _row(row) if row else None

    def states(self, keys: Iterable[str] | None = None) -> dict[str, CardState]:
        """Every stored card state, by key (optionally only ``keys``)."""
        rows = self._db.execute(f"SELECT {_COLUMNS} FROM cards").fetchall()
        result = {r[0]: _row(r) for r in rows}
        if keys is not None:
            wanted = set(keys)
            result = {k: v for k, v in result.items() if k in wanted}
        return result

    def learned_keys(self) -> set[str]:
        """Keys of every card with review history."""
        return {r[0] for r in self._db.execute("SELECT key FROM cards WHERE due_day IS NOT NULL")}

    def key_sets(self, day: int) -> dict[str, set[str]]:
        """Keys by status on ``day``, for fast counting without loading states.

        ``suspended``, ``buried``, ``learned`` (reviewed at least once) and
        ``due`` (learned, due by ``day`` and not already graded that day).
        """
        db = self._db
        return {
            "suspended": {r[0] for r in db.execute("SELECT key FROM cards WHERE suspended")},
            "buried": {r[0] for r in db.execute("SELECT key FROM cards WHERE buried_until > ?", (day,))},
            "learned": {r[0] for r in db.execute("SELECT key FROM cards WHERE due_day IS NOT NULL")},
            "due": {
                r[0]
                for r in db.execute(
                    "SELECT key FROM cards WHERE due_day <= ? AND (last_day IS NULL OR last_day != ?)",
                    (day, day),
                )
            },
        }

    def log(self, key: str | None = None) -> list[LogEntry]:
        """The review log, oldest first (optionally for one card)."""
        sql = "SELECT id, key, deck, ts, day, grade, kind, before, after, answer_ms, undoes FROM reviews"
        args: tuple = ()
        if key is not None:
            sql += " WHERE key = ?"
            args = (key,)
        out = []
        for r in self._db.execute(sql + " ORDER BY id", args):
            out.append(
                LogEntry(
                    r[0], r[1], r[2], r[3], r[4], r[5], r[6],
                    CardState.from_json(r[7]) if r[7] else None,
                    CardState.from_json(r[8]) if r[8] else None,
                    r[9], r[10],
                )
            )
        return out

    def new_cards_on(self, day: int) -> int:
        """How many cards had their first review on ``day``."""
        return self._db.execute("SELECT COUNT(*) FROM cards WHERE first_day = ?", (day,)).fetchone()[0]

    def reviews_on(self, day: int) -> int:
        """How many already-learned cards were reviewed on ``day``."""
        return self._db.execute(
            "SELECT COUNT(*) FROM cards WHERE last_day = ? AND first_day < ?", (day, day)
        ).fetchone()[0]

    def relinks(self) -> list[Relink]:
        return [
            Relink(*r)
            for r in self._db.execute("SELECT old_key, new_key, deck, similarity, ts FROM relinks ORDER BY id")
        ]

    # -- writing ---------------------------------------------------------

    def _put(self, state: CardState) -> None:
        self._db.execute(
            f"INSERT OR REPLACE INTO cards ({_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (
                state.key, state.deck, state.text, state.easiness.cents, state.interval,
                state.repetitions, state.due_day, int(state.suspended), state.buried_until,
                state.last_review, state.last_day, state.last_grade, state.first_day,
            ),
        )

    def record(
        self,
        before: CardState | None,
        after: CardState,
        *,
        grade: int,
        kind: str,
        ts: str,
        day: int,
        answer_ms: int | None,
    ) -> int:
        """Write a graded card and its log row in one durable transaction."""
        with self._tx():
            current = self.get(after.key)
            if current != before:
                raise StoreError(
                    f"card {after.key} changed in the store while it was being reviewed "
                    "(is pyflash running twice?); grade not saved"
                )
            self._put(after)
            cur = self._db.execute(
                "INSERT INTO reviews (key, deck, ts, day, grade, kind, before, after, answer_ms)"
                " VALUES (?,?,?,?,?,?,?,?,?)",
                (
                    after.key, after.deck, ts, day, grade, kind,
                    before.to_json() if before else None, after.to_json(), answer_ms,
                ),
            )
            return int(cur.lastrowid)

    def last_undoable(self) -> LogEntry | None:
        row = self._db.execute(
            "SELECT id FROM reviews r WHERE kind != 'undo' AND NOT EXISTS "
            "(SELECT 1 FROM reviews u WHERE u.undoes = r.id) ORDER BY id DESC LIMIT 1"
        ).fetchone()
        if not row:
            return None
        return self._entry(row[0])

    def _entry(self, review_id: int) -> LogEntry | None:
        r = self._db.execute(
            "SELECT id, key, deck, ts, day, grade, kind, before, after, answer_ms, undoes FROM reviews WHERE id = ?",
            (review_id,),
        ).fetchone()
        if not r:
            return None
        return LogEntry(
            r[0], r[1], r[2], r[3], r[4], r[5], r[6],
            CardState.from_json(r[7]) if r[7] else None,
            CardState.from_json(r[8]) if r[8] else None,
            r[9], r[10],
        )

    def undo(self, review_id: int | None = None, *, ts: str, day: int) -> LogEntry | None:
        """Take back a grade (the last one by default): restore the state before it.

        Returns the undone log entry, or None if there is nothing to undo.
        Refuses (StoreError) when the card changed since that grade.
        """
        with self._tx():
            entry = self._entry(review_id) if review_id is not None else self.last_undoable()
            if entry is None or entry.kind == "undo":
                return None
            taken = self._db.execute("SELECT 1 FROM reviews WHERE undoes = ?", (entry.id,)).fetchone()
            if taken:
                return None
            current = self.get(entry.key)
            if current != entry.after:
                raise StoreError(f"card {entry.key} changed after that grade; cannot undo it")
            if entry.before is None:
                self._db.execute("DELETE FROM cards WHERE key = ?", (entry.key,))
            else:
                self._put(entry.before)
            self._db.execute(
                "INSERT INTO reviews (key, deck, ts, day, grade, kind, before, after, undoes)"
                " VALUES (?,?,?,?,NULL,'undo',?,?,?)",
                (
                    entry.key, entry.deck, ts, day,
                    entry.after.to_json() if entry.after else None,
                    entry.before.to_json() if entry.before else None,
                    entry.id,
                ),
            )
            return entry

    def update(self, key: str, deck: str, text: str, **changes: object) -> CardState:
        """Change flags of one card (bury, suspend), creating its row if needed."""
        with self._tx():
            state = self.get(key) or CardState(key=key, deck=deck, text=text)
            state = replace(state, **changes)  # type: ignore[arg-type]
            self._put(state)
            return state

    def set_suspended(self, keys: Sequence[tuple[str, str, str]], suspended: bool) -> None:
        """(key, deck, text) triples."""
        with self._tx():
            for key, deck, text in keys:
                state = self.get(key) or CardState(key=key, deck=deck, text=text)
                self._put(replace(state, suspended=suspended))

    def relink(self, old_key: str, new_key: str, text: str, similarity: float, ts: str) -> None:
        """Carry a card's state over to its edited version (old key -> new key)."""
        with self._tx():
            old = self.get(old_key)
            if old is None or self.get(new_key) is not None:
                return
            self._db.execute("DELETE FROM cards WHERE key = ?", (old_key,))
            self._put(replace(old, key=new_key, text=text))
            self._db.execute(
                "INSERT INTO relinks (old_key, new_key, deck, similarity, ts) VALUES (?,?,?,?,?)",
                (old_key, new_key, old.deck, similarity, ts),
            )


class _Transaction:
    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def __enter__(self) -> None:
        self.db.execute("BEGIN IMMEDIATE")

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.db.execute("COMMIT")
        else:
            self.db.execute("ROLLBACK")
