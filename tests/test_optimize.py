"""`pyflash optimize`: FSRS fitted to the review log, three schedulers scored on held-out reviews."""

from __future__ import annotations

import json
import math
import sys

import pytest

from conftest import ROOT, run_main
from pyflash import paths
from pyflash.core.review.store import Store
from pyflash.core.scheduling.optimize import MIN_TRAIN_ITEMS, histories, score, split

sys.path.insert(0, str(ROOT / "bench"))
from optimize import synthetic_log


def test_held_out_is_the_last_fifth_of_each_history():
    assert [split(range(n)) for n in (1, 2, 3, 5, 10, 11)] == [1, 2, 2, 4, 8, 9]


def test_a_forget_starts_a_new_history():
    rows = [("a", 1, "t1", 4, "review", 1), ("a", 2, "t2", -1, "forget", 2), ("a", 3, "t3", 3, "review", 3),
            ("b", 4, "t4", 5, "review", 1)]
    assert [[g.grade for g in h] for h in histories(rows)] == [[4], [3], [5]]


def test_scores_by_hand():
    s = score("x", [(0.9, 1), (0.9, 0), (0.2, 0)])
    expected = -(math.log(0.9) + math.log(0.1) + math.log(0.8)) / 3
    assert s.log_loss == pytest.approx(expected)
    # bins: 0.9 -> (2 reviews, mean p 0.9, recall 0.5); 0.2 -> (1, 0.2, 0)
    assert s.rmse_bins == pytest.approx(math.sqrt((2 * 0.4**2 + 1 * 0.2**2) / 3))


def test_optimize_on_5k_synthetic_reviews_beats_the_defaults(capsys):
    synthetic_log(paths.store_path(), reviews=5000, cards=1000)
    code, out, err = run_main(["optimize", "--json", "--save"], capsys)
    assert code == 0, err
    data = json.loads(out)
    by = data["schedulers"]
    assert set(by) == {"sm2", "fsrs_default", "fsrs_fitted"}
    assert all(v["reviews"] == data["test_reviews"] > 500 for v in by.values())
    assert by["fsrs_fitted"]["log_loss"] < by["fsrs_default"]["log_loss"] < by["sm2"]["log_loss"]
    assert len(data["parameters"]) == 21
    saved = json.loads((paths.store_path().parent / "fsrs-parameters.json").read_text())
    assert saved["parameters"] == data["parameters"]
    # The FSRS scheduler now uses them.
    from conftest import open_workspace

    with open_workspace() as ws:
        assert ws.fsrs_parameters() == tuple(data["parameters"])


def test_too_few_reviews_says_how_many_more(capsys):
    synthetic_log(paths.store_path(), reviews=300, cards=100)
    code, out, err = run_main(["optimize"], capsys)
    assert code == 2
    assert f"at least {MIN_TRAIN_ITEMS} training reviews" in err and "more are needed" in err
    assert "Traceback" not in err


def test_table_output(capsys):
    synthetic_log(paths.store_path(), reviews=3000, cards=500)
    code, out, err = run_main(["optimize"], capsys)
    assert code == 0, err
    assert "SM-2" in out and "FSRS, fitted parameters" in out and "log-loss" in out
    with Store(paths.store_path()) as store:
        assert store.graded_rows()  # nothing was written to the log
