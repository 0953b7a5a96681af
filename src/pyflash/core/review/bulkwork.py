"""A bulk ingest's Python work, in a thread, while SQLite writes the log (:mod:`pyflash.core.review.bulk`).

A first sync's ingest is two long halves of about the same size: Python's (the log's rows made of
the events, two JSON state texts each: :func:`~pyflash.core.review.ingest.log_rows`; then the fast
fold of the batch) and SQLite's (the rows inserted, ``reviews``' indexes made again, the days
summed). Neither needs the other's result: into an empty log, the fold reads nothing the insert
writes. So :class:`BulkWork` makes the rows in parts of :data:`PART` events in a thread of its own
and hands each part over as it is made (:meth:`BulkWork.parts`), for the caller to insert on its
connection while the thread makes the next one; then the thread folds. The sqlite3 module lets other
threads run Python during each statement, so on a second core the halves overlap.

The thread uses no connection (the caller's card rows are read before it starts) and changes
nothing the caller reads; the caller's rows are inserted in the order they were before (the relinks
first, then the reviews, in batch order), so the store is the same, row ids included.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator, Mapping
from typing import Any

from pyflash.core.events import Event
from pyflash.core.events.fastfold import _Fold
from pyflash.core.events.replay import Rules
from pyflash.core.review.ingest import _NO_CARD, Texts, _fold_run, _row_values, log_rows

__all__ = ["PART", "BulkWork", "Rows"]

PART = 20_000  # events a part: the insert starts after the first part's rows are made (~0.2 s)

Rows = list[tuple[Any, ...]]


class _Stopped(Exception):
    """The caller gave up (its insert failed): the thread ends without folding."""


class BulkWork:
    """The log rows of ``fresh`` (:meth:`parts`), then the card rows the fast fold gives (:meth:`result`),
    made in a thread started here.

    ``keys``: the cards to fold, each from its row in ``rows`` (if it has one); the events of other cards
    are not folded (the caller replays them from the log). ``part``: events a part (default :data:`PART`)."""

    def __init__(
        self, fresh: list[Event], texts: Texts | None, rules: Rules, keys: set[str], rows: Mapping[str, tuple[Any, ...]],
        *, part: int | None = None,
    ) -> None:
        self._fresh, self._texts, self._rules, self._keys, self._rows = fresh, texts, rules, keys, rows
        self._part = part or PART
        self._parts: queue.SimpleQueue[tuple[Rows, Rows] | BaseException | None] = queue.SimpleQueue()
        self._stop = False
        self._folded: dict[str, tuple[Any, ...] | None] = {}
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="pyflash-bulk-ingest", daemon=True)
        self._thread.start()

    def parts(self) -> Iterator[tuple[Rows, Rows]]:
        """(reviews rows, relinks rows) of the events, part after part as the thread makes them, in batch
        order: all the relinks first (one part), then the reviews. Raises the thread's error, if any."""
        while True:
            try:
                item = self._parts.get(timeout=1.0)
            except queue.Empty:
                if self._thread.is_alive():
                    continue
                raise RuntimeError("the bulk ingest's thread ended without its rows") from None
            if item is None:
                return
            if isinstance(item, BaseException):
                self._thread.join()
                raise item
            yield item

    def stop(self) -> None:
        """Give up (the caller's insert failed): the thread ends after the part it is making; waits for it."""
        self._stop = True
        self._thread.join()

    def result(self) -> dict[str, tuple[Any, ...] | None]:
        """The card rows the fold gives (None: no state), by key; waits for the thread. Raises its error."""
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._folded

    def _run(self) -> None:
        try:
            self._folded = self._work()
        except _Stopped:
            pass
        except BaseException as exc:  # handed to the caller by parts() or result()
            self._error = exc
            self._parts.put(exc)

    def _work(self) -> dict[str, tuple[Any, ...] | None]:
        fresh, keys = self._fresh, self._keys
        relinks = [e for e in fresh if e.kind == "relink"]
        if relinks:
            self._parts.put(([], log_rows(relinks, self._texts)[1]))
        ordered: Rows = []
        for start in range(0, len(fresh), self._part):
            if self._stop:
                raise _Stopped
            events = [e for e in fresh[start : start + self._part] if e.kind != "relink"]
            reviews = log_rows(events, self._texts)[0]
            self._parts.put((reviews, []))
            ordered += [(r[2], r[10], r[11], r[0], r[5], r[4], r[3], r[6], r[7], e.data.get("after"))
                        for r, e in zip(reviews, events, strict=True) if r[0] in keys]
        self._parts.put(None)
        if self._stop:
            raise _Stopped
        return self._fold(ordered)

    def _fold(self, ordered: Rows) -> dict[str, tuple[Any, ...] | None]:
        """The fast fold of ``ordered`` (the rows of the cards to fold), each card from its row."""
        fold = _Fold(self._rules)
        rows = self._rows
        for key in self._keys:
            row = rows.get(key)
            fold.cards[key] = [None, _row_values(row), *_NO_CARD[2:]] if row is not None else list(_NO_CARD)
        ordered.sort()
        return _fold_run(fold, ordered)
