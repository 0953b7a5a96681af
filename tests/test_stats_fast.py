"""`pyflash stats` on its fast paths (``review_days``, selection by key) against a plain
Python computation from the raw rows, on random stores: grades, repeats, undos,
relinks, bury/suspend, days on both sides of "today" (a zone change)."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import FakeClock, open_workspace, write_deck
from pyflash.core.clock import local_day
from pyflash.core.config import Config
from pyflash.core.errors import StoreError
from pyflash.core.query import stats
from pyflash.core.review.schema import DAY_COLUMNS, SUM_DAYS, migrate
from pyflash.core.review.store import CardState, Store
from pyflash.core.scheduling.easiness import Easiness

D = date(2026, 3, 2).toordinal()
UNDO_MIGRATIONS_7_8 = "".join(
    f"DROP TRIGGER review_days_{t};" for t in ("grade", "undo", "undo_late", "edit")
) + "".join(f"DROP TRIGGER review_orphans_{t};" for t in ("logged", "gone", "back")) + "".join(
    f"DROP INDEX cards_{i};" for i in ("interval", "easiness", "due", "today", "suspended", "buried", "leech")
) + "DROP TABLE review_days; DROP TABLE review_orphans; PRAGMA user_version = 6;"
# (migration 9 remakes cards_due, which the line above drops)
KEYS = [f"k{i}" for i in range(6)]


def reference(db: sqlite3.Connection, keys: list[str], *, today: int, days: int, whole_log: bool) -> dict:
    """The figures of docs/stats.md, straight from the rows, one row at a time."""
    wanted = set(keys)
    cols = "key, suspended, buried_until, due_day, last_day, last_grade, interval, easiness, leech, first_day"
    cards = {r[0]: r for r in db.execute(f"SELECT {cols} FROM cards")}
    rows = db.execute("SELECT id, key, kind, day, grade, answer_ms, before, undoes FROM reviews ORDER BY id").fetchall()
    undone = {r[7] for r in rows if r[7] is not None}
    grades = [r for r in rows if r[2] in ("review", "repeat") and r[0] not in undone and (whole_log or r[1] in wanted)]
    states = dict.fromkeys(("new", "learning", "young", "mature", "suspended", "buried"), 0)
    forecast = [0] * days
    ivl: dict[int, int] = {}
    ease: dict[int, int] = {}
    leech = new_today = 0
    for key in wanted:
        c = cards.get(key)
        if c is None:
            states["new"] += 1
            continue
        _, susp, buried, due, last, last_grade, interval, easiness, is_leech, first = c
        leech += bool(is_leech)
        new_today += first == today
        if susp:
            states["suspended"] += 1
        elif (buried or 0) > today:
            states["buried"] += 1
        elif due is None:
            states["new"] += 1
        elif last == today and last_grade < 4:
            states["learning"] += 1
        else:
            states["young" if interval < 21 else "mature"] += 1
        if due is None:
            continue
        lo = max([b for b in stats.INTERVAL_BINS if interval >= b], default=0)
        ivl[lo] = ivl.get(lo, 0) + 1
        ease[min(easiness // 10, 30)] = ease.get(min(easiness // 10, 30), 0) + 1
        if susp or due >= today + days or (due <= today and last == today) or (buried or 0) >= today + days:
            continue
        forecast[max(due, today, buried or 0) - today] += 1
    per_day: dict[int, int] = {}
    for r in grades:
        per_day[r[3]] = per_day.get(r[3], 0) + 1
    on_today = [r for r in grades if r[3] == today]
    retention = [0, 0, 0, 0]  # young passed, young, mature passed, mature
    for r in grades:
        before = json.loads(r[6]) if r[6] else None
        prev = before.get("interval") if before else None
        if r[2] != "review" or not today - 29 <= r[3] <= today or prev is None or prev <= 0:
            continue
        i = 0 if prev < 21 else 2
        retention[i + 1] += 1
        retention[i] += r[4] is not None and r[4] >= 3
    day = today if per_day.get(today) else today - 1
    streak = 0
    while per_day.get(day):
        streak, day = streak + 1, day - 1
    figures = stats.Stats(
        day=today,
        today=stats.Today(
            len(on_today), new_today, sum(1 for r in on_today if r[4] is not None and r[4] < 3),
            sum(r[5] or 0 for r in on_today) / 1000,
        ),
        cards=stats.CardCounts(**states, leech=leech),
        forecast=forecast,
        calendar={d: n for d, n in per_day.items() if today - 364 <= d <= today},
        retention=stats.Retention(*retention),
        intervals=[(stats._interval_label(lo), n) for lo, n in sorted(ivl.items())],
        easiness=[(f"{t / 10:.1f}+" if t >= 30 else f"{t / 10:.1f}", n) for t, n in sorted(ease.items())],
        streak=streak,
    )
    return figures.to_json()


_grade = st.tuples(
    st.just("grade"), st.sampled_from(KEYS), st.integers(-400, 1), st.integers(0, 5), st.sampled_from(["review", "repeat"]),
    st.one_of(st.none(), st.integers(0, 9000)), st.integers(0, 60), st.integers(0, 4), st.integers(13, 31),
    st.integers(-5, 40), st.booleans(),
)
_ops = st.lists(
    st.one_of(
        _grade, _grade, _grade,
        st.tuples(st.just("undo"), st.integers(0, 30)),
        st.tuples(st.just("relink"), st.sampled_from(KEYS), st.sampled_from([*KEYS, "n0", "n1"])),  # n: edited cards
        st.tuples(st.just("bury"), st.sampled_from(KEYS), st.integers(-1, 3)),
        st.tuples(st.just("suspend"), st.sampled_from(KEYS), st.booleans()),
    ),
    max_size=25,
)


def _apply(store: Store, ops: list[tuple]) -> None:
    ids: list[int] = []
    for op in ops:
        try:
            if op[0] == "grade":
                _, key, dd, grade, kind, ms, ivl, reps, ease, due, leech = op
                before = store.get(key)
                day = D + dd
                first = before.first_day if before and before.first_day is not None else day
                after = CardState(
                    key, "Deck", key, Easiness.from_cents(ease * 10), ivl, reps, day + due,
                    suspended=bool(before and before.suspended), buried_until=before.buried_until if before else None,
                    last_review="t", last_day=day, last_grade=grade, first_day=first, leech=leech,
                )
                ids.append(store.record(before, after, grade=grade, kind=kind, ts="t", day=day, answer_ms=ms))
            elif op[0] == "undo" and ids:
                store.undo(ids[op[1] % len(ids)], ts="t", day=D)
            elif op[0] == "relink":
                store.relink(op[1], op[2], op[2], 0.9, "t")
            elif op[0] == "bury":
                ids.extend(i for i, _ in store.change([(op[1], "Deck", op[1])], kind="bury", ts="t", day=D, buried_until=D + op[2]))
            elif op[0] == "suspend":
                ids.extend(i for i, _ in store.change([(op[1], "Deck", op[1])], kind="suspend", ts="t", day=D, suspended=op[2]))
        except StoreError:
            pass  # an undo the store refuses (the card changed since): nothing was written


def _stored_days(db: sqlite3.Connection) -> set[tuple]:
    return {r for r in db.execute(f"SELECT day, {', '.join(DAY_COLUMNS)} FROM review_days") if any(r[1:])}


def _recomputed_days(db: sqlite3.Connection) -> set[tuple]:
    """What the migration sums from the log (the same SELECT it backfills with)."""
    return {r for r in db.execute(SUM_DAYS) if any(r[1:])}


def _orphans(db: sqlite3.Connection) -> set[str]:
    return {r[0] for r in db.execute("SELECT key FROM review_orphans")}


def _recomputed_orphans(db: sqlite3.Connection) -> set[str]:
    """The logged keys with no card row."""
    return {r[0] for r in db.execute("SELECT key FROM reviews")} - {r[0] for r in db.execute("SELECT key FROM cards")}


def test_fast_paths_agree_with_the_rows(tmp_path, monkeypatch):
    counter = iter(range(10**6))

    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(ops=_ops, chosen=st.sets(st.sampled_from([*KEYS, "x1", "n0", "n1"])), days=st.integers(1, 40), split=st.integers(0, 40))
    def check(ops, chosen, days, split):
        n = next(counter)
        with Store(tmp_path / f"s{n}.sqlite3", check=False) as store, Store(tmp_path / f"t{n}.sqlite3", check=False) as copy:
            store.connection.execute("PRAGMA synchronous=OFF")
            _apply(store, ops)
            db = store.connection
            assert _stored_days(db) == _recomputed_days(db)
            assert _orphans(db) == _recomputed_orphans(db)
            keys = sorted(chosen)
            for today in (D - 1, D, D + 1):  # one log read on three days: as after a change of zone
                for whole_log in (False, True):
                    want = reference(db, keys, today=today, days=days, whole_log=whole_log)
                    for by_key in (0, 10**6):  # the log read by day; grades read key by key
                        monkeypatch.setattr(stats, "KEYS_BY_KEY", by_key)
                        got = stats.compute(db, keys, today=today, days=days, whole_log=whole_log).to_json()
                        assert got == want, (today, whole_log, by_key)
            # Another device gets the events, the later ones first (an undo before its grade).
            copy.connection.execute("PRAGMA synchronous=OFF")
            events = store.outbox()
            copy.ingest(events[split % (len(events) + 1):])
            copy.ingest(events[: split % (len(events) + 1)])
            assert _stored_days(copy.connection) == _recomputed_days(copy.connection)
            assert _orphans(copy.connection) == _recomputed_orphans(copy.connection)
            want = reference(copy.connection, keys, today=D, days=days, whole_log=False)
            assert stats.compute(copy.connection, keys, today=D, days=days).to_json() == want

    check()


def test_review_days_in_any_insert_order(tmp_path):
    """The doctor's copy may insert an undo before the grade it took back: the sums stay exact."""
    with Store(tmp_path / "a.sqlite3", check=False) as store:
        store.connection.execute("PRAGMA synchronous=OFF")
        _apply(store, [
            ("grade", "k0", 0, 1, "review", 1000, 25, 3, 25, 1, False),
            ("grade", "k1", 0, 4, "review", 2000, 3, 1, 25, 3, False),
            ("undo", 1), ("undo", 1),  # the second undo of the same grade is refused
            ("grade", "k1", -3, 4, "repeat", None, 30, 2, 25, 9, False),
            ("grade", "k0", -3, 3, "review", 300, 30, 2, 25, 9, False),  # a mature review (25 days before), passed
        ])
        cols = ", ".join(r[1] for r in store.connection.execute("PRAGMA table_info(reviews)"))  # stored columns
        rows = store.connection.execute(f"SELECT {cols} FROM reviews ORDER BY id DESC").fetchall()
        want = _stored_days(store.connection)
    assert want == {(D, 1, 1, 1000, 0, 0, 0, 0), (D - 3, 2, 0, 300, 0, 0, 1, 1)}
    fresh = sqlite3.connect(tmp_path / "b.sqlite3", isolation_level=None)
    migrate(fresh, 0)
    fresh.execute("PRAGMA foreign_keys=OFF")
    marks = ",".join("?" * len(rows[0]))
    for row in rows:  # newest first: each undo before its grade
        fresh.execute(f"INSERT INTO reviews ({cols}) VALUES ({marks})", row)
    assert _stored_days(fresh) == want == _recomputed_days(fresh)
    fresh.execute("UPDATE reviews SET grade = 5, day = day - 1 WHERE kind = 'review' AND grade = 3")  # an edited row
    fresh.execute("UPDATE reviews SET undoes = NULL WHERE undoes IS NOT NULL")  # no longer undone
    assert _stored_days(fresh) == _recomputed_days(fresh) == {
        (D, 2, 1, 3000, 0, 0, 0, 0), (D - 3, 1, 0, 0, 0, 0, 0, 0), (D - 4, 1, 0, 300, 0, 0, 1, 1)}
    fresh.close()


def test_migrations_7_and_8_sum_an_older_log(tmp_path):
    path = tmp_path / "old.sqlite3"
    with Store(path, check=False) as store:
        _apply(store, [
            ("grade", "k0", -2, 2, "review", 1500, 25, 3, 25, 1, False),
            ("grade", "k0", 0, 5, "review", 500, 1, 0, 25, 6, False),
            ("undo", 1),
        ])
        db = store.connection
        store.relink("k0", "k9", "k9", 0.9, "t")
        db.executescript(UNDO_MIGRATIONS_7_8)
    with Store(path, check=False) as store:
        assert _stored_days(store.connection) == {(D - 2, 1, 1, 1500, 0, 0, 0, 0)}
        assert _orphans(store.connection) == {"k0"}


@pytest.mark.parametrize("reader", ["Pacific/Honolulu", "Pacific/Kiritimati"])
def test_graded_in_one_zone_read_in_another(tmp_path, reader):
    """Grades logged on Kiritimati's days, figures read on Honolulu's (a day behind UTC) and back."""
    deck = write_deck(tmp_path / "decks", "z.yaml", "deck: Z\ncards:\n" + "".join(
        f"  - {{id: {k}, q: {k}?, a: '1'}}\n" for k in KEYS))
    now = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
    logged = local_day(now, ZoneInfo("Pacific/Kiritimati"))
    zone = ZoneInfo(reader)
    with open_workspace([str(deck)], clock=FakeClock(now, zone), zone=zone, config=Config()) as ws:
        _apply(ws.store, [
            ("grade", "k0", logged - D, 4, "review", 800, 22, 3, 25, 2, False),
            ("grade", "k1", logged - D - 1, 1, "review", 900, 2, 1, 25, 1, False),
            ("grade", "k1", logged - D - 1, 3, "repeat", 700, 1, 0, 25, 1, False),
        ])
        db = ws.store.connection
        assert ws.stats().to_json() == reference(db, KEYS, today=ws.today, days=30, whole_log=True)
        assert ws.stats("Z").to_json() == ws.stats().to_json()
