"""The store's write path (:class:`StoreWrites`, a base of :class:`~pyflash.core.review.store.Store`).

A grade (:meth:`~StoreWrites.record`), a bury, suspend, unbury, unsuspend or
forget (:meth:`~StoreWrites.change`), an undo, an edited card's history carried
over (:meth:`~StoreWrites.relink`, :meth:`~StoreWrites.rekey`), recomputed
schedules and imported histories. Each is one durable transaction
(``Store._tx``); every logged row is numbered as this device's event
(``_seq``, :mod:`pyflash.core.review.event_log`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from pyflash.core.errors import StoreError
from pyflash.core.review import schema as _schema
from pyflash.core.review.records import COLUMNS as _COLUMNS
from pyflash.core.review.records import CardState, LogEntry
from pyflash.core.review.schema import number_events
from pyflash.core.review.store_reads import StoreReads
from pyflash.core.review.transaction import guarded as _guarded

if TYPE_CHECKING:
    from pyflash.core.review.imported import HistoryCounts, ImportedHistory
    from pyflash.core.review.transaction import Transaction

_COLUMN_NAMES = tuple(c.strip() for c in _COLUMNS.split(","))


def _values(state: CardState) -> tuple[Any, ...]:
    """The row of ``state``, in the order of ``_COLUMNS``."""
    return (
        state.key, state.deck, state.text, state.easiness.cents, state.interval,
        state.repetitions, state.due_day, int(state.suspended), state.buried_until,
        state.last_review, state.last_day, state.last_grade, state.first_day, state.memory, int(state.leech),
    )


class StoreWrites(StoreReads):
    """The store's writes (a base of :class:`~pyflash.core.review.store.Store`, which gives ``_tx``;
    ``_seq`` is :class:`~pyflash.core.review.event_log.EventLog`'s)."""

    if TYPE_CHECKING:

        def _tx(self) -> Transaction: ...

        def _seq(self) -> tuple[str, int]: ...

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
