"""History from another program (Anki): typed records, and writing them into the store.

An importer (``pyflash import-anki --with-history``) builds one
:class:`ImportedHistory` per card: its graded reviews, oldest first, each
with the card's state before and after, and the card's state now. The store
writes them with :func:`add_history`, in one transaction:

* review rows go into the append-only log as ``review`` / ``repeat`` rows,
  like grades given in pyflash (a suspend or bury at the end as its own row);
  a row already logged for the card at the same time is not logged again,
  so importing the same package twice adds nothing;
* the card's state is set to the imported one, unless the card was reviewed
  in pyflash after the imported history ends (then pyflash's state is kept).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from pyflash.core.review.records import CardState
from pyflash.core.scheduling.states import ReviewKind

__all__ = ["HistoryCounts", "ImportedHistory", "ImportedReview", "write_history"]


@dataclass(frozen=True, slots=True)
class ImportedReview:
    """One logged event of an imported history: a grade (or a suspend or bury, without one)."""

    ts: str  # UTC ISO-8601, as utc_now_iso writes it
    day: int  # the study day, in the user's zone
    grade: int | None  # 0..5; None for a suspend or bury
    kind: ReviewKind  # REVIEW, REPEAT, SUSPEND or BURY
    before: CardState | None
    after: CardState
    answer_ms: int | None = None


@dataclass(frozen=True, slots=True)
class ImportedHistory:
    """One card's imported history and its state now (its schedule, suspended, buried)."""

    key: str
    deck: str
    text: str
    reviews: tuple[ImportedReview, ...]
    state: CardState


@dataclass
class HistoryCounts:
    cards: int = 0  # cards whose state was set
    reviews: int = 0  # graded log rows added
    actions: int = 0  # suspend and bury rows added
    kept: int = 0  # cards studied in pyflash since: their pyflash state was kept
    repeated: int = 0  # graded log rows already there (an earlier import of the same history)


def write_history(
    db: sqlite3.Connection, histories: Sequence[ImportedHistory], write: Callable[[CardState], None]
) -> HistoryCounts:
    """Log every history and set each card's state; ``db`` is inside a transaction.

    ``write`` is the store's own row writer (one CardState row).
    """
    counts = HistoryCounts()
    for history in histories:
        logged = {row[0] for row in db.execute("SELECT ts FROM reviews WHERE key = ?", (history.key,))}
        for event in history.reviews:
            if event.ts in logged:
                counts.repeated += event.grade is not None
                continue
            db.execute(
                "INSERT INTO reviews (key, deck, ts, day, grade, kind, before, after, answer_ms)"
                " VALUES (?,?,?,?,?,?,?,?,?)",
                (
                    history.key, history.deck, event.ts, event.day, event.grade, str(event.kind),
                    event.before.to_json() if event.before else None, event.after.to_json(), event.answer_ms,
                ),
            )
            if event.grade is None:
                counts.actions += 1
            else:
                counts.reviews += 1
        row = db.execute("SELECT last_review FROM cards WHERE key = ?", (history.key,)).fetchone()
        ours = row[0] if row else None
        theirs = history.state.last_review
        if ours is not None and (theirs is None or ours > theirs):
            counts.kept += 1
            continue
        write(history.state)
        counts.cards += 1
    return counts
