"""Grade -> durable commit latency on a 100k-card store.

A synthetic collection: ``--cards`` generated cards in ``--files`` deck files
(as ``bench/load.py`` writes them), and a review store where ``--learned`` of
them have a realistic SM-2 state (half of those due today) and
``--history`` review rows each, with full before/after states. Then
``--grades`` grades go through the real core path, as the study screen
drives it: ``Workspace.session()``, then for each card ``reveal()`` and
``grade(g)`` (a mix of grades, so some cards come back), each grade one
``BEGIN IMMEDIATE ... COMMIT`` in WAL mode with ``synchronous=FULL``.

The baseline, interleaved one for one with the grades, in the same folder
(same disk), is bare ``sqlite3``: a second database with the same pragmas
(WAL, ``synchronous=FULL``) and one ``INSERT`` + ``COMMIT`` per operation:
the least a durable write costs on this disk. Goal: p99 <= 5 ms.

The GC is frozen after the session is built, as the app does after the first
card is painted. The folder is created under ``--dir`` (default: the system
temporary folder; pass a folder on the disk that holds your real store, and
never a tmpfs, where fsync costs nothing).

    python bench/grade.py [--cards 100000] [--grades 5000] [--dir /tmp]
    python bench/grade.py --pages 300   # no timing: the pages each grade writes, by table or index

``--pages N`` grades N cards with the checkpoints off and reads the page
numbers of the WAL frames each commit appended: every page a grade dirties is
written to the WAL and synced, and copied into the database by a checkpoint.
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import random
import shutil
import sqlite3
import statistics
import struct
import sys
import tempfile
import time
from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))

from load import generate  # noqa: E402  (bench/load.py)

from pyflash.core import open_workspace  # noqa: E402
from pyflash.core.locations import Locations  # noqa: E402
from pyflash.core.review import checkpoint  # noqa: E402
from pyflash.core.review import store as store_module  # noqa: E402
from pyflash.core.review.store import CardState, Store, utc_now_iso  # noqa: E402
from pyflash.core.scheduling.easiness import Easiness  # noqa: E402

GRADE_MIX = [4] * 70 + [5] * 15 + [3] * 10 + [1] * 3 + [0] * 2  # what a typical session looks like


def populate(store_path: Path, keys: list[tuple[str, str]], learned: int, history: int, today: int) -> int:
    """Give ``learned`` cards a state and ``history`` log rows each; returns the rows written."""
    rng = random.Random(11)
    Store(store_path).close()  # the schema, as pyflash makes it
    db = sqlite3.connect(store_path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=OFF")  # only while filling the benchmark's store
    db.execute("BEGIN")
    rows = 0
    now = datetime.now(UTC)
    for n, (key, deck) in enumerate(keys[:learned]):
        text = f"card {n}"
        state = CardState(key=key, deck=deck, text=text)
        first = today - history * 7 - rng.randrange(30)
        day = first
        for r in range(history):
            interval = 1 if r == 0 else 6 if r == 1 else rng.randrange(7, 60)
            after = replace(
                state,
                easiness=Easiness.from_cents(rng.randrange(180, 280)),
                interval=interval,
                repetitions=r + 1,
                due_day=day + interval,
                last_review=utc_now_iso(now - timedelta(days=today - day)),
                last_day=day,
                last_grade=4,
                first_day=first,
            )
            db.execute(
                "INSERT INTO reviews (key, deck, ts, day, grade, kind, before, after, answer_ms)"
                " VALUES (?,?,?,?,?,?,?,?,?)",
                (key, deck, after.last_review, day, 4, "review",
                 state.to_json() if r else None, after.to_json(), rng.randrange(800, 9000)),
            )
            rows += 1
            state = after
            day += min(interval, 3)
        # Half the learned cards are due today (some overdue), the rest later.
        due = today - rng.randrange(10) if n % 2 == 0 else today + 1 + rng.randrange(60)
        state = replace(state, due_day=due, last_day=min(state.last_day or due, today - 1))
        db.execute(
            "INSERT OR REPLACE INTO cards (key, deck, text, easiness, interval, repetitions, due_day, suspended,"
            " buried_until, last_review, last_day, last_grade, first_day) VALUES (?,?,?,?,?,?,?,0,NULL,?,?,?,?)",
            (key, deck, text, state.easiness.cents, state.interval, state.repetitions, state.due_day,
             state.last_review, state.last_day, state.last_grade, state.first_day),
        )
    db.execute("COMMIT")
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    return rows


class Bare:
    """The baseline: one INSERT + COMMIT, same pragmas, same folder."""

    def __init__(self, path: Path) -> None:
        self.db = sqlite3.connect(path, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=FULL")
        self.db.execute("CREATE TABLE log (id INTEGER PRIMARY KEY, key TEXT, ts TEXT, after TEXT)")
        self.payload = CardState(key="k", deck="d").to_json()

    def write(self, n: int) -> None:
        self.db.execute("BEGIN IMMEDIATE")
        self.db.execute("INSERT INTO log (key, ts, after) VALUES (?,?,?)", (f"k{n}", "2026-12-02", self.payload))
        self.db.execute("COMMIT")


def count_pages(store_path: Path, decks: Path, loc: Locations, grades: int) -> None:
    """Grade ``grades`` cards with no checkpoint and count the pages each commit wrote to the WAL, by b-tree."""
    db = sqlite3.connect(store_path)
    owner = {page: name for name, page in db.execute("SELECT name, pageno FROM dbstat")}
    db.close()
    checkpoint.EVERY_COMMITS = 10**9
    store_module.SAFETY_PAGES = 10**6
    wal = Path(f"{store_path}-wal")
    rng = random.Random(5)
    by_tree: Counter[str] = Counter()
    per_grade: list[int] = []
    with open_workspace([str(decks)], locations=loc) as ws:
        session = ws.session(reviews=grades * 2, new=grades)
        ws.store.connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        seen = 0
        for _ in range(grades):
            session.reveal()
            session.grade(rng.choice(GRADE_MIX))
            data = wal.read_bytes()
            frames = [struct.unpack(">I", data[o : o + 4])[0] for o in range(32, len(data), 24 + 4096)][seen:]
            seen += len(frames)
            per_grade.append(len(frames))
            by_tree.update(owner.get(page, "(new pages)") for page in frames)
    print(f"{grades} grades: {statistics.fmean(per_grade):.2f} pages per commit (min {min(per_grade)}, max {max(per_grade)})")
    print("| b-tree | pages per grade |\n|---|---|")
    for name, n in by_tree.most_common():
        print(f"| {name} | {n / grades:.2f} |")


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cards", type=int, default=100_000)
    parser.add_argument("--files", type=int, default=100)
    parser.add_argument("--learned", type=int, default=60_000, help="cards with review history")
    parser.add_argument("--history", type=int, default=3, help="review rows per learned card")
    parser.add_argument("--grades", type=int, default=5_000)
    parser.add_argument("--dir", default=None, help="where to build the store (a real disk, not tmpfs)")
    parser.add_argument("--keep", action="store_true", help="keep the folder (for profiling)")
    parser.add_argument("--pages", type=int, metavar="N", help="no timing: count the pages N grades write")
    parser.add_argument("--sqlite-checkpoints", action="store_true",
                        help="for comparison: SQLite's automatic checkpoint inside the commit, no thread")
    opts = parser.parse_args()

    if opts.sqlite_checkpoints:
        checkpoint.SAFETY_PAGES = 1000  # SQLite's default
        checkpoint.EVERY_COMMITS = 10**9
        store_module.SAFETY_PAGES = 1000
    work = Path(tempfile.mkdtemp(prefix="pyflash-grade-", dir=opts.dir))
    try:
        decks = work / "decks"
        t0 = time.perf_counter()
        generate(decks, opts.cards, opts.files)
        loc = Locations(store=work / "reviews.db", config=work / "config.toml", deck_sources=(), deck_cache=work / "cache")
        with open_workspace([str(decks)], locations=loc) as ws:
            keys = [(key, f.deck) for f in ws.result.files for key in f.keys]
            today = ws.today
        rows = populate(loc.store, keys, min(opts.learned, len(keys)), opts.history, today)
        size = loc.store.stat().st_size
        print(f"built {len(keys)} cards, {opts.learned} learned, {rows} review rows ({size / 1e6:.0f} MB)"
              f" in {time.perf_counter() - t0:.1f} s, in {work}", flush=True)

        if opts.pages:
            count_pages(loc.store, decks, loc, opts.pages)
            return
        bare = Bare(work / "bare.db")
        os.sync()  # flush the build's dirty pages first, or the first fsyncs time writing them back
        rng = random.Random(5)
        grade_ms: list[float] = []
        bare_ms: list[float] = []
        with open_workspace([str(decks)], locations=loc) as ws:
            session = ws.session(reviews=opts.grades * 2, new=opts.grades)
            print(f"session: {len(session.queue)} cards queued", flush=True)
            gc.collect()
            gc.freeze()  # as the app does once the first card is painted
            clock = time.perf_counter
            for n in range(opts.grades):
                if session.finished:
                    raise SystemExit(f"the queue ran out after {n} grades")
                t = clock()
                bare.write(n)
                bare_ms.append((clock() - t) * 1000)
                g = rng.choice(GRADE_MIX)
                t = clock()
                session.reveal()
                session.grade(g)
                grade_ms.append((clock() - t) * 1000)
            graded = len(ws.store.log()) - rows
            checkpoints = ws.store._checkpoints.done
        bare.db.close()
        if graded != opts.grades:
            raise SystemExit(f"expected {opts.grades} new log rows, found {graded}")

        def line(name: str, ms: list[float]) -> str:
            return (f"| {name} | {statistics.median(ms):.2f} ms | {pct(ms, 99):.2f} ms | "
                    f"{max(ms):.2f} ms | {statistics.fmean(ms):.2f} ms |")

        p50_ratio = statistics.median(grade_ms) / statistics.median(bare_ms)
        p99_ratio = pct(grade_ms, 99) / pct(bare_ms, 99)
        p99 = pct(grade_ms, 99)
        print()
        print(f"{opts.grades} grades, {opts.cards} cards, {rows} review rows before; interleaved with the baseline")
        print("| operation | p50 | p99 | max | mean |")
        print("|---|---|---|---|---|")
        print(line("bare sqlite3 INSERT + COMMIT (WAL, synchronous=FULL)", bare_ms))
        print(line("pyflash reveal + grade (durable)", grade_ms))
        print(f"background checkpoints: {checkpoints}")
        print(f"ratio to bare: p50 {p50_ratio:.2f}x, p99 {p99_ratio:.2f}x")
        print(f"goal p99 <= 5 ms: {'met' if p99 <= 5 else 'MISSED'} ({p99:.2f} ms)")
        print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()},"
              f" SQLite {sqlite3.sqlite_version}")
    finally:
        if not opts.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
