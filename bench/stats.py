"""How long `pyflash stats --json` computes, beyond start-up.

Builds, in a temporary folder, 100,000 cards in 100 YAML files and a review
store of 1,000,000 log rows over them (90% of the cards learned, about three
years of history, some failed grades, repeats and undos, a few hundred grades
today). Then times, interleaved, whole processes of:

* ``pyflash decks PATH`` -- the baseline: the same start-up, deck loading
  (warm cache) and store opening, with the cheap ``decks`` counting;
* ``pyflash stats PATH --json``.

"Compute beyond start-up" is the difference of the medians (goal <= 0.3 s);
the ratio of the medians is printed too. It also times ``Workspace.stats()``
in process (the core alone); with ``--schema-1``, also that call with
schema 1's indexes instead of schema 2's (very slow).

The TUI stats screen (goal: it appears within 0.5 s): in process, with
``App.run_test`` at 80x24, from pressing ``t`` in the deck picker (on the
``Bench`` deck, every card) to the screen shown (figures still being read),
and to the figures drawn; the baseline is ``Workspace.stats()`` in the same
run. And migrations 7 to 9 (the log summed per day into ``review_days``, the card
indexes): the store is put back to version 6 and opened again.

    python bench/stats.py                 # --reviews 1000000 --cards 100000 --runs 11
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from pyflash import paths  # noqa: E402
from pyflash.core.clock import local_day  # noqa: E402
from pyflash.core.review.store import Store  # noqa: E402
from pyflash.core.workspace import open_workspace  # noqa: E402
from pyflash.ui.app import make_app  # noqa: E402

CARD_COLS = (
    "key, deck, text, easiness, interval, repetitions, due_day, suspended, "
    "buried_until, last_review, last_day, last_grade, first_day"
)
STATE_JSON = (
    '{{"buried_until": null, "deck": "{deck}", "due_day": {due}, "easiness": {ease}, "first_day": {first}, '
    '"interval": {ivl}, "key": "{key}", "last_day": {last}, "last_grade": {grade}, '
    '"last_review": "2026-01-01T10:00:00.000+00:00", "repetitions": {reps}, "suspended": false, "text": "q"}}'
)


def generate_decks(root: Path, cards: int, files: int) -> list[tuple[str, str]]:
    """(key, deck) of every card; cards have ids, so the key is the id."""
    root.mkdir(parents=True, exist_ok=True)
    per_file = cards // files
    out = []
    for f in range(files):
        deck = f"Bench::Part {f:03d}"
        lines = [f"deck: {deck}", "tags: [bench]", "cards:"]
        for i in range(per_file):
            n = f * per_file + i
            lines += [f"  - id: bench-{n}", f"    q: What is {n} + {n}?", f'    a: "{2 * n}"']
            out.append((f"bench-{n}", deck))
        (root / f"part-{f:03d}.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return out


def build_store(path: Path, cards: list[tuple[str, str]], reviews: int, today: int) -> None:
    """A store with ``reviews`` log rows written straight into SQLite (the store's schema)."""
    Store(path).close()
    rnd = random.Random(12)
    learned = cards[: len(cards) * 9 // 10]
    per_card = reviews // len(learned)
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA synchronous=OFF")
    db.execute("BEGIN")
    log: list[tuple[object, ...]] = []
    states: list[tuple[object, ...]] = []
    for c, (key, deck) in enumerate(learned):
        n = per_card + (1 if c < reviews - per_card * len(learned) else 0)
        first = today - rnd.randrange(30, 1100)
        day, ivl, reps, ease, before = first, 0, 0, 250, None
        for _ in range(n):
            grade = rnd.choice((0, 1, 2, 3, 4, 4, 4, 5, 5, 5, 5, 5, 5))
            kind = "review"
            if grade < 3:
                reps, ivl = 0, 1
            else:
                reps, ivl = reps + 1, 1 if reps == 0 else 6 if reps == 1 else min(ivl * 2, 400)
            ease = max(130, ease + (10 if grade >= 4 else -20))
            due = day + ivl
            after = STATE_JSON.format(deck=deck, due=due, ease=ease, first=first, ivl=ivl, key=key,
                                      last=day, grade=grade, reps=reps)
            log.append((key, deck, "2026-01-01T10:00:00.000+00:00", day, grade, kind, before, after,
                        rnd.randrange(1500, 20000)))
            before = after
            day = min(today, day + max(1, rnd.randrange(ivl // 2 + 1, ivl * 2 + 2) if ivl > 1 else 1))
        states.append((key, deck, "q", ease, ivl, reps, due, int(c % 97 == 0), None,
                       "2026-01-01T10:00:00.000+00:00", log[-1][3], log[-1][4], first))
    db.executemany(f"INSERT INTO cards ({CARD_COLS}) VALUES ({','.join('?' * 13)})", states)
    db.executemany(
        "INSERT INTO reviews (key, deck, ts, day, grade, kind, before, after, answer_ms) VALUES (?,?,?,?,?,?,?,?,?)", log
    )
    # A thousand grades were taken back (undo rows pointing at them).
    db.execute(
        "INSERT INTO reviews (key, deck, ts, day, grade, kind, before, after, undoes)"
        " SELECT key, deck, ts, day, NULL, 'undo', after, before, id FROM reviews WHERE id % 1000 = 7"
    )
    db.execute("COMMIT")
    db.execute("ANALYZE")
    db.close()


def run(args: list[str], env: dict[str, str]) -> tuple[float, str]:
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "pyflash", *args], env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"pyflash {' '.join(args)} failed: {proc.stderr}")
    return seconds, proc.stdout


def in_process(decks: Path, home: Path, repeat: int, deck: str | None = None) -> float:
    os.environ["PYFLASH_HOME"] = str(home)
    with open_workspace([str(decks)], locations=paths.locations(), read_only=True) as ws:
        ws.stats(deck)  # warm the page cache
        times = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            ws.stats(deck)
            times.append(time.perf_counter() - t0)
    return statistics.median(times)


def tui_times(decks: Path, home: Path, runs: int) -> tuple[list[float], list[float]]:
    """(t to the stats screen shown, t to its figures drawn), in seconds, ``runs`` times."""
    import asyncio

    from pyflash.ui.picker import DeckPickerScreen
    from pyflash.ui.stats import StatsScreen

    os.environ["PYFLASH_HOME"] = str(home)
    shown: list[float] = []
    drawn: list[float] = []

    async def drive() -> None:
        with open_workspace([str(decks)], locations=paths.locations()) as ws:
            app = make_app(ws, theme="textual-dark", animations=False)
            async with app.run_test(size=(80, 24)) as pilot:
                await pilot.pause()
                if not isinstance(app.screen, DeckPickerScreen):
                    await pilot.press("escape")
                    await pilot.pause()
                for _ in range(runs):
                    t0 = time.perf_counter()
                    await pilot.press("t")
                    while not isinstance(app.screen, StatsScreen) or "drawn" not in app.screen.times:
                        await pilot.pause(0.005)
                    shown.append(app.screen.times["shown"] - t0)  # stamped by the screen itself
                    drawn.append(app.screen.times["drawn"] - t0)
                    await pilot.press("escape")
                    await pilot.pause()

    asyncio.run(drive())
    return shown, drawn


# Back to schema 6: what migrations 7 to 9 add (review_days, the card indexes, review_orphans).
UNDO_7_TO_9 = (
    "".join(f"DROP TRIGGER review_days_{t};" for t in ("grade", "undo", "undo_late", "edit"))
    + "".join(f"DROP TRIGGER review_orphans_{t};" for t in ("logged", "gone", "back"))
    + "".join(f"DROP INDEX cards_{i};" for i in ("interval", "easiness", "due", "today", "suspended", "buried", "leech"))
    + "DROP TABLE review_days; DROP TABLE review_orphans; PRAGMA user_version = 6;"
)


def migration_time(store: Path) -> tuple[float, int]:
    """Seconds to open a schema-6 copy of the store (migrations 7 to 9: the log summed per day,
    the card indexes, the orphan keys), and the days summed."""
    db = sqlite3.connect(store, isolation_level=None)
    db.executescript(UNDO_7_TO_9)
    db.close()
    t0 = time.perf_counter()
    with Store(store, check=False) as opened:
        seconds = time.perf_counter() - t0
        days = opened.connection.execute("SELECT COUNT(*) FROM review_days").fetchone()[0]
    return seconds, int(days)


def main() -> None:
    # Over 50 lines: one straight script (build, time interleaved, report); splitting it hides the order.
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reviews", type=int, default=1_000_000)
    parser.add_argument("--cards", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=11)
    parser.add_argument("--schema-1", action="store_true", help="Also time the core with schema 1's indexes (very slow).")
    opts = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="pyflash-bench-stats-"))
    try:
        home = work / "home"
        env = {**os.environ, "PYFLASH_HOME": str(home),
               "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT / "src"), os.environ.get("PYTHONPATH")]))}
        env.pop("PYFLASH_DECKS", None)
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "src" / "pyflash")], check=True)
        os.environ["PYFLASH_HOME"] = str(home)
        paths.config_path().parent.mkdir(parents=True, exist_ok=True)
        paths.config_path().write_text('timezone = "UTC"\nbackups_keep = 0\n')  # no 800 MB backup copies
        today = local_day(datetime.now(UTC), UTC)
        t0 = time.perf_counter()
        cards = generate_decks(work / "decks", opts.cards, 100)
        store = paths.store_path()
        store.parent.mkdir(parents=True, exist_ok=True)
        build_store(store, cards, opts.reviews, today)
        rows = sqlite3.connect(store).execute("SELECT COUNT(*) FROM reviews").fetchone()[0]
        print(f"built {len(cards)} cards, {rows} review rows in {time.perf_counter() - t0:.1f} s", flush=True)
        decks = str(work / "decks")
        run(["decks", decks], env)  # fills the deck cache
        times: dict[str, list[float]] = {"decks": [], "stats --json": []}
        for i in range(opts.runs):
            times["decks"].append(run(["decks", decks], env)[0])
            times["stats --json"].append(run(["stats", decks, "--json"], env)[0])
            print(f"round {i + 1}/{opts.runs}: decks {times['decks'][-1]:.3f} s, "
                  f"stats {times['stats --json'][-1]:.3f} s", flush=True)
        med = {k: statistics.median(v) for k, v in times.items()}
        core = in_process(work / "decks", home, 5)
        core_bench = in_process(work / "decks", home, 3, "Bench")  # what the screen shows: the Bench deck
        shown, drawn = tui_times(work / "decks", home, 5)
        core_after = in_process(work / "decks", home, 3, "Bench")
        bare = None
        if opts.schema_1:
            db = sqlite3.connect(store, isolation_level=None)
            for index in ("reviews_day_stats", "reviews_lapses", "reviews_undoes", "cards_first_day"):
                db.execute(f"DROP INDEX {index}")
            db.execute("CREATE INDEX reviews_day ON reviews(day)")  # as in schema version 1
            db.close()  # the version stays 2: the store does not put the indexes back on open
            bare = in_process(work / "decks", home, 1)
        print()
        print(f"pyflash decks (baseline), median of {opts.runs}:  {med['decks']:.3f} s (min {min(times['decks']):.3f})")
        print(f"pyflash stats --json, median of {opts.runs}:      {med['stats --json']:.3f} s "
              f"(min {min(times['stats --json']):.3f})")
        print(f"compute beyond start-up (difference):      {med['stats --json'] - med['decks']:.3f} s  (goal <= 0.3 s)")
        print(f"ratio stats / decks:                       {med['stats --json'] / med['decks']:.2f}x")
        print(f"Workspace.stats() in process, median:      {core:.3f} s")
        print(f"Workspace.stats('Bench') (the screen's):   {core_bench:.3f} s (after the TUI runs: {core_after:.3f} s)")
        print(f"TUI: t to the stats screen shown, median:  {statistics.median(shown):.3f} s (max {max(shown):.3f})")
        print(f"TUI: t to the figures drawn, median:       {statistics.median(drawn):.3f} s (max {max(drawn):.3f}; "
              f"goal <= 0.5 s)")
        print(f"ratio figures drawn / stats('Bench'):      {statistics.median(drawn) / core_bench:.2f}x")
        if bare is not None:
            print(f"... with schema 1's indexes:            {bare:.3f} s")
        print(f"load average: {open('/proc/loadavg').read().split()[:3]}", flush=True)
        migrated, summed = migration_time(store)
        print(f"migrations 7-9 (review_days, indexes):     {migrated:.3f} s, {summed} days summed")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
