"""How the store writes a card's row: a grade, a bury and an undo set only the columns they change."""

from __future__ import annotations

from dataclasses import replace

import pytest

from pyflash.core.review.records import COLUMNS
from pyflash.core.review.store import CardState, Store
from pyflash.core.scheduling.sm2 import Easiness

NAMES = [c.strip() for c in COLUMNS.split(",")]


@pytest.fixture
def store(tmp_path):
    with Store(tmp_path / "r.sqlite3") as s:
        db = s.connection
        db.execute("CREATE TEMP TABLE touched (what TEXT)")
        for name in NAMES:  # an UPDATE OF trigger fires when its column is in the SET list, changed or not
            db.execute(
                f"CREATE TEMP TRIGGER t_{name} AFTER UPDATE OF {name} ON main.cards"
                f" BEGIN INSERT INTO touched VALUES ('{name}'); END"
            )
        db.execute("CREATE TEMP TRIGGER t_insert AFTER INSERT ON main.cards BEGIN INSERT INTO touched VALUES ('INSERT'); END")
        yield s


def touched(store: Store) -> set[str]:
    rows = {r[0] for r in store.connection.execute("SELECT what FROM touched")}
    store.connection.execute("DELETE FROM touched")
    return rows


def test_a_grade_sets_only_the_columns_it_changes_and_the_row_is_the_state(store):
    first = CardState("k", "D", "text", easiness=Easiness(2.5), interval=1, repetitions=1, due_day=11, last_day=10,
                      last_grade=4, first_day=10, last_review="t1")
    store.record(None, first, grade=4, kind="review", ts="t1", day=10, answer_ms=900)
    assert touched(store) == {"INSERT"}  # a new card's first grade makes its row
    assert store.get("k") == first

    second = replace(first, interval=6, repetitions=2, due_day=17, last_day=11, last_review="t2")  # grade 4: same easiness
    store.record(first, second, grade=4, kind="review", ts="t2", day=11, answer_ms=800)
    assert touched(store) == {"interval", "repetitions", "due_day", "last_day", "last_review"}
    assert store.get("k") == second

    moved = replace(second, deck="E", text="new text", easiness=Easiness(2.36), last_grade=3, last_review="t3")
    store.record(second, moved, grade=3, kind="repeat", ts="t3", day=11, answer_ms=700)
    assert touched(store) == {"deck", "text", "easiness", "last_grade", "last_review"}
    assert store.get("k") == moved

    store.undo(ts="t4", day=11)
    assert touched(store) == {"deck", "text", "easiness", "last_grade", "last_review"}
    assert store.get("k") == second


def test_a_bury_sets_one_column_and_its_undo_puts_it_back(store):
    store.record(None, CardState("k", "D", "x", due_day=3, last_day=2, first_day=2), grade=5, kind="review", ts="t",
                 day=2, answer_ms=None)
    before = store.get("k")
    touched(store)
    [(_, after)] = store.change([("k", "D", "x")], kind="bury", ts="t2", day=2, buried_until=3)
    assert touched(store) == {"buried_until"}
    assert store.get("k") == after == replace(before, buried_until=3)
    store.undo(ts="t3", day=2)
    assert touched(store) == {"buried_until"}
    assert store.get("k") == before
    # A card with no row yet gets one.
    [(_, new)] = store.change([("n", "D", "new card")], kind="suspend", ts="t4", day=2, suspended=True)
    assert touched(store) == {"INSERT"}
    assert store.get("n") == new == CardState("n", "D", "new card", suspended=True)


def test_the_counts_pyflash_decks_reads(store):
    today = 20
    store.record(None, CardState("n", "A", "x", due_day=21, last_day=today, first_day=today), grade=4, kind="review",
                 ts="t", day=today, answer_ms=None)
    old = CardState("r", "B", "y", interval=3, due_day=today, last_day=17, first_day=10)
    store.record(None, old, grade=4, kind="review", ts="t0", day=17, answer_ms=None)
    store.record(old, replace(old, due_day=26, last_day=today), grade=4, kind="review", ts="t1", day=today, answer_ms=None)
    store.change([("s", "A", "z")], kind="suspend", ts="t2", day=today, suspended=True)
    store.change([("d", "B", "w")], kind="bury", ts="t2", day=today, buried_until=today + 1)
    assert store.new_by_deck(today) == {"A": 1}
    assert store.studied_by_deck(today) == ({"A": 1}, {"B": 1})
    sets = store.key_sets(today)
    assert sets == {"suspended": {"s"}, "buried": {"d"}, "learned": {"n", "r"}, "due": set()}
    assert store.key_sets(today + 1)["due"] == {"n"}


@pytest.mark.parametrize("odd", ["", "a\x1fb"])  # the empty key, and one holding the separator of the one-string read
def test_key_sets_read_every_key_whatever_it_holds(store, odd):
    for key in ("k1", odd, "k2"):
        store.record(None, CardState(key, "A", "x", due_day=5, last_day=1, first_day=1), grade=4, kind="review", ts="t",
                     day=1, answer_ms=None)
    assert store.learned_keys() == {"k1", odd, "k2"}
    assert store.key_sets(5)["due"] == {"k1", odd, "k2"}
    assert store.key_sets(4)["due"] == set()
