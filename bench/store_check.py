"""How much the damage check adds to opening the review store.

Builds a synthetic store (default 1,000,000 review rows over 50,000 cards) in a
temporary folder, then times, interleaved, ``Store(path, check=False)`` (the
baseline open) against ``Store(path)`` (the open with its bounded check), and
once each the full ``PRAGMA quick_check``, the full ``integrity_check`` and a
daily backup. Prints medians in ms and the ratio.

    python bench/store_check.py            # --reviews 1000000 --runs 11
"""

from __future__ import annotations

import argparse
import os
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from pyflash.core.review.backup import daily_backup
from pyflash.core.review.health import FULL_CHECK_BYTES, integrity_check, quick_check
from pyflash.core.review.store import CardState, Store

CARD_COLS = (
    "key, deck, text, easiness, interval, repetitions, due_day, suspended, "
    "buried_until, last_review, last_day, last_grade, first_day"
)
REVIEW_COLS = "key, deck, ts, day, grade, kind, before, after, answer_ms"


def build(path: Path, reviews: int) -> None:
    Store(path).close()  # the schema, by the store's own code
    n_cards = max(1, reviews // 20)
    rnd = random.Random(1)
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA synchronous=OFF")
    db.execute("BEGIN")
    states = [
        CardState(f"{c:016x}", f"Deck::{c % 20}", f"What does `print(xs[{c}])` show? " * 2, interval=5,
                  repetitions=3, due_day=740_000 + c % 30, last_review="2026-03-02T10:00:00.000+00:00",
                  last_day=739_990, last_grade=4, first_day=739_900)
        for c in range(n_cards)
    ]
    db.executemany(
        f"INSERT INTO cards ({CARD_COLS}) VALUES ({','.join('?' * 13)})",
        ((s.key, s.deck, s.text, s.easiness, s.interval, s.repetitions, s.due_day, 0, None,
          s.last_review, s.last_day, s.last_grade, s.first_day) for s in states),
    )
    jsons = [s.to_json() for s in states]

    def rows():
        for i in range(reviews):
            c = rnd.randrange(n_cards)
            yield (states[c].key, states[c].deck, "2026-03-02T10:00:00.000+00:00", 739_000 + i // 300, 4,
                   "review", jsons[c], jsons[c], 3000)

    db.executemany(f"INSERT INTO reviews ({REVIEW_COLS}) VALUES ({','.join('?' * 9)})", rows())
    db.execute("COMMIT")
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()


def ms(fn) -> float:
    t = time.perf_counter()
    fn()
    return (time.perf_counter() - t) * 1000


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reviews", type=int, default=1_000_000)
    ap.add_argument("--runs", type=int, default=11)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "reviews.sqlite3"
        t = time.perf_counter()
        build(path, args.reviews)
        size = os.path.getsize(path)
        print(f"built {args.reviews:,} reviews, {size / 1e6:.0f} MB in {time.perf_counter() - t:.1f} s "
              f"(full check at every open up to {FULL_CHECK_BYTES >> 20} MiB)")
        base: list[float] = []
        checked: list[float] = []
        for _ in range(args.runs):  # interleaved
            base.append(ms(lambda: Store(path, check=False).close()))
            checked.append(ms(lambda: Store(path).close()))
        b, c = statistics.median(base), statistics.median(checked)
        print(f"open without the check: median {b:.1f} ms (min {min(base):.1f})")
        print(f"open with the check:    median {c:.1f} ms (min {min(checked):.1f})")
        print(f"the check adds {c - b:.1f} ms; ratio {c / b:.2f}x")
        with Store(path, check=False) as store:
            db = store.connection
            print(f"full PRAGMA quick_check: {ms(lambda: quick_check(db)):.0f} ms")
            print(f"full PRAGMA integrity_check: {ms(lambda: integrity_check(db)):.0f} ms")
            print(f"daily backup (full quick_check + copy): {ms(lambda: daily_backup(store, day=740_000, keep=7)):.0f} ms")


if __name__ == "__main__":
    main()
