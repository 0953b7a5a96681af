"""How long `pyflash optimize` takes on a synthetic review log, and whether fitting helps.

The log is made by a simulated learner whose memory follows FSRS with parameters
that are *not* FSRS's defaults (``TRUE_PARAMETERS``): each review is recalled with
the probability that model gives, and the next review comes after a random gap
of 1 to 2 times the interval. So a fit should find parameters that predict the
held-out reviews better than the defaults do.

The baseline, in the same run, is reading the log back (``Store.graded_rows``):
the optimizer's own work is the ratio above it. The issue's goal: 5,000 reviews
in under 30 s.

    python bench/optimize.py [--reviews 5000] [--cards 1000]
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from pyflash.core.clock import local_day  # noqa: E402
from pyflash.core.review.store import Store  # noqa: E402

TRUE_PARAMETERS = (
    0.6, 2.0, 5.0, 15.0, 7.2, 0.6, 1.8, 0.02, 1.4, 0.25, 1.1, 1.8, 0.09, 0.3, 2.0, 0.3, 2.5, 0.6, 0.1, 0.1, 0.25,
)


def synthetic_log(store_path: Path, *, reviews: int = 5000, cards: int = 1000, seed: int = 7) -> int:
    """Write a simulated learner's review log into a pyflash store; returns the rows written."""
    import fsrs

    rng = random.Random(seed)
    engine = fsrs.Scheduler(parameters=TRUE_PARAMETERS, enable_fuzzing=False)
    Store(store_path).close()
    db = sqlite3.connect(store_path, isolation_level=None)
    db.execute("BEGIN")
    per_card = max(2, reviews // cards)
    start = datetime(2025, 1, 1, 9, tzinfo=UTC)
    written = 0
    for c in range(cards):
        card = fsrs.Card(card_id=c + 1)
        when = start + timedelta(hours=rng.randrange(24 * 60))
        for i in range(per_card):
            if written >= reviews:
                break
            if i == 0:
                grade = rng.choice([3, 4, 4, 5])
            else:
                p = engine.get_card_retrievability(card, current_datetime=when)
                grade = rng.choice([3, 4, 4, 4, 5]) if rng.random() < p else rng.choice([0, 1, 2])
            rating = fsrs.Rating.Again if grade <= 2 else (fsrs.Rating.Hard, fsrs.Rating.Good, fsrs.Rating.Easy)[grade - 3]
            card, _ = engine.review_card(card, rating, review_datetime=when)
            db.execute(
                "INSERT INTO reviews (key, deck, ts, day, grade, kind) VALUES (?,?,?,?,?,'review')",
                (f"card-{c}", "Synthetic", when.isoformat(), local_day(when, UTC, 4), grade),
            )
            written += 1
            interval = max(1.0, (card.due - when).total_seconds() / 86400)
            when += timedelta(days=rng.uniform(1.0, 2.0) * interval, hours=rng.uniform(-3, 3))
    db.execute("COMMIT")
    db.close()
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reviews", type=int, default=5000)
    parser.add_argument("--cards", type=int, default=1000)
    opts = parser.parse_args()
    from pyflash.core.scheduling.optimize import optimize

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "reviews.sqlite3"
        n = synthetic_log(path, reviews=opts.reviews, cards=opts.cards)
        with Store(path) as store:
            t = time.perf_counter()
            rows = store.graded_rows()
            read = time.perf_counter() - t
            t = time.perf_counter()
            result = optimize(rows)
            spent = time.perf_counter() - t
    print(f"{n} reviews over {opts.cards} cards; fitted on {result.train_items}, scored on {result.test_reviews}")
    print("| step | time | ratio to reading the log |")
    print("|---|---|---|")
    print(f"| read the log (baseline) | {read * 1000:.1f} ms | 1.00x |")
    print(f"| fit + score three schedulers | {spent:.2f} s | {spent / read:.0f}x |")
    print(f"goal: under 30 s -> {'met' if spent < 30 else 'MISSED'}")
    for s in result.scores:
        print(f"  {s.scheduler:<13} log-loss {s.log_loss:.4f}  RMSE(bins) {s.rmse_bins:.4f}  n={s.reviews}")


if __name__ == "__main__":
    main()
