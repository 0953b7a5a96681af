"""The fast replay of a whole log (core/events/fastfold.py) gives what the plain fold gives, card by card."""

from __future__ import annotations

import contextlib
import json
import random
import sqlite3
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from hypothesis import example, given, settings
from hypothesis import strategies as st

from pyflash.core.events import Event
from pyflash.core.events.fastfold import fold_log, parse_values, sm2_step, to_state, values_of
from pyflash.core.events.replay import replay_steps
from pyflash.core.review.events_io import all_steps
from pyflash.core.review.records import CardState, utc_now_iso
from pyflash.core.review.schema import LEECH_OWNERS
from pyflash.core.review.store import Store
from pyflash.core.scheduling.easiness import Easiness
from pyflash.core.scheduling.schedule import SM2
from pyflash.sync.private import without_text
from strategies_events import T0, action, day, play, store_settings

_opt = st.one_of(st.none(), st.integers(19990, 20010))


@settings(max_examples=400, deadline=None)
@given(
    st.builds(
        CardState, st.sampled_from(["k", "ké\"y"]), st.sampled_from(["D", "Dé"]), st.text(max_size=3),
        st.integers(1, 5000).map(Easiness.from_cents), st.integers(0, 400), st.integers(0, 30), _opt, st.booleans(),
        _opt, st.one_of(st.none(), st.just("2026-03-01T08:00:00.000+00:00")), _opt, st.one_of(st.none(), st.integers(0, 5)),
        _opt, st.one_of(st.none(), st.just('{"s": 1}')), st.booleans(),
    ),
    st.integers(0, 5), st.integers(19990, 20010), st.datetimes(timezones=st.just(UTC)),
)
def test_the_tuple_sm2_step_is_the_scheduler(card, grade, day, when):
    ts = utc_now_iso(when)
    result = SM2.review(card, grade, day=day, now=when)
    after, reviewed = sm2_step(values_of(card), grade, day, ts)
    assert to_state(after) == result.after
    assert after == values_of(result.after)
    assert reviewed == (result.kind == "review")
    assert parse_values(card.to_json()) == values_of(card)


CARDS = ["c1", "c2", "c3", "c4"]
_KINDS = ["grade"] * 6 + ["undo", "suspend", "unsuspend", "bury", "unbury", "forget", "relink", "rekey", "sync", "reschedule"]
_action = action(CARDS, _KINDS, 2000)


# two devices grade a card, the first takes its grade back after the second's: only the second's counts
_UNDONE = [(0, "c1", "grade", 4, 10), (1, "c1", "grade", 5, 10), (0, "c1", "undo", 0, 10), (2, "c2", "relink", 0, 5)]
# ... and after a sync (the undo row's recorded states are not the replayed ones: it is skipped, not applied)
_UNDONE_SYNCED = [(0, "c1", "grade", 4, 10), (1, "c1", "sync", 0, 10), (0, "c1", "grade", 5, 10), (1, "c1", "grade", 3, 10),
                  (0, "c1", "undo", 0, 10)]


def _check(store: Store) -> None:
    db, rules = store.connection, store.rules
    plain = {k: (values_of(s) if s is not None else None) for k, s in replay_steps(all_steps(db), rules).items()}
    fast = fold_log(db, rules)
    assert fast == plain


@store_settings(40)
@given(st.lists(_action, min_size=2, max_size=24), st.randoms(use_true_random=False))
@example(_UNDONE, random.Random(1))
@example(_UNDONE_SYNCED, random.Random(1))
def test_the_fast_fold_is_the_plain_fold(tmp_path_factory, actions, rng):
    """Random three-device logs with every kind of event: each device's own store (its rows in time
    order), and a store that ingested everything in a shuffled order (rows out of time order), two
    devices' events without card text."""
    folder = tmp_path_factory.mktemp("devices")
    stores = [Store(folder / f"{i}.sqlite3", leech_threshold=2) for i in range(3)]
    try:
        play(stores, actions)
        for s in stores:
            _check(s)
        own = stores[0].device_id  # the others' events come without card text (as sync sends them)
        everything = [e if e.device == own else without_text(e) for s in stores for e in s.outbox()]
        rng.shuffle(everything)
        with Store(folder / "all.sqlite3", leech_threshold=2) as merged:
            for i in range(0, len(everything), 7):
                merged.ingest(everything[i : i + 7])
            _check(merged)
    finally:
        for s in stores:
            s.close()


def test_conflicting_grades_on_many_cards(tmp_path):
    """Ten devices' first grades of the same cards (as bench/sync.py): every event a re-grade, some lapses."""
    rng = random.Random(4)
    stores = [Store(tmp_path / f"{i}.sqlite3", leech_threshold=2) for i in range(4)]
    try:
        actions = [(rng.randrange(3), f"c{rng.randrange(6)}", "grade", rng.choice((0, 1, 3, 4, 5)), rng.randrange(1, 3000))
                   for _ in range(300)]
        play(stores[:3], actions)  # type: ignore[arg-type]
        events = sorted((without_text(e) for s in stores[:3] for e in s.outbox()), key=lambda e: e.sort_key)
        stores[3].update("c1", "D", "this device's text")
        stores[3].ingest(events)
        _check(stores[3])
    finally:
        for s in stores:
            s.close()


def _tables(store: Store) -> tuple[object, ...]:
    db = store.connection
    return (
        store.states(),
        db.execute("SELECT id, key, deck, ts, day, grade, kind, before, after, answer_ms, typed, device, seq, undoes_event,"
                   " (SELECT u.device || '-' || u.seq FROM reviews u WHERE u.id = r.undoes) FROM reviews r"
                   " ORDER BY device, seq").fetchall(),
        db.execute("SELECT * FROM relinks ORDER BY device, seq").fetchall(),
        db.execute("SELECT * FROM review_days ORDER BY day").fetchall(),
        db.execute("SELECT * FROM review_orphans ORDER BY key").fetchall(),
        db.execute("SELECT type, name, sql FROM sqlite_master ORDER BY type, name").fetchall(),
        db.execute("SELECT rowid, * FROM sqlite_sequence ORDER BY rowid").fetchall(),
        db.execute("PRAGMA integrity_check").fetchall(),  # every index has every row it should (and no other)
    )


@store_settings(25)
@given(st.lists(_action, min_size=2, max_size=24), st.randoms(use_true_random=False))
@example(_UNDONE, random.Random(1))
@example(_UNDONE_SYNCED, random.Random(1))
def test_the_bulk_ingest_is_the_incremental_ingest(tmp_path_factory, actions, rng):
    """A batch into an empty log, through the bulk path (its log rows made in one part, and in parts of two
    events: core/review/bulkwork.py) and through the incremental one, with repeated events and without:
    the same card rows (rows that were there before included), log rows, review_days, review_orphans and
    schema."""
    from pyflash.core.review import bulk, bulkwork

    folder = tmp_path_factory.mktemp("devices")
    stores = [Store(folder / f"{i}.sqlite3", leech_threshold=2) for i in range(3)]
    try:
        play(stores, actions)
        own = stores[0].device_id
        everything = [e if e.device == own else without_text(e) for s in stores for e in s.outbox()]
        rng.shuffle(everything)
        for repeats in (everything[:2], []):  # two events twice in the batch; none
            results = []
            for name, least, part in (("bulk", 1, 10**6), ("parts", 1, 2), ("incremental", 10**9, 1)):
                with Store(folder / f"{name}{len(repeats)}.sqlite3", leech_threshold=2) as target:
                    target.update("c1", "D", "this device's text", suspended=True)  # a row before any event
                    target.update("c3", "D", "")
                    old, bulk.BULK_MIN = bulk.BULK_MIN, least
                    old_part, bulkwork.PART = bulkwork.PART, part
                    try:
                        result = target.ingest(everything + repeats)
                    finally:
                        bulk.BULK_MIN, bulkwork.PART = old, old_part
                    results.append((result, _tables(target)))
            assert results[0] == results[1] == results[2]
    finally:
        for s in stores:
            s.close()


def test_doctor_rebuild_reports_and_fixes_the_differences(tmp_path, monkeypatch):
    """``rebuild`` on the fast fold: a changed row, a deleted one and a row with no event are reported as the
    plain fold's states say; the fix writes them (through put_rows' dropped-indexes path) and leaves the schema."""
    from pyflash.core.review import bulk
    from pyflash.core.review.rebuild import rebuild

    rng = random.Random(7)
    stores = [Store(tmp_path / f"{i}.sqlite3", leech_threshold=2) for i in range(3)]
    try:
        actions = [(rng.randrange(3), rng.choice(CARDS), rng.choice(_KINDS), rng.randrange(6), rng.randrange(1, 3000))
                   for _ in range(60)]
        play(stores, [*actions, (0, "s1", "grade", 4, 5), (1, "s2", "grade", 5, 5)])  # type: ignore[list-item]
        store = stores[0]
        store.ingest([e for s in stores[1:] for e in s.outbox()])
        db = store.connection
        rows = store.states()
        leeches = {r[0] for r in db.execute(LEECH_OWNERS, {"threshold": 2})}
        plain = {k: replace(s, leech=s.leech or k in leeches, text=s.text or (rows[k].text if k in rows else ""))
                 for k, s in replay_steps(all_steps(db), store.rules).items() if s is not None}
        rebuild(store, store.rules)  # the log's projection (unlogged changes and the like undone)
        assert store.states() == plain
        assert rebuild(store, store.rules, fix=False).differences == []
        schema = db.execute("SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY name").fetchall()
        linked = {k for pair in db.execute("SELECT old_key, new_key FROM relinks") for k in pair}
        changed, gone = [k for k in sorted(plain) if k not in linked][:2]  # not relinked: their rows alone differ
        db.execute("UPDATE cards SET interval = interval + 7 WHERE key = ?", (changed,))
        db.execute("DELETE FROM cards WHERE key = ?", (gone,))
        store.update("lonely", "D", "no event")  # a row written without an event: kept, counted
        report = rebuild(store, store.rules, fix=False)
        assert [d.key for d in report.differences] == [changed, gone]
        assert report.differences[0].fields == [("interval", plain[changed].interval + 7, plain[changed].interval)]
        assert report.differences[1].store is None and report.without_events == 1
        monkeypatch.setattr(bulk, "MANY_ROWS", 1)
        assert rebuild(store, store.rules).fixed
        assert rebuild(store, store.rules, fix=False).differences == []
        assert {k: s for k, s in store.states().items() if k != "lonely"} == plain
        assert db.execute("SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY name").fetchall() == schema
    finally:
        for s in stores:
            s.close()


def test_the_fold_split_over_two_processes_is_the_plain_fold(tmp_path, monkeypatch):
    """fold_log with the cards split in two halves, one folded by a forked child: the plain fold, card by card;
    a child that fails leaves its half to this process."""
    from pyflash.core.events import foldsplit

    rng = random.Random(11)
    stores = [Store(tmp_path / f"{i}.sqlite3", leech_threshold=2) for i in range(3)]
    try:
        actions = [(rng.randrange(3), rng.choice(CARDS), rng.choice(_KINDS), rng.randrange(6), rng.randrange(1, 3000))
                   for _ in range(80)]
        # cards on both sides of the median key (the halves' boundary), not relinked: "a…" sorts before "c…"
        play(stores, [*actions, *((0, f"{p}{i}", "grade", 4, 5) for p in "as" for i in range(12))])  # type: ignore[list-item]
        stores[1].ingest([e for s in (stores[0], stores[2]) for e in s.outbox()])
        monkeypatch.setattr(foldsplit, "SPLIT_MIN", 0)
        halves = []
        real = foldsplit.fold_part

        def spy(*args: object, **kwargs: object) -> object:
            result = real(*args, **kwargs)  # type: ignore[arg-type]
            halves.append(len(result))
            return result

        monkeypatch.setattr(foldsplit, "fold_part", spy)
        _check(stores[1])
        every = len(fold_log(stores[1].connection, stores[1].rules))
        assert len(halves) == 2 and 0 < halves[0] < every  # this process folded one half (the child, the other)
        def refuse(*args: object, **kwargs: object) -> None:
            raise sqlite3.OperationalError("unable to open database file")

        monkeypatch.setattr(foldsplit.sqlite3, "connect", refuse)  # the child cannot read: this process does both
        _check(stores[1])
        assert len(halves) == 4
    finally:
        for s in stores:
            s.close()


def test_the_split_folds_read_the_file_memory_mapped_and_read_only(tmp_path):
    from contextlib import closing

    from pyflash.core.events import foldsplit

    Store(tmp_path / "s.sqlite3").close()
    with closing(foldsplit._reader(str(tmp_path / "s.sqlite3"))) as con:
        assert con.execute("PRAGMA mmap_size").fetchone()[0] > 0
        with contextlib.suppress(sqlite3.OperationalError):
            con.execute("CREATE TABLE t (x)")
        assert con.execute("SELECT name FROM sqlite_master WHERE name = 't'").fetchone() is None


def test_a_regraded_state_recorded_as_the_next_before_is_taken_verbatim(tmp_path):
    """A conflict is re-graded (the fast fold keeps that state as values); another device then grades the card
    from exactly that state: its recorded ``after`` is the card's state, not a second re-grade. The fast fold
    first rules a values state out by its last review time not being in the ``before`` text; here it is."""
    t1, t2 = T0, T0 + timedelta(minutes=5)
    new = CardState("c1", "D", "")
    first = SM2.review(new, 4, day=day(t1), now=t1).after  # what the fold re-grades the first event to
    recorded = replace(first, interval=17, due_day=day(t2) + 17)  # not what SM-2 gives from ``first``

    def grade(device: str, when: datetime, g: int, before: CardState, after: CardState) -> Event:
        data = {"deck": "D", "day": day(when), "grade": g, "answer_ms": 900,
                "before": json.loads(before.to_json()), "after": json.loads(after.to_json())}
        return Event(f"{device}-1", device, 1, when.isoformat().replace("+00:00", "Z"), "c1", "review", data)

    with Store(tmp_path / "s.sqlite3") as store:
        store.ingest([grade("a", t1, 4, new, new), grade("b", t2, 5, first, recorded)])
        assert fold_log(store.connection, store.rules)["c1"] == values_of(recorded)
        _check(store)


def test_conflicting_grades_at_times_not_written_as_pyflash_writes_them(tmp_path):
    """Rows whose time is not utc_now_iso's (one character more or less, a date that does not exist) after rows
    whose times made the fast fold remember their minute and their seconds: left to the plain fold's code."""
    rng = random.Random(8)
    stores = [Store(tmp_path / f"{i}.sqlite3") for i in range(3)]
    try:
        play(stores, [(rng.randrange(2), "c1", "grade", rng.choice((1, 3, 4, 5)), 1) for _ in range(12)])  # type: ignore[arg-type]
        target = stores[2]
        target.ingest([e for s in stores[:2] for e in s.outbox()])
        db = target.connection
        last = db.execute("SELECT key, deck, ts, day, grade, kind, before, after, device, seq FROM reviews"
                          " ORDER BY ts DESC LIMIT 1").fetchone()
        good = last[2]
        odd = [good[:-3] + "0:00", good[:-1], good[:-2], good + "0", good[:-6] + "0+00:00", "2026-02-30" + good[10:]]
        with db:  # each its card's one event, after the others in the table: a conflict (no state before it)
            for n, ts in enumerate([good, *odd]):  # the first, a valid time: the fold remembers its minute and seconds
                db.execute("INSERT INTO reviews (key, deck, ts, day, grade, kind, before, after, device, seq)"
                           " VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'odd', ?)", (f"odd{n - 1}", last[1], ts, *last[3:8], n + 1))
        plain = {k: (values_of(s) if s is not None else None) for k, s in replay_steps(all_steps(db), target.rules).items()}
        assert all(plain[f"odd{n}"][9] != ts for n, ts in enumerate(odd))  # no such time is written as it is
        assert plain["odd-1"][9] == good
        _check(target)
    finally:
        for s in stores:
            s.close()
