"""Ingest: store events from elsewhere and re-derive the cards they touch (docs/sync.md).

:func:`ingest_events` stores the events whose id is new, then replays every
card they touch (:mod:`pyflash.core.events.replay`), with the card's whole
relink family. A card whose new events all come after every event it had
continues from its row: the replay of those, by induction; what that replay
may ask about the card's history before (its last applied event, its logged
lapses) is read for all such cards at once (:meth:`_Before.prefetch`). Only
the rows that changed are written, in one statement.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from pyflash.core.events import GRADE_KINDS, Event, IngestResult, canonical_ts, split_id
from pyflash.core.events.fastfold import _differs, _Fold, row_of, values_of, with_objs
from pyflash.core.events.replay import LAPSE_BELOW, Rules, Step, replay_steps, state_json
from pyflash.core.review.event_log import key_chunks as _chunks
from pyflash.core.review.events_io import families, steps_for
from pyflash.core.review.overlap import database_file, insert_many, meanwhile, reading
from pyflash.core.review.records import COLUMNS, CardState, row_state
from pyflash.core.review.schema import LAPSE_ROWS
from pyflash.core.review.statetext import KEYS

__all__ = ["ingest_events", "insert_rows", "log_rows", "new_events", "put_states"]

OVERLAP_MIN = 1000  # from this many new events on, the reads and the fold run apart (a second connection: ~15 ms)


def _known(db: sqlite3.Connection, events: list[Event]) -> set[tuple[str, int]]:
    """(device, seq) of the events already stored: one range read per device and table."""
    ranges: dict[str, tuple[int, int]] = {}
    for e in events:
        low, high = ranges.get(e.device, (e.seq, e.seq))
        ranges[e.device] = (min(low, e.seq), max(high, e.seq))
    known: set[tuple[str, int]] = set()
    for device, (low, high) in ranges.items():
        for table in ("reviews", "relinks"):
            sql = f"SELECT seq FROM {table} WHERE device = ? AND seq BETWEEN ? AND ?"
            known.update((device, r[0]) for r in db.execute(sql, (device, low, high)))
    return known


def _resolve_undos(db: sqlite3.Connection) -> None:
    """Point every undo row at the local row of the event it names, once that event is here."""
    waiting = db.execute(
        "SELECT id, undoes_event FROM reviews INDEXED BY reviews_undoes_event"
        " WHERE undoes_event IS NOT NULL AND undoes IS NULL"
    ).fetchall()
    for rid, ident in waiting:
        parts = split_id(ident)
        if parts is None:
            continue
        row = db.execute("SELECT id FROM reviews WHERE device = ? AND seq = ?", parts).fetchone()
        if row is not None:
            db.execute("UPDATE reviews SET undoes = ? WHERE id = ?", (row[0], rid))


Texts = Mapping[int, tuple[str | None, str]]  # id(event) -> its states' stored texts (Store.ingest_decoded)


def log_rows(fresh: list[Event], texts: Texts | None = None) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """(the ``reviews`` rows, the ``relinks`` rows) of the events (``texts``: the stored texts of some
    events' states, made already)."""
    reviews, relinks = [], []
    made = texts.get if texts else None
    for event in fresh:
        d = event.data
        ts = canonical_ts(event.ts)
        if event.kind == "relink":
            relinks.append((event.card, d["new"], d["deck"], float(d.get("similarity", 0.0)), ts, event.device,
                            event.seq, d.get("text"), int(bool(d.get("rekey")))))
            continue
        pair = made(id(event)) if made is not None else None
        before, after = pair if pair is not None else (state_json(d.get("before")), state_json(d.get("after")))
        reviews.append((event.card, d["deck"], ts, d["day"], d.get("grade"), event.kind, before, after,
                        d.get("answer_ms"), d.get("typed"), event.device, event.seq, d.get("undoes")))
    return reviews, relinks


def _waiting_undo(db: sqlite3.Connection) -> bool:
    """Whether some logged undo names an event not here yet (_resolve_undos points it at its row)."""
    return db.execute(
        "SELECT 1 FROM reviews INDEXED BY reviews_undoes_event WHERE undoes_event IS NOT NULL AND undoes IS NULL LIMIT 1"
    ).fetchone() is not None


def _steps(fresh: list[Event], reviews: list[tuple[Any, ...]], relinks: list[tuple[Any, ...]]) -> list[Step]:
    """Each event as a replay step (in the same order), from its log row (:func:`log_rows`)."""
    steps, review_rows, relink_rows = [], iter(reviews), iter(relinks)
    for event in fresh:
        if event.kind == "relink":
            card, new, _deck, _similarity, ts, device, seq, text, rekey = next(relink_rows)
            steps.append(Step(ts, device, seq, card, "relink", None, None, new=new, text=text, rekey=bool(rekey)))
        else:
            card, _deck, ts, day, grade, kind, before, after, _ms, _typed, device, seq, undoes = next(review_rows)
            data = event.data.get("after")
            steps.append(Step(ts, device, seq, card, kind, before, after, grade, day, undoes, None, None, False,
                              data if type(data) is dict else None))
    return steps


_LAST = (
    "SELECT key, device, after FROM (SELECT key, device, after, ROW_NUMBER() OVER"
    " (PARTITION BY key ORDER BY ts DESC, device DESC, seq DESC) AS n FROM reviews r"
    " WHERE key IN ({marks}) AND id <= ? AND kind != 'undo' AND NOT EXISTS (SELECT 1 FROM reviews u WHERE u.undoes = r.id))"
    " WHERE n = 1"
)


class _Before:
    """The history of a card before this ingest's events (the store's rows up to ``top``), read on demand;
    :meth:`prefetch` reads it for many cards at once (what :meth:`last` and :meth:`lapses` then answer)."""

    def __init__(self, db: sqlite3.Connection, top: int) -> None:
        self.db, self.top = db, top
        self.known_last: dict[str, tuple[str, str | None] | None] = {}
        self.known_lapses: dict[str, int] = {}

    def prefetch(self, last: Iterable[str], lapses: Iterable[str]) -> None:
        for marks, chunk in _chunks(sorted(set(last))):
            self.known_last.update(dict.fromkeys(chunk))
            for key, device, after in self.db.execute(_LAST.format(marks=marks), [*chunk, self.top]):
                self.known_last[key] = (str(device), after)
        for marks, chunk in _chunks(sorted(set(lapses))):
            self.known_lapses.update(dict.fromkeys(chunk, 0))
            sql = f"SELECT r.key, COUNT(*) FROM reviews r WHERE key IN ({marks}) AND id <= ? AND {LAPSE_ROWS} GROUP BY r.key"
            self.known_lapses.update((k, int(n)) for k, n in self.db.execute(sql, [*chunk, self.top]))

    def last(self, key: str) -> tuple[str, str | None] | None:
        if key in self.known_last:
            return self.known_last[key]
        row = self.db.execute(
            "SELECT device, after FROM reviews r WHERE key = ? AND id <= ? AND kind != 'undo'"
            " AND NOT EXISTS (SELECT 1 FROM reviews u WHERE u.undoes = r.id)"
            " ORDER BY ts DESC, device DESC, seq DESC LIMIT 1",
            (key, self.top),
        ).fetchone()
        return (str(row[0]), row[1]) if row else None

    def lapses(self, key: str) -> int:
        if key in self.known_lapses:
            return self.known_lapses[key]
        return int(self.db.execute(f"SELECT COUNT(*) FROM reviews r WHERE key = ? AND id <= ? AND {LAPSE_ROWS}",
                                   (key, self.top)).fetchone()[0])


def _appended(
    db: sqlite3.Connection, fresh: list[Event], steps: list[Step], keys: set[str], linked: set[str], top: int
) -> set[str]:
    """The keys whose new events all come after every event they had (and no relink, no undo of an older
    event): their replay continues from their row instead of starting over."""
    first: dict[str, str] = {}
    for event, step in zip(fresh, steps, strict=True):
        if event.kind == "relink" or event.card in linked:
            continue
        ts = step.ts
        if event.kind == "undo":
            first[event.card] = ""  # it may take back an older event: start over
        elif event.card not in first or ts < first[event.card]:
            first[event.card] = ts
    ids = [e.id for e in fresh]
    waited: set[str] = set()
    for marks, chunk in _chunks(ids):  # an older undo of one of these events: start over
        waited.update(r[0] for r in db.execute(f"SELECT key FROM reviews WHERE undoes_event IN ({marks})", chunk))
    candidates = sorted(k for k, ts in first.items() if ts and k in keys and k not in waited)
    fast: set[str] = set()
    for marks, chunk in _chunks(candidates):
        latest = dict(db.execute(f"SELECT key, MAX(ts) FROM reviews WHERE key IN ({marks}) AND id <= ? GROUP BY key",
                                 [*chunk, top]))
        fast.update(k for k in chunk if latest.get(k) is None or latest[k] < first[k])
    return fast


def insert_rows(db: sqlite3.Connection, reviews: list[tuple[Any, ...]], relinks: list[tuple[Any, ...]], most: int = 0) -> None:
    """Insert events' log rows: ``reviews`` in the order key, deck, ts, day, grade, kind, before, after,
    answer_ms, typed, device, seq, undoes_event; ``relinks`` in the order old_key, new_key, deck,
    similarity, ts, device, seq, text, rekey (``most``: rows a statement, see overlap.insert_many)."""
    insert_many(db, "INSERT INTO relinks (old_key, new_key, deck, similarity, ts, device, seq, text, rekey)", 9, relinks, most)
    insert_many(
        db,
        "INSERT INTO reviews (key, deck, ts, day, grade, kind, before, after, answer_ms, typed, device, seq, undoes_event)",
        13,
        reviews,
        most,
    )


def new_events(db: sqlite3.Connection, events: Iterable[Event]) -> tuple[list[Event], int]:
    """(the events whose id the store does not have yet, once each, in batch order; how many were skipped)."""
    batch = list(events)
    known = _known(db, batch)
    fresh: list[Event] = []
    for event in batch:
        if (event.device, event.seq) not in known:
            known.add((event.device, event.seq))
            fresh.append(event)
    return fresh, len(batch) - len(fresh)


def ingest_events(db: sqlite3.Connection, events: Iterable[Event], rules: Rules, texts: Texts | None = None) -> IngestResult:
    """Store the events whose id is new, then replay every card they touch (``db`` is in a transaction).

    A card whose new events all come after its older ones continues from its row (the replay of
    those, by induction); any other card, with its relink family, is replayed from its first event.
    Only the rows that changed are written (:func:`_write`). ``texts``: see :func:`log_rows`.
    """
    fresh, skipped = new_events(db, events)
    if not fresh:
        return IngestResult(0, skipped, frozenset())
    top = int(db.execute("SELECT COALESCE(MAX(id), 0) FROM reviews").fetchone()[0])
    reviews, relinks = log_rows(fresh, texts)
    steps = _steps(fresh, reviews, relinks)
    # Without a relink or an undo among them (nor a logged undo waiting for an event), what is read to
    # replay them is the same before their rows are inserted as after: it is read, and replayed, on a
    # connection of its own in a thread (which sees the store as it was before this transaction) while
    # SQLite inserts the rows here (pyflash.core.review.overlap).
    undo = any(e.kind == "undo" for e in fresh) or _waiting_undo(db)  # inserting rows without an undo adds no waiting one
    later = not relinks and not undo
    path = database_file(db) if later and len(fresh) >= OVERLAP_MIN else None
    if not later:
        insert_rows(db, reviews, relinks)
        if undo:
            _resolve_undos(db)
        derived = _derive(db, rules, fresh, steps, top, logged=True)
    elif path is None:  # a small batch, or an in-memory store: no second connection
        derived = _derive(db, rules, fresh, steps, top, logged=False)
        insert_rows(db, reviews, relinks)
    else:
        running = meanwhile(lambda: _derive_apart(path, rules, fresh, steps, top))
        try:
            insert_rows(db, reviews, relinks)
        except BaseException:
            running.wait()
            raise
        derived = running.result()
    keys, linked, slow, rows, new_rows, plain = derived
    plain |= slow & linked
    if plain:
        for key, state in replay_steps(steps_for(db, plain), rules).items():
            if key in plain:
                new_rows[key] = _values(state) if state is not None else None
    _write(db, {k: new_rows.get(k) for k in keys}, rows)
    return IngestResult(len(fresh), skipped, frozenset(keys))


Derived = tuple[set[str], set[str], set[str], dict[str, tuple[Any, ...]], dict[str, tuple[Any, ...] | None], set[str]]


def _derive(
    db: sqlite3.Connection, rules: Rules, fresh: list[Event], steps: list[Step], top: int, *, logged: bool
) -> Derived:
    """(the keys to write, those of a relink family, those replayed from their first event, their rows now,
    their new rows by the fast fold, the keys left to the plain fold) of the new events: all the reading and
    the fast fold of an ingest (``logged``: the new rows are in ``reviews`` already)."""
    touched: set[str] = set()
    for event in fresh:
        touched.add(event.card)
        if event.kind == "relink":
            touched.add(str(event.data["new"]))
    keys = families(db, touched)
    linked = keys - touched | {k for e in fresh if e.kind == "relink" for k in (e.card, str(e.data["new"]))}
    linked |= _relinked(db, touched)
    fast = _appended(db, fresh, steps, touched, linked, top)
    slow = keys - fast
    rows = _rows(db, keys)
    fold, ordered, plain = _fold_setup(db, rules, steps, fast, slow - linked, rows, top, logged=logged)
    return keys, linked, slow, rows, _fold_run(fold, ordered), plain


def _derive_apart(path: str, rules: Rules, fresh: list[Event], steps: list[Step], top: int) -> Derived:
    """:func:`_derive` (not logged) on a connection of its own to the store at ``path`` (in a thread)."""
    with reading(path) as db:
        return _derive(db, rules, fresh, steps, top, logged=False)


def _asked(steps: list[Step], row_is: Callable[[str, str], bool]) -> tuple[set[str], set[str]]:
    """The keys whose history before this ingest the replay will ask for (an over-estimate): their
    last event's (first new step not recorded on the row's state: ``row_is(key, text)``, whether the
    card's row is the state ``text``), their lapses (a new lapse)."""
    first: dict[str, Step] = {}
    lapsed: set[str] = set()
    for step in steps:
        seen = first.get(step.card)
        if seen is None or (step.ts, step.device, step.seq) < (seen.ts, seen.device, seen.seq):
            first[step.card] = step
        if step.kind in GRADE_KINDS and step.grade is not None and step.grade < LAPSE_BELOW:
            lapsed.add(step.card)
    last = set()
    for key, step in first.items():
        if step.before is None or not row_is(key, step.before):
            last.add(key)
    return last, lapsed | last  # a card whose last event is asked for has its lapses asked for too


def _relinked(db: sqlite3.Connection, keys: set[str]) -> set[str]:
    """The keys a relink moved a state from or to."""
    found: set[str] = set()
    for marks, chunk in _chunks(sorted(keys)):
        sql = f"SELECT old_key, new_key FROM relinks WHERE old_key IN ({marks}) OR new_key IN ({marks})"
        for old, new in db.execute(sql, chunk + chunk):
            found.update((old, new))
    return found & keys


_INSERT = f"INSERT OR REPLACE INTO cards ({COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"
_NAMES = tuple(c.strip() for c in COLUMNS.split(","))


def _values(s: CardState) -> tuple[Any, ...]:
    """The row of ``s``, in the order of ``COLUMNS`` (as SQLite returns it)."""
    return (s.key, s.deck, s.text, s.easiness.cents, s.interval, s.repetitions, s.due_day, int(s.suspended),
            s.buried_until, s.last_review, s.last_day, s.last_grade, s.first_day, s.memory, int(s.leech))


def put_states(db: sqlite3.Connection, states: list[CardState]) -> None:
    """Write the card rows (as the store's ``_put`` writes one), in one statement."""
    db.executemany(_INSERT, [_values(s) for s in states])


def _write(db: sqlite3.Connection, new: dict[str, tuple[Any, ...] | None], rows: dict[str, tuple[Any, ...]]) -> None:
    """Write the rows ``new`` (None: no state) over ``rows`` (the rows now): a row with no state is deleted;
    a new row is inserted; a changed one gets an UPDATE of the columns that differ (which touches only their
    indexes, not all ten of ``cards``), one statement per set of columns; an unchanged one is left alone."""
    gone = sorted(k for k, r in new.items() if r is None and k in rows)
    for marks, chunk in _chunks(gone):
        db.execute(f"DELETE FROM cards WHERE key IN ({marks})", chunk)
    inserts: list[tuple[Any, ...]] = []
    updates: dict[tuple[int, ...], list[list[Any]]] = {}
    for key in sorted(new):
        row = new[key]
        if row is None:
            continue
        old = rows.get(key)
        if old is None:
            inserts.append(row)
            continue
        if old == row:
            continue
        changed = tuple([i for i in range(1, len(row)) if old[i] != row[i]])
        updates.setdefault(changed, []).append([*[row[i] for i in changed], key])
    db.executemany(_INSERT, inserts)
    for changed, values in updates.items():
        sets = ", ".join(f"{_NAMES[i]} = ?" for i in changed)
        db.executemany(f"UPDATE cards SET {sets} WHERE key = ?", values)


_FOLD_COLUMNS = "ts, device, seq, key, kind, grade, day, before, after, NULL"
_NO_CARD: tuple[Any, ...] = (None, None, None, None, 0, "", 0, None, None, None)  # fastfold._Fold's card with no state


_TEXTLESS = frozenset(KEYS[:-1])  # a state's fields but its text (which sorts last)


def _whole(data: Mapping[str, Any] | None) -> Mapping[str, Any] | None:
    """A step's decoded ``after`` with the text its ``after`` text has: a synced event's state has none, and
    its text was written with ``"text": ""`` (state_json); then the fold takes its values from it, unparsed."""
    if data is not None and data.keys() == _TEXTLESS:
        return {**data, "text": ""}
    return data


def _row_values(row: tuple[Any, ...]) -> tuple[Any, ...]:
    """``values_of(row_state(row))`` (fastfold's values of a card row), without the CardState."""
    cents = row[3]
    if type(cents) is int and 0 <= cents < 1_000_000:  # Easiness.from_cents(cents).cents is cents
        return (row[8], row[1], row[6], cents, row[12], row[4], row[0], row[10], row[11], row[9], bool(row[14]),
                row[13], row[5], bool(row[7]), row[2])
    return values_of(row_state(row))


def _fold_setup(
    db: sqlite3.Connection, rules: Rules, steps: list[Step], fast: set[str], slow: set[str],
    rows: dict[str, tuple[Any, ...]], top: int, *, logged: bool,
) -> tuple[_Fold, list[tuple[Any, ...]], set[str]]:
    """The fast fold (:mod:`pyflash.core.events.fastfold`) set up for the new rows of ``fast`` (continued
    from their rows, with the history they need from before read at once: :class:`_Before`) and of
    ``slow`` (from their first event), with the rows it is to fold in time order (:func:`_fold_run`), and
    the keys of ``slow`` left to the plain fold: those with an undo in their log (no key here has a
    relink). ``logged``: the new events' rows are in ``reviews`` already (else ``slow``'s are taken
    from ``steps``). Everything read from ``db`` is read here."""
    fold = _Fold(rules)
    cards = fold.cards
    ordered: list[tuple[Any, ...]] = []
    plain: set[str] = set()
    for marks, chunk in _chunks(sorted(slow)):
        got = db.execute(f"SELECT {_FOLD_COLUMNS} FROM reviews WHERE key IN ({marks})", chunk).fetchall()
        plain.update(r[3] for r in got if r[4] == "undo")
        ordered += got
    if not logged:  # as the query above reads them once they are inserted
        got = [(s.ts, s.device, s.seq, s.card, s.kind, s.grade, s.day, s.before, s.after, None)
               for s in steps if s.card in slow]
        plain.update(r[3] for r in got if r[4] == "undo")
        ordered += got
    if plain:
        ordered = [r for r in ordered if r[3] not in plain]
    for key in slow - plain:
        cards[key] = list(_NO_CARD)
    if fast:
        for key in fast:
            row = rows.get(key)
            cards[key] = [None, _row_values(row), *_NO_CARD[2:]] if row is not None else list(_NO_CARD)

        def row_is(key: str, text: str) -> bool:  # its text made only when its last_review is in ``text``
            card = cards[key]
            return card[1] is not None and not _differs(card[1], text) and fold.text(card) == text

        new_steps = [step for step in steps if step.card in fast]
        last, lapses = _asked(new_steps, row_is)
        before = _Before(db, top)
        before.prefetch(last, lapses)
        for key in last:
            prior = before.last(key)
            if prior is not None:
                cards[key][2], cards[key][3] = prior
        for key in lapses:
            cards[key][4] = before.lapses(key)
        ordered += [(s.ts, s.device, s.seq, s.card, s.kind, s.grade, s.day, s.before, s.after, _whole(s.after_data))
                    for s in new_steps]
    ordered.sort(key=lambda r: (r[0], r[1], r[2]))
    return fold, ordered, plain


def _fold_run(fold: _Fold, ordered: list[tuple[Any, ...]]) -> dict[str, tuple[Any, ...] | None]:
    """The new rows (None: no state) of the cards :func:`_fold_setup` set up, by the fast fold (pure Python)."""
    fold_rows, objs = with_objs(ordered)
    fold.rows(fold_rows, set(), set(), None, objs)
    out: dict[str, tuple[Any, ...] | None] = {}
    for key, card in fold.cards.items():
        folded = fold.values(card)
        out[key] = row_of(folded) if folded is not None else None
    return out


def _rows(db: sqlite3.Connection, keys: set[str]) -> dict[str, tuple[Any, ...]]:
    """The rows of ``keys`` now, as SQLite returns them."""
    rows: dict[str, tuple[Any, ...]] = {}
    for marks, chunk in _chunks(sorted(keys)):
        rows.update((r[0], tuple(r)) for r in db.execute(f"SELECT {COLUMNS} FROM cards WHERE key IN ({marks})", chunk))
    return rows
