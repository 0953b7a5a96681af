"""The grouped replay (core/events/foldgroup.py) gives the plain fold's states, card by card, on logs of
first grades from several devices (as bench/sync.py's) with every way such a log can differ from it."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st

from pyflash.core.events import Event, foldgroup
from pyflash.core.events.fastfold import fold_log, values_of
from pyflash.core.events.replay import replay_steps
from pyflash.core.review.events_io import all_steps
from pyflash.core.review.records import utc_now_iso
from pyflash.core.review.store import Store

T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
DAY = 20514
DEVICES = ["dA", "dB", "dC"]


def _state(key: str, deck: str, **fields: object) -> dict[str, object]:
    state: dict[str, object] = {
        "key": key, "deck": deck, "text": "", "easiness": 250, "interval": 0, "repetitions": 0, "due_day": None,
        "suspended": False, "buried_until": None, "last_review": None, "last_day": None, "last_grade": None,
        "first_day": None, "memory": None, "leech": False,
    }
    state.update(fields)
    return state


# (device, card, kind, grade, seconds after the previous event, variation) — variation 0 is the bench's event
_event = st.tuples(
    st.integers(0, 2), st.integers(0, 1), st.sampled_from(["review"] * 12 + ["repeat", "suspend", "undo"]),
    st.integers(0, 5), st.sampled_from([1] * 6 + [7, 0, -3]), st.sampled_from([0] * 20 + list(range(1, 10))),
)
# the conditions the grouped path relies on, each broken once: a text in a middle event (the state keeps it),
# a device continuing its own recorded state (its next event is taken as recorded), every before the state
# the first grade gives (the second event is taken as recorded)
_TEXT_BETWEEN = [(0, 0, "review", 4, 1, 0), (1, 0, "review", 3, 1, 2), (2, 0, "review", 5, 1, 0)]
_CONTINUED = [(0, 0, "review", 4, 1, 1), (0, 0, "review", 5, 1, 8)]
_BEFORE_IS_STATE = [(0, 0, "review", 4, 1, 9), (1, 0, "review", 5, 1, 9)]


def _events(spec: list[tuple[int, int, str, int, int, int]]) -> list[Event]:
    """The bench's first grades (before: the new card; after: graded, last_review without milliseconds, no
    text), or with one thing different: the after's time as the log writes it (continuity possible), a text, a
    before that was graded, another deck, another day, a time that is no date, an after without the text field,
    an after with another schedule, a before that is the state the replay holds."""
    when, seqs, out = T0, dict.fromkeys(DEVICES, 0), []
    for device_n, card_n, kind, grade, step, variation in spec:
        device, key = DEVICES[device_n], f"card-{card_n}"
        when += timedelta(seconds=step)
        seqs[device] += 1
        seq = seqs[device]
        if kind == "undo":
            if seq > 1:
                out.append(Event(f"{device}-{seq}", device, seq, utc_now_iso(when), key, "undo",
                                 {"deck": "D", "day": DAY, "undoes": f"{device}-{seq - 1}"}))
            continue
        deck = "E" if variation == 4 else "D"
        day = DAY + 1 if variation == 5 else DAY
        review = when.isoformat() if variation != 1 else utc_now_iso(when)
        after = _state(key, deck, interval=1, repetitions=1, due_day=day + 1, last_review=review, last_day=day,
                       last_grade=grade, first_day=day, suspended=kind == "suspend")
        before = _state(key, deck)
        if variation == 9:  # the state the card's first grade gives if it is a 4 at T0 + 1 s
            before.update(interval=1, repetitions=1, due_day=DAY + 1, last_review=utc_now_iso(T0 + timedelta(seconds=1)),
                          last_day=DAY, last_grade=4, first_day=DAY)
        if variation == 2:
            after["text"] = "question"
        if variation == 3:
            before.update(last_review=utc_now_iso(when - timedelta(days=1)), repetitions=1, interval=1)
        if variation == 7:
            del after["text"]
        if variation == 8:
            after.update(interval=6, due_day=day + 6)
        ts = when.isoformat().replace("+00:00", "Z") if variation != 6 else "2026-02-30T10:00:00.000+00:00"
        data = {"deck": deck, "day": day, "before": before, "after": after}
        if kind != "suspend":
            data.update(grade=grade, answer_ms=900)
        out.append(Event(f"{device}-{seq}", device, seq, ts, key, kind, data))
    return out


def _fold_both(store: Store) -> tuple[dict[str, object], dict[str, object]]:
    db, rules = store.connection, store.rules
    plain = {k: (values_of(s) if s is not None else None) for k, s in replay_steps(all_steps(db), rules).items()}
    undone = {r[0] for r in db.execute("SELECT undoes_event FROM reviews WHERE kind = 'undo' AND undoes_event IS NOT NULL")}
    return foldgroup.fold_grouped(db, rules, set(), undone), plain  # type: ignore[return-value]


@settings(max_examples=100, deadline=None, phases=[Phase.explicit, Phase.reuse, Phase.generate],
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(st.lists(_event, min_size=1, max_size=14), st.randoms(use_true_random=False))
@example(_TEXT_BETWEEN, random.Random(1))
@example(_CONTINUED, random.Random(1))
@example(_BEFORE_IS_STATE, random.Random(1))
def test_the_grouped_fold_is_the_plain_fold(tmp_path_factory, spec, rng):
    """Each store: the events ingested in random batches (rows out of time order too)."""
    events = _events(spec)
    with Store(tmp_path_factory.mktemp("s") / "s.sqlite3", leech_threshold=2) as store:
        i = 0
        while i < len(events):
            n = rng.randint(1, 5)
            store.ingest(events[i : i + n])
            i += n
        grouped, plain = _fold_both(store)
        assert grouped == plain


def test_the_bench_log_is_folded_from_its_group_rows(tmp_path, monkeypatch):
    """The bench's log (10% of pairs of events from one device): no card folded from its rows, the plain
    fold's states; one card whose events a device continued (its recorded after, as the fold holds it) is
    folded from its rows; and fold_log, split with this path, gives the same."""
    from pyflash.core.events import foldsplit

    rng = random.Random(3)
    spec = [(rng.randrange(3), rng.randrange(40), "review", rng.choice((3, 4, 4, 5)), 1, 0) for _ in range(400)]
    # card-99: dA grades it twice in a row, its first after the state the replay holds (so its second is taken
    # as recorded: another schedule, not a repeat's)
    spec += [(0, 99, "review", 4, 1, 1), (0, 99, "review", 5, 1, 8)]
    with Store(tmp_path / "s.sqlite3") as store:
        store.ingest(_events(spec))
        folded: list[str] = []
        real = foldgroup.fold_part

        def spy(db: object, rules: object, skip: object, undone: object, where: str, keys: list[str]) -> object:
            folded.extend(keys)
            return real(db, rules, skip, undone, where, keys)  # type: ignore[arg-type]

        monkeypatch.setattr(foldgroup, "fold_part", spy)
        top = store.connection.execute("SELECT MAX(id) FROM reviews").fetchone()[0]
        assert foldgroup.worth_grouping(store.connection, top)
        grouped, plain = _fold_both(store)
        assert grouped == plain and len(grouped) == 41
        assert folded == ["card-99"]
        halves = []
        grouped_half = foldsplit.fold_grouped

        def spy_half(*args: object) -> object:
            halves.append(args[4])
            return grouped_half(*args)  # type: ignore[arg-type]

        monkeypatch.setattr(foldsplit, "SPLIT_MIN", 0)
        monkeypatch.setattr(foldsplit, "_cores", lambda: 2)
        monkeypatch.setattr(foldsplit, "fold_grouped", spy_half)
        assert fold_log(store.connection, store.rules) == plain
        assert halves == ["key < ?"]  # this process's half grouped (the child's, too)


def test_a_log_of_one_device_is_not_grouped(tmp_path):
    with Store(tmp_path / "s.sqlite3") as store:
        before = _state("card-1", "D", last_review="2026-03-01T10:00:00.000+00:00", repetitions=1, interval=1)
        events = [Event(f"dA-{i}", "dA", i, utc_now_iso(T0 + timedelta(minutes=i)), "card-1", "review",
                        {"deck": "D", "day": DAY, "grade": 4, "before": before, "after": before}) for i in range(1, 20)]
        store.ingest(events)
        assert not foldgroup.worth_grouping(store.connection, 19)
