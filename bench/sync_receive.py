"""One sync's receive alone: the other device's 10k new lines read and ingested, without git.

The stores and lines of bench/sync.py (``--cards`` cards, ``--events`` events per device, half on the
same cards): B receives A's lines (its cards continue from their rows) and A receives B's (half of
its cards are replayed from B's earlier events). Each receive is what ``pyflash sync`` does after the
merge: ``read_new``'s reading of the lines (pyflash.sync.files) and ``Store.ingest_decoded``, timed
apart, with this process's CPU time and the load average (figures under load are noisy).

``--callgrind``: run each receive again under valgrind's callgrind, counting the instructions of the
receive alone (``--dump-before=os_getppid`` around it) per thread: the main thread's count is the
receive's critical path when the other threads (the ingest's reads and fold) have a core of their
own; the total is the work. Deterministic, so load does not matter.

    python bench/sync_receive.py [--cards 100000] [--events 10000] [--callgrind]
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))

from pyflash.core.review.store import Store  # noqa: E402
from pyflash.sync.files import FileMark, NewLines, _scan  # noqa: E402


def build(base: Path, cards: int, events: int) -> None:
    """A and B as bench/sync.py makes them, each with its own events' lines in ``<name>.jsonl``."""
    import sync as bench  # bench/sync.py

    rng = random.Random(3)
    for name, first in (("A", 0), ("B", events // 2)):
        bench.seed_cards(base / f"{name}.sqlite3", cards)
        with Store(base / f"{name}.sqlite3") as store:
            bench.own_events(store, first, events, cards, rng)
            (base / f"{name}.jsonl").write_text("".join(line + "\n" for _ts, line in store.outbox_lines(0)))


def receive(base: Path, who: str, marked: bool = False) -> tuple[float, float, float, float, int]:
    """(read wall, read CPU, ingest wall, ingest CPU, events added) of ``who`` receiving the other's lines,
    on a copy of its store. ``marked``: call os.getppid before and after (callgrind's dump marks)."""
    other = "A" if who == "B" else "B"
    work = base / f"run-{who}-{os.getpid()}.sqlite3"
    shutil.copy(base / f"{who}.sqlite3", work)
    raw = (base / f"{other}.jsonl").read_bytes()
    import pyflash.core.events.fastfold
    import pyflash.core.events.fastline
    import pyflash.core.review.bulk
    import pyflash.core.review.ingest
    import pyflash.core.scheduling.schedule  # noqa: F401 - imported before the count, as a sync has them

    with Store(work) as store:
        store.connection.execute("SELECT COUNT(*) FROM cards").fetchone()
        if marked:
            os.getppid()
        start, cpu = time.perf_counter(), time.process_time()
        found = NewLines([], [], {})
        _scan(base / f"{other}.jsonl", raw, FileMark(), found)
        read, read_cpu = time.perf_counter() - start, time.process_time() - cpu
        start, cpu = time.perf_counter(), time.process_time()
        done = store.ingest_decoded(found.events, found.texts)
        took, took_cpu = time.perf_counter() - start, time.process_time() - cpu
        if marked:
            os.getppid()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{work}{suffix}").unlink(missing_ok=True)
    return read, read_cpu, took, took_cpu, done.added


def _load() -> str:
    return " ".join(open("/proc/loadavg").read().split()[:3])


def callgrind(base: Path, who: str) -> str:
    """The instructions of one receive under callgrind: per thread and in all."""
    out = base / f"cg-{who}"
    out.mkdir()
    subprocess.run(
        ["valgrind", "--tool=callgrind", "--separate-threads=yes", "--dump-before=os_getppid",
         f"--callgrind-out-file={out}/cg.%p", sys.executable, __file__, "--only", who, "--base", str(base)],
        check=True, capture_output=True,
    )
    counts: dict[int, int] = {}
    for path in out.iterdir():  # the receive is part 2 of the main thread; the ingest's thread lives only in it
        head = path.read_text(errors="replace").splitlines()[:40]
        part = next((int(line.split()[1]) for line in head if line.startswith("part:")), 1)
        thread = next((int(line.split()[1]) for line in head if line.startswith("thread:")), 1)
        total = next((int(line.split()[1]) for line in head if line.startswith("summary:")), 0)
        if (thread == 1 and part == 2) or thread > 1:
            counts[thread] = counts.get(thread, 0) + total
    main = counts.pop(1, 0)
    rest = sum(counts.values())
    return f"main thread {main / 1e9:.2f} G, other threads {rest / 1e9:.2f} G, in all {(main + rest) / 1e9:.2f} G"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cards", type=int, default=100_000)
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--callgrind", action="store_true", help="also count each receive's instructions")
    parser.add_argument("--only", choices=["A", "B"], help=argparse.SUPPRESS)  # one marked receive (for callgrind)
    parser.add_argument("--base", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.only:
        receive(Path(args.base), args.only, marked=True)
        return
    base = Path(tempfile.mkdtemp(prefix="pyflash-bench-receive-"))
    try:
        build(base, args.cards, args.events)
        for who, what in (("B", "B receives A's (continued from the rows)"), ("A", "A receives B's (half replayed)")):
            read, read_cpu, took, took_cpu, added = receive(base, who)
            print(f"{what}: {added:,} events; read the lines {read:6.3f} s (CPU {read_cpu:6.3f} s), ingest {took:6.3f} s "
                  f"(CPU {took_cpu:6.3f} s, every thread); load {_load()}")
            if args.callgrind:
                print(f"  instructions: {callgrind(base, who)}")
    finally:
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
