"""Deck loading speed.

1. Cold load: pyflash's loader (parse, validate, derive keys, write the cache)
   against a raw ``yaml.load(..., Loader=CSafeLoader)`` of the same files, in
   the same process. Goal: <= 1.15x.
2. Warm ``pyflash decks`` as a whole process (cache filled). Goal: <= 0.27 s,
   what Anki's engine took to open a 100k-note collection and fetch a card.

Usage: python bench/load.py [--cards 10000 100000] [--files 100] [--repeat 3]
"""

from __future__ import annotations

import argparse
import gc
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml


def generate(root: Path, cards: int, files: int) -> None:
    root.mkdir(parents=True, exist_ok=True)
    per_file = cards // files
    n = 0
    for f in range(files):
        lines = [f"deck: Bench::Deck {f % 10}::Part {f}", "tags: [bench]", "lang: python", "cards:"]
        for i in range(per_file):
            lines.append(f"  - id: bench-{n}")
            lines.append(f"    q: 第 {n} 题：What does expression number {n} evaluate to?")
            if i % 3 == 0:
                lines.append("    code: |")
                lines.append(f"      x = [{n}, {n + 1}]")
                lines.append("      print(sum(x))")
                lines.append(f"    output: '{2 * n + 1}'")
            else:
                lines.append(f"    a: The answer is `{n}`, because it is card {n} of the benchmark deck.")
            lines.append(f"    tags: [t{i % 7}, group-{f}]")
            lines.append(f"    source: Bench / File {f} / Card {i}")
            n += 1
        (root / f"deck-{f:03d}.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")


def raw_load(files: list[Path]) -> int:
    total = 0
    for path in files:
        with open(path, encoding="utf-8") as fh:
            data = yaml.load(fh, Loader=yaml.CSafeLoader)
        total += len(data["cards"])
    return total


def best_of(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cards", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--files", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--runs", type=int, default=7, help="warm `pyflash decks` runs")
    args = parser.parse_args()

    # Measure pyflash as installed: `pip install .` byte-compiles the package,
    # but an editable install under PYTHONDONTWRITEBYTECODE=1 would compile
    # every module on every start.
    import compileall

    import pyflash

    compileall.compile_dir(Path(pyflash.__file__).parent, quiet=1)
    work = Path(tempfile.mkdtemp(prefix="pyflash-bench-"))
    os.environ["PYFLASH_HOME"] = str(work / "home")
    from pyflash import paths
    from pyflash.core.decks import cache
    from pyflash.core.decks.loader import explicit_sources, load_decks

    cache_dir = paths.deck_cache_dir()

    print(f"python {sys.version.split()[0]}, libyaml {yaml.__with_libyaml__}, {os.cpu_count()} cpus")
    try:
        for count in args.cards:
            decks = work / f"decks-{count}"
            generate(decks, count, args.files)
            files = sorted(decks.glob("*.yaml"))

            def cold(decks=decks, count=count):
                cache.clear(cache_dir)
                result = load_decks(explicit_sources([decks]), cache_dir=cache_dir)
                assert len(result.cards) == count and not result.errors

            def raw_gc_off(files=files):
                gc.disable()
                try:
                    raw_load(files)
                finally:
                    gc.enable()

            t_raw = best_of(lambda files=files: raw_load(files), args.repeat)
            t_raw_nogc = best_of(raw_gc_off, args.repeat)
            t_cold = best_of(cold, args.repeat)
            t_warm_inproc = best_of(lambda decks=decks: load_decks(explicit_sources([decks]), cache_dir=cache_dir), args.repeat)
            print(f"\n{count} cards in {len(files)} files")
            print(f"  raw yaml.load(CSafeLoader), GC on : {t_raw:7.3f} s")
            print(f"  raw yaml.load(CSafeLoader), GC off: {t_raw_nogc:7.3f} s")
            print(f"  pyflash cold load (parse+validate+cache write): {t_cold:7.3f} s"
                  f"  = {t_cold / t_raw:.2f}x raw (GC on), {t_cold / t_raw_nogc:.2f}x raw (GC off)")
            print(f"  pyflash warm load, in process (cache hit): {t_warm_inproc:7.3f} s")

            cmd = [sys.executable, "-m", "pyflash", "decks", str(decks)]
            subprocess.run(cmd, check=True, capture_output=True)  # fill the cache
            runs = []
            for _ in range(args.runs):
                t0 = time.perf_counter()
                subprocess.run(cmd, check=True, capture_output=True)
                runs.append(time.perf_counter() - t0)
            base = []
            for _ in range(args.runs):
                t0 = time.perf_counter()
                subprocess.run([sys.executable, "-c", "pass"], check=True)
                base.append(time.perf_counter() - t0)
            print(f"  warm `pyflash decks` whole process: median {statistics.median(runs):.3f} s,"
                  f" min {min(runs):.3f} s (bare `python -c pass`: {statistics.median(base):.3f} s)")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
