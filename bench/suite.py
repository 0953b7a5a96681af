"""How long the test suite takes: one process (``-n 0``) against every core (``-n auto``, the default).

Runs the whole suite twice from this checkout, with the configured options, once
with ``-n 0`` and once with the default ``-n auto`` (pytest-xdist), and prints
the wall time of each, the ratio, the load average around each run and the goal:
the default run under 300 s on 2 cores (CI's limit for the suite is 5 minutes),
and at most 0.75x the one-process run. Run it on a quiet machine: other
processes on the same cores stretch both runs.

    python bench/suite.py              # both runs (about 7 minutes on 2 quiet cores)
    python bench/suite.py --only auto  # the default run only
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GOAL_SECONDS = 300.0
GOAL_RATIO = 0.75


def load() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "n/a"


def run(workers: str) -> float:
    before = load()
    start = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-n", workers],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.monotonic() - start
    last = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else done.stderr.strip()[-200:]
    print(f"-n {workers:<4} {seconds:7.1f} s  exit {done.returncode}  load {before} -> {load()}  ({last})", flush=True)
    if done.returncode != 0:
        sys.exit(f"the suite failed with -n {workers}; fix it first")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", choices=["0", "auto"], help="run one of the two")
    args = parser.parse_args()
    print(f"{os.cpu_count()} cores; goal: -n auto under {GOAL_SECONDS:g} s on 2 cores, at most {GOAL_RATIO}x -n 0")
    serial = run("0") if args.only in (None, "0") else None
    parallel = run("auto") if args.only in (None, "auto") else None
    if parallel is not None:
        verdict = "met" if parallel < GOAL_SECONDS else "MISSED"
        print(f"-n auto: {parallel:.1f} s (goal < {GOAL_SECONDS:g} s on 2 cores): {verdict}")
    if serial and parallel:
        ratio = parallel / serial
        print(f"ratio -n auto / -n 0: {ratio:.2f}x (goal <= {GOAL_RATIO}x): {'met' if ratio <= GOAL_RATIO else 'MISSED'}")


if __name__ == "__main__":
    main()
