"""``pyflash optimize``: fit FSRS to your own review log, and measure which scheduler predicts you best.

* **Data.** Every grade still in effect in the log (undone grades left out; a
  ``forget`` starts the card's history again), grouped by card, in log order.
* **Split.** The last 20% of each card's reviews (``round(0.2 n)``, at least one,
  for cards with 3 or more) are held out; the rest is the training set.
* **Fit.** FSRS parameters are fitted on the training set with fsrs-rs-python's
  optimizer (``FSRS.compute_parameters``; items are each review with its history,
  for reviews a study day or more after the previous one, as Anki builds them).
* **Evaluate.** For each held-out review a study day or more after the one before
  it, each model predicts the probability of recall from the history before it:

  - **SM-2**: SM-2 replayed on the first grade of each day gives the interval I it
    scheduled; its implied recall after t days is ``0.9 ** (t / I)`` (SM-2 aims to
    show a card when recall has fallen to about 90%, the convention of the open
    spaced-repetition benchmark);
  - **FSRS (default)** and **FSRS (fitted)**: the ``fsrs`` package's scheduler
    replayed on the same history (real time stamps), then its retrievability at the
    review's time.

  The outcome is 1 for grade 3 or more (FSRS's Hard, Good or Easy), else 0.
  **Log-loss** is the mean of ``-(y ln p + (1-y) ln(1-p))`` (p clipped to
  [1e-6, 1 - 1e-6]). **RMSE (bins)** groups the predictions into 20 equal bins of
  p and is the root of the count-weighted mean of (mean p - observed recall rate)²
  over the bins. Lower is better for both.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from pyflash.core.errors import PyflashError

if TYPE_CHECKING:
    from fsrs_rs_python import FSRSItem
from pyflash.core.scheduling import sm2

MIN_TRAIN_ITEMS = 400  # training reviews (a day or more after the previous one) the fit needs
HOLD_OUT = 0.2
BINS = 20


@dataclass(frozen=True)
class Graded:
    ts: str
    day: int
    grade: int


@dataclass(frozen=True)
class Score:
    scheduler: str
    log_loss: float | None
    rmse_bins: float | None
    reviews: int


@dataclass(frozen=True)
class Optimized:
    parameters: list[float]
    train_items: int
    test_reviews: int
    scores: list[Score]

    def to_dict(self) -> dict[str, object]:
        return {
            "parameters": self.parameters,
            "train_items": self.train_items,
            "test_reviews": self.test_reviews,
            "schedulers": {s.scheduler: {"log_loss": s.log_loss, "rmse_bins": s.rmse_bins, "reviews": s.reviews} for s in self.scores},
            "scores": [asdict(s) for s in self.scores],
        }


class TooFewReviews(PyflashError):
    """Not enough reviews to fit parameters (the message says how many more)."""


def histories(rows: Iterable[tuple[str, int, str, int, str, int | None]]) -> list[list[Graded]]:
    """Each card's grades in log order; a forget (grade -1) starts a new history."""
    out: list[list[Graded]] = []
    current_key: str | None = None
    current: list[Graded] = []
    for key, _id, ts, grade, _kind, day in rows:
        if key != current_key or grade < 0:
            if current:
                out.append(current)
            current, current_key = [], key
            if grade < 0:
                continue
        current.append(Graded(ts, int(day or 0), grade))
    if current:
        out.append(current)
    return out


def split(history: Sequence[Graded]) -> int:
    """How many of the first reviews are for training (the rest are held out)."""
    n = len(history)
    if n < 3:
        return n
    return n - max(1, round(HOLD_OUT * n))


def _rating(grade: int) -> int:
    return 1 if grade <= 2 else grade - 1  # 0-2 Again(1), 3 Hard(2), 4 Good(3), 5 Easy(4)


def train_items(hs: Iterable[Sequence[Graded]]) -> list[FSRSItem]:
    """fsrs-rs-python items from the training part of each history."""
    import fsrs_rs_python as rs  # deferred: only `pyflash optimize` needs it

    items: list[FSRSItem] = []
    for h in hs:
        train = h[: split(h)]
        reviews = []
        for i, g in enumerate(train):
            delta = 0 if i == 0 else max(0, g.day - train[i - 1].day)
            reviews.append(rs.FSRSReview(_rating(g.grade), delta))
            if i > 0 and delta > 0:
                items.append(rs.FSRSItem(list(reviews)))
    return items


def _sm2_predictions(h: Sequence[Graded], start: int) -> list[tuple[float, int]]:
    state = sm2.initial_state()
    last_day: int | None = None
    out: list[tuple[float, int]] = []
    for i, g in enumerate(h):
        if i >= start and last_day is not None and g.day > last_day and state.interval > 0:
            t = g.day - last_day
            out.append((0.9 ** (t / state.interval), int(g.grade >= 3)))
        if last_day != g.day:  # SM-2's same-day rule: the first grade of a day changes the state
            state = sm2.review(state, g.grade)
            last_day = g.day
    return out


def _fsrs_predictions(h: Sequence[Graded], start: int, engine: object) -> list[tuple[float, int]]:
    import fsrs  # deferred: only `pyflash optimize` and FSRS users need it

    from pyflash.core.scheduling.fsrs_scheduler import parse_ts, rating

    assert isinstance(engine, fsrs.Scheduler)
    card: fsrs.Card | None = None
    out: list[tuple[float, int]] = []
    prev_day: int | None = None
    for i, g in enumerate(h):
        when: datetime = parse_ts(g.ts)
        if i >= start and card is not None and prev_day is not None and g.day > prev_day:
            p = float(engine.get_card_retrievability(card, current_datetime=when))
            out.append((p, int(g.grade >= 3)))
        card, _ = engine.review_card(card or fsrs.Card(card_id=0), rating(g.grade), review_datetime=when)
        prev_day = g.day
    return out


def score(name: str, predictions: Sequence[tuple[float, int]]) -> Score:
    if not predictions:
        return Score(name, None, None, 0)
    eps = 1e-6
    loss = 0.0
    bins: list[list[float]] = [[0.0, 0.0, 0.0] for _ in range(BINS)]  # count, sum p, sum y
    for p, y in predictions:
        q = min(1 - eps, max(eps, p))
        loss -= y * math.log(q) + (1 - y) * math.log(1 - q)
        b = bins[min(BINS - 1, int(p * BINS))]
        b[0] += 1
        b[1] += p
        b[2] += y
    n = len(predictions)
    rmse = math.sqrt(sum(c * (sp / c - sy / c) ** 2 for c, sp, sy in bins if c) / n)
    return Score(name, loss / n, rmse, n)


def optimize(rows: Iterable[tuple[str, int, str, int, str, int | None]], *, retention: float = 0.9) -> Optimized:
    """Fit FSRS on the training part of ``rows`` (``Store.graded_rows``) and score three schedulers."""
    import fsrs  # deferred: only `pyflash optimize` needs it
    import fsrs_rs_python as rs  # deferred: only `pyflash optimize` needs it

    hs = histories(rows)
    items = train_items(hs)
    if len(items) < MIN_TRAIN_ITEMS:
        raise TooFewReviews(
            f"optimize needs at least {MIN_TRAIN_ITEMS} training reviews (each a study day or more after the card's "
            f"previous one); this log has {len(items)}: {MIN_TRAIN_ITEMS - len(items)} more are needed"
        )
    fitted = [float(p) for p in rs.FSRS(list(rs.DEFAULT_PARAMETERS)).compute_parameters(items)]
    default_engine = fsrs.Scheduler(desired_retention=retention, enable_fuzzing=False)
    fitted_engine = fsrs.Scheduler(parameters=fitted, desired_retention=retention, enable_fuzzing=False)
    preds: dict[str, list[tuple[float, int]]] = {"sm2": [], "fsrs_default": [], "fsrs_fitted": []}
    for h in hs:
        start = split(h)
        if start >= len(h):
            continue
        preds["sm2"].extend(_sm2_predictions(h, start))
        preds["fsrs_default"].extend(_fsrs_predictions(h, start, default_engine))
        preds["fsrs_fitted"].extend(_fsrs_predictions(h, start, fitted_engine))
    scores = [score(name, p) for name, p in preds.items()]
    return Optimized(fitted, len(items), max(s.reviews for s in scores), scores)
