"""The review store: card state and an append-only review log, in SQLite.

* Each card's state: SM-2 easiness (in hundredths, exact), interval,
  repetitions, due day, suspended, buried-until, and its last review.
* ``reviews``: an append-only log. Every grade is a row with the UTC time,
  the local day, the grade, the full card state before and after, and the
  answer time. A bury, suspend, unbury or unsuspend is a row too (no grade).
  An undo appends an ``undo`` row that points at the action it took back;
  nothing is ever deleted from the log.
* ``relinks``: each time a card's history was carried over to an edited card.
* Every log row and relink is an event (docs/sync.md): it has the ``device``
  that recorded it and that device's ``seq``; :attr:`Store.device_id` is this
  store's. :meth:`Store.outbox` gives this device's events, :meth:`Store.ingest`
  takes others' and replays the cards they touch (:mod:`~pyflash.core.review.events_io`).

Each write is one transaction in WAL mode with ``synchronous=FULL``: a grade
is on disk before the caller goes on, so a killed process loses nothing
graded. A file that is not a pyflash database is reported and never written.

Every SQLite error becomes a :class:`StoreError` that names the file, what
failed and what to do (see :mod:`pyflash.core.review.faults`); a write that
failed leaves the database as it was, so it can simply be tried again. Every
open runs a bounded check for damage (:mod:`pyflash.core.review.health`).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pyflash.core.errors import StoreError
from pyflash.core.review import schema as _schema
from pyflash.core.review.checkpoint import SAFETY_PAGES, Checkpointer
from pyflash.core.review.event_log import EventLog
from pyflash.core.review.faults import explain
from pyflash.core.review.opening import configure, connect, open_database
from pyflash.core.review.records import COLUMNS as _COLUMNS
from pyflash.core.review.records import LOG_COLUMNS as _LOG_COLUMNS
from pyflash.core.review.records import CardState, LogEntry, Relink, utc_now_iso
from pyflash.core.review.records import log_entry as _log_entry
from pyflash.core.review.records import row_state as _row
from pyflash.core.review.rules import Rules
from pyflash.core.review.schema import COUNT_LAPSES, DEFAULT_LEECH_THRESHOLD, MIGRATIONS, SCHEMA_VERSION, number_events
from pyflash.core.review.transaction import Transaction as _Transaction
from pyflash.core.review.transaction import guarded as _guarded

if TYPE_CHECKING:
    from pyflash.core.review.imported import HistoryCounts, ImportedHistory

__all__ = ["MIGRATIONS", "SCHEMA_VERSION", "CardState", "LogEntry", "Relink", "Store", "utc_now_iso"]

_COLUMN_NAMES = tuple(c.strip() for c in _COLUMNS.split(","))


def _values(state: CardState) -> tuple[Any, ...]:
    """The row of ``state``, in the order of ``_COLUMNS``."""
    return (
        state.key, state.deck, state.text, state.easiness.cents, state.interval,
        state.repetitions, state.due_day, int(state.suspended), state.buried_until,
        state.last_review, state.last_day, state.last_grade, state.first_day, state.memory, int(state.leech),
    )


def _keys(db: sqlite3.Connection, where: str, *args: object) -> set[str]:
    """The keys of the cards ``where`` says, in one string from SQLite (a row per key costs several times more)."""
    count, joined = db.execute(f"SELECT COUNT(*), group_concat(key, char(31)) FROM cards WHERE {where}", args).fetchone()
    keys = set(joined.split("\x1f")) if joined is not None else set()
    if len(keys) != count:  # a key holding the separator: a row per key
        keys = {r[0] for r in db.execute(f"SELECT key FROM cards WHERE {where}", args)}
    return keys


# After these errors the connection is reopened before the next write (a file
# opened read-only stays read-only until it is reopened).
_REOPEN = ("SQLITE_READONLY", "SQLITE_CANTOPEN", "SQLITE_IOERR")


class Store(EventLog):
    """The review database. Use as a context manager, or call :meth:`close`.

    ``timeout`` is how long a write waits for another program's lock;
    ``check=False`` skips the bounded damage check (``pyflash doctor`` does
    its own).
    """

    def __init__(
        self, path: str | Path, *, timeout: float = 10.0, check: bool = True, leech_threshold: int = DEFAULT_LEECH_THRESHOLD
    ) -> None:
        self.path = Path(path)
        self.timeout = timeout
        self._reopen = False
        self._db = open_database(self.path, timeout, check=check, leech_threshold=leech_threshold)
        self._device: str | None = None
        # How a conflicting grade is re-graded on ingest (the workspace sets its scheduler and leech settings).
        self.rules = Rules(leech_threshold=leech_threshold)
        self._checkpoints = Checkpointer(self.path)
        self._db.execute(f"PRAGMA wal_autocheckpoint={SAFETY_PAGES}")

    # -- opening ---------------------------------------------------------

    def _fault(self, exc: sqlite3.Error, doing: str) -> StoreError:
        if str(getattr(exc, "sqlite_errorname", "")).startswith(_REOPEN):
            self._reopen = True
        return explain(exc, self.path, doing)

    def _reconnect(self) -> None:
        """Open the file again after a failed write (it may have been made writable since)."""
        db = connect(self.path, self.timeout)
        try:
            configure(db)
        except BaseException:
            db.close()
            raise
        db.execute(f"PRAGMA wal_autocheckpoint={SAFETY_PAGES}")
        self._db.close()
        self._db = db
        self._reopen = False

    def close(self) -> None:
        self._checkpoints.close()
        self._db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def connection(self) -> sqlite3.Connection:
        """The open SQLite connection (for backups and the doctor; read only)."""
        return self._db

    @property
    @_guarded("read the schema version")
    def schema_version(self) -> int:
        return int(self._db.execute("PRAGMA user_version").fetchone()[0])

    def _tx(self) -> _Transaction:
        if self._reopen:
            self._reconnect()
        return _Transaction(self._db, self._checkpoints.committed)

    # -- reading ---------------------------------------------------------

    @_guarded("read a card's state")
    def get(self, key: str) -> CardState | None:
        row = self._db.execute(f"SELECT {_COLUMNS} FROM cards WHERE key = ?", (key,)).fetchone()
        return _row(row) if row else None

    @_guarded("read the card states")
    def states(self, keys: Iterable[str] | None = None) -> dict[str, CardState]:
        """Every stored card state, by key (optionally only ``keys``)."""
        rows = self._db.execute(f"SELECT {_COLUMNS} FROM cards").fetchall()
        result = {r[0]: _row(r) for r in rows}
        if keys is not None:
            wanted = set(keys)
            result = {k: v for k, v in result.items() if k in wanted}
        return result

    @_guarded("read the learned cards")
    def learned_states(self) -> list[CardState]:
        """The state of every card with review history."""
        return [_row(r) for r in self._db.execute(f"SELECT {_COLUMNS} FROM cards WHERE due_day IS NOT NULL")]

    @_guarded("read the cards' FSRS states")
    def states_with_memory(self) -> list[CardState]:
        """The cards that have an FSRS memory (through the partial index ``cards_memory``)."""
        sql = f"SELECT {_COLUMNS} FROM cards INDEXED BY cards_memory WHERE memory IS NOT NULL"
        return [_row(r) for r in self._db.execute(sql)]

    @_guarded("read the learned cards")
    def learned_keys(self) -> set[str]:
        """Keys of every card with review history."""
        return _keys(self._db, "due_day IS NOT NULL")

    @_guarded("count the cards")
    def key_sets(self, day: int) -> dict[str, set[str]]:
        """Keys by status on ``day``, for fast counting without loading states.

        ``suspended``, ``buried``, ``learned`` (reviewed at least once) and
        ``due`` (learned, due by ``day`` and not already graded that day).
        """
        return {
            "suspended": _keys(self._db, "suspended != 0"),  # (through its partial index)
            "buried": _keys(self._db, "buried_until > ?", day),
            "learned": _keys(self._db, "due_day IS NOT NULL"),
            "due": _keys(self._db, "due_day <= ? AND (last_day IS NULL OR last_day != ?)", day, day),
        }

    @_guarded("read the review log")
    def log(self, key: str | None = None) -> list[LogEntry]:
        """The review log, oldest first (optionally for one card)."""
        sql = f"SELECT {_LOG_COLUMNS} FROM reviews"
        args: tuple[str, ...] = ()
        if key is not None:
            sql += " WHERE key = ?"
            args = (key,)
        return [_log_entry(r) for r in self._db.execute(sql + " ORDER BY id", args)]

    @_guarded("count the card's lapses")
    def lapses(self, key: str) -> int:
        """How many times the card lapsed (docs/scheduling.md), its relinked history included."""
        return int(self._db.execute(COUNT_LAPSES, {"key": key}).fetchone()[0])

    @_guarded("count today's new cards")
    def new_cards_on(self, day: int) -> int:
        """How many cards had their first review on ``day``."""
        return int(self._db.execute("SELECT COUNT(*) FROM cards WHERE first_day = ?", (day,)).fetchone()[0])

    @_guarded("count today's reviews")
    def reviews_on(self, day: int) -> int:
        """How many already-learned cards were reviewed on ``day``."""
        sql = "SELECT COUNT(*) FROM cards WHERE last_day = ? AND first_day < ?"
        return int(self._db.execute(sql, (day, day)).fetchone()[0])

    @_guarded("count today's new cards per deck")
    def new_by_deck(self, day: int) -> dict[str, int]:
        """New cards studied on ``day``, by the deck each card was in (``pyflash decks`` needs only these)."""
        return dict(self._db.execute("SELECT deck, COUNT(*) FROM cards WHERE first_day = ? GROUP BY deck", (day,)).fetchall())

    @_guarded("count today's cards per deck")
    def studied_by_deck(self, day: int) -> tuple[dict[str, int], dict[str, int]]:
        """(new cards, reviews) studied on ``day``, by the deck each card was in."""
        new = self.new_by_deck(day)
        reviews = dict(
            self._db.execute(
                "SELECT deck, COUNT(*) FROM cards WHERE last_day = ? AND first_day < ? GROUP BY deck", (day, day)
            ).fetchall()
        )
        return new, reviews

    @_guarded("read the relinked cards")
    def relinks(self) -> list[Relink]:
        return [
            Relink(*r)
            for r in self._db.execute("SELECT old_key, new_key, deck, similarity, ts FROM relinks ORDER BY id")
        ]

    # -- writing ---------------------------------------------------------

    def _put(self, state: CardState) -> None:
        self._db.execute(f"INSERT OR REPLACE INTO cards ({_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", _values(state))

    def _change_row(self, stored: CardState | None, state: CardState) -> None:
        """Write ``state`` over the row ``stored`` (read in this transaction; None: no row yet), setting
        only the columns that differ: an UPDATE touches those columns' indexes alone, where INSERT OR
        REPLACE takes the row out of every index of ``cards`` and back (more pages in the commit)."""
        if stored is None or stored.key != state.key:
            self._put(state)
            return
        old, new = _values(stored), _values(state)
        changed = [i for i in range(1, len(new)) if old[i] != new[i]]
        if changed:
            sets = ", ".join(f"{_COLUMN_NAMES[i]} = ?" for i in changed)
            self._db.execute(f"UPDATE cards SET {sets} WHERE key = ?", [*(new[i] for i in changed), state.key])

    @_guarded("save the schedule of the cards (nothing was changed)")
    def reschedule(self, states: Iterable[CardState]) -> int:
        """Write recomputed schedules (a change of scheduler, docs/scheduling.md) in one
        transaction. Not logged: the log is what the states were computed from."""
        n = 0
        with self._tx():
            for state in states:
                self._put(state)
                n += 1
        return n

    @_guarded("read the review log")
    def graded_rows(self, keys: Iterable[str] | None = None) -> list[tuple[str, int, str, int, str, int | None]]:
        """(key, id, ts, grade or -1 for a reset, kind, day) of every grade still in effect (not undone)
        and every ``forget``, in log order: what a scheduler replays."""
        sql = (
            "SELECT key, id, ts, COALESCE(grade, -1), kind, day FROM reviews r"
            " WHERE (grade IS NOT NULL OR kind = 'forget') AND kind NOT IN ('undo', 'cram')"
            " AND NOT EXISTS (SELECT 1 FROM reviews u WHERE u.undoes = r.id)"
        )
        if keys is None:
            return list(self._db.execute(sql + " ORDER BY key, id"))
        rows: list[tuple[str, int, str, int, str, int | None]] = []
        wanted = list(dict.fromkeys(keys))
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            marks = ",".join("?" * len(chunk))
            rows.extend(self._db.execute(sql + f" AND key IN ({marks}) ORDER BY key, id", chunk))
        rows.sort(key=lambda r: (r[0], r[1]))
        return rows

    @_guarded("save the grade (the card stays due: grade it again once this is fixed)")
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
        typed: str | None = None,
    ) -> int:
        """Write a graded card and its log row (with the answer ``typed``, if any) in one durable transaction."""
        with self._tx():
            current = self.get(after.key)
            if current != before:
                raise StoreError(
                    f"card {after.key} changed in the store while it was being reviewed "
                    "(is pyflash running twice?); grade not saved"
                )
            self._change_row(current, after)
            cur = self._db.execute(
                "INSERT INTO reviews (key, deck, ts, day, grade, kind, before, after, answer_ms, typed, device, seq)"
                " VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                (
                    after.key, after.deck, ts, day, grade, kind,
                    before.to_json() if before else None, after.to_json(), answer_ms, typed, *self._seq(),
                ),
            )
            return int(cur.lastrowid or 0)

    @_guarded("save the cards (nothing was changed)")
    def change(
        self, /, cards: Sequence[tuple[str, str, str]], *, kind: str, ts: str, day: int, **changes: Any
    ) -> list[tuple[int, CardState]]:
        """Bury, suspend, unbury or unsuspend (key, deck, text) cards, each logged as ``kind``
        (so it can be undone), in one durable transaction; creates missing rows.
        Returns (log id, new state) per card."""
        done: list[tuple[int, CardState]] = []
        with self._tx():
            for key, deck, text in cards:
                before = self.get(key)
                after = replace(before or CardState(key=key, deck=deck, text=text), **changes)
                self._change_row(before, after)
                cur = self._db.execute(
                    "INSERT INTO reviews (key, deck, ts, day, grade, kind, before, after, device, seq)"
                    " VALUES (?,?,?,?,NULL,?,?,?,?,?)",
                    (key, after.deck, ts, day, kind, before.to_json() if before else None, after.to_json(), *self._seq()),
                )
                done.append((int(cur.lastrowid or 0), after))
        return done

    @_guarded("import the review history (nothing was changed)")
    def add_history(self, histories: Sequence[ImportedHistory]) -> HistoryCounts:
        """Log imported histories and set the cards' states, in one durable transaction
        (see :mod:`pyflash.core.review.imported`)."""
        from pyflash.core.review.imported import write_history  # deferred: start-up time (import-anki only)

        with self._tx():
            counts = write_history(self._db, histories, self._put)
            number_events(self._db)  # the imported rows become this device's events
            return counts

    @_guarded("read the review log")
    def last_undoable(self) -> LogEntry | None:
        row = self._db.execute(
            "SELECT id FROM reviews r WHERE kind != 'undo' AND NOT EXISTS "
            "(SELECT 1 FROM reviews u WHERE u.undoes = r.id) ORDER BY id DESC LIMIT 1"
        ).fetchone()
        if not row:
            return None
        return self._entry(row[0])

    def _entry(self, review_id: int) -> LogEntry | None:
        r = self._db.execute(f"SELECT {_LOG_COLUMNS} FROM reviews WHERE id = ?", (review_id,)).fetchone()
        return _log_entry(r) if r else None

    @_guarded("undo (nothing was changed)")
    def undo(self, review_id: int | None = None, *, ts: str, day: int) -> LogEntry | None:
        """Take back a logged action (the last one by default): a grade, a bury,
        a suspend, ... The card's state before it is restored.

        Returns the undone log entry, or None if there is nothing to undo.
        Refuses (StoreError) when the card changed since that action.
        """
        with self._tx():
            entry = self._entry(review_id) if review_id is not None else self.last_undoable()
            if entry is None or entry.kind == "undo":
                return None
            taken = self._db.execute("SELECT 1 FROM reviews WHERE undoes = ?", (entry.id,)).fetchone()
            if taken:
                return None
            current = self.get(entry.key)
            if current != entry.after or self._db.execute(_schema.ACTED_ON_SINCE, (entry.key, entry.id)).fetchone():
                what = "grade" if entry.grade is not None else entry.kind
                raise StoreError(f"card {entry.key} changed after that {what}; cannot undo it")
            if entry.before is None:
                self._db.execute("DELETE FROM cards WHERE key = ?", (entry.key,))
            else:
                self._change_row(current, entry.before)
            self._db.execute(
                "INSERT INTO reviews (key, deck, ts, day, grade, kind, before, after, undoes, undoes_event, device, seq)"
                " VALUES (?,?,?,?,NULL,'undo',?,?,?,(SELECT event_id FROM reviews WHERE id = ?),?,?)",
                (
                    entry.key, entry.deck, ts, day,
                    entry.after.to_json() if entry.after else None,
                    entry.before.to_json() if entry.before else None,
                    entry.id, entry.id, *self._seq(),
                ),
            )
            return entry

    @_guarded("save the card (nothing was changed)")
    def update(self, /, key: str, deck: str, text: str, **changes: Any) -> CardState:
        """Change flags of one card (bury, suspend), creating its row if needed."""
        with self._tx():
            state = self.get(key) or CardState(key=key, deck=deck, text=text)
            state = replace(state, **changes)
            self._put(state)
            return state

    @_guarded("carry a card's history over to its edited version")
    def relink(self, old_key: str, new_key: str, text: str, similarity: float, ts: str) -> None:
        """Carry a card's state over to its edited version (old key -> new key)."""
        with self._tx():
            old = self.get(old_key)
            if old is None or self.get(new_key) is not None:
                return
            self._db.execute("DELETE FROM cards WHERE key = ?", (old_key,))
            self._put(replace(old, key=new_key, text=text))
            self._db.execute(
                "INSERT INTO relinks (old_key, new_key, deck, similarity, ts, text, device, seq) VALUES (?,?,?,?,?,?,?,?)",
                (old_key, new_key, old.deck, similarity, ts, text, *self._seq()),
            )

    @_guarded("carry renumbered cloze cards' history over to their new numbers")
    def rekey(self, moves: dict[str, str], texts: dict[str, str], ts: str) -> None:
        """Move several cards' states at once (old key -> new key), in one transaction.

        The keys may overlap (c2 -> c3 while c3 -> c2): every old row is read
        and deleted first. ``texts``: the identity text under each new key.
        A new key whose stored row is not moved away must not be a target.
        """
        with self._tx():
            olds = [(old, self.get(old)) for old in moves]
            for old, _ in olds:
                self._db.execute("DELETE FROM cards WHERE key = ?", (old,))
            for old, state in olds:
                if state is None:
                    continue
                new = moves[old]
                self._put(replace(state, key=new, text=texts.get(new, state.text)))
                self._db.execute(
                    "INSERT INTO relinks (old_key, new_key, deck, similarity, ts, text, rekey, device, seq)"
                    " VALUES (?,?,?,?,?,?,1,?,?)",
                    (old, new, state.deck, 1.0, ts, texts.get(new, state.text), *self._seq()),
                )
