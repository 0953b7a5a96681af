"""Peak RSS of `pyflash study` with 100k cards, against an empty Textual app.

Each run is a fresh process in an 80x24 pseudo-terminal, started the way
``bench/startup.py`` starts it (the same probe: ``pyflash.cli.main(["study",
DIR])``, with ``make_app`` wrapped). Once the first card is painted the
process reads its own peak resident set (``VmHWM`` in ``/proc/self/status``),
writes it out and exits. The baseline is the
same empty Textual app as in ``bench/startup.py``.

Scenarios: 100k generated cards in 100 files with a warm deck cache (the
usual start), the same with a cold cache (the first start, which parses every
file), and the bundled decks. For the 100k warm runs the review store holds a
state for 60% of the cards (half of them due today) and a log row each, as
``bench/grade.py`` builds it: a session keeps every stored card's state.

    python bench/memory.py [--runs 3] [--cards 100000] [--files 100]
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from grade import populate
from startup import EMPTY_PROBE, PYFLASH_PROBE, ROOT, generate, run_once

from pyflash.core import open_workspace
from pyflash.core.locations import Locations

# The probes write "<time> <what>"; this one writes "<peak kB> <what>" instead.
HWM = r"""
def _hwm():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return line.split()[1]
"""
PYFLASH_MEMORY = HWM + PYFLASH_PROBE.replace(
    'fh.write(f"{time.time()!r} {what}")', 'fh.write(f"{_hwm()} {what}")'
)
EMPTY_MEMORY = HWM + EMPTY_PROBE.replace('fh.write(f"{time.time()!r} card")', 'fh.write(f"{_hwm()} card")')


def peak_mb(code: str, args: list[str], env: dict[str, str]) -> tuple[float, str]:
    # run_once returns (number written - its spawn time); adding the time taken just
    # before gives the number back to within microseconds, i.e. far below 1 kB.
    import time

    before = time.time()
    value, what = run_once(code, args, env)
    return (value + before) / 1024, what


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--cards", type=int, default=100_000)
    parser.add_argument("--files", type=int, default=100)
    opts = parser.parse_args()
    assert PYFLASH_MEMORY != HWM + PYFLASH_PROBE and EMPTY_MEMORY != HWM + EMPTY_PROBE, "probe text changed"

    work = Path(tempfile.mkdtemp(prefix="pyflash-mem-"))
    try:
        gen = work / "generated"
        generate(gen, opts.cards, opts.files)
        env = {k: v for k, v in os.environ.items() if not k.startswith("TEXTUAL")}
        env.update(
            TERM="xterm-256color",
            PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT / "src"), os.environ.get("PYTHONPATH")])),
        )
        env.pop("PYFLASH_DECKS", None)
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "src" / "pyflash")], check=True)

        def home(name: str) -> dict[str, str]:
            return {**env, "PYFLASH_HOME": str(work / f"home-{name}")}

        label = f"{opts.cards // 1000}k cards / {opts.files} files"
        results: dict[str, list[float]] = {}
        cold, _ = peak_mb(PYFLASH_MEMORY, [str(gen)], home("gen"))
        results[f"{label}, cold cache (first start), empty store"] = [cold]
        hom = work / "home-gen"
        loc = Locations(hom / "data" / "reviews.sqlite3", hom / "config" / "config.toml", (), hom / "cache" / "decks")
        with open_workspace([str(gen)], locations=loc) as ws:
            keys = [(key, f.deck) for f in ws.result.files for key in f.keys]
            today = ws.today
        populate(loc.store, keys, len(keys) * 6 // 10, 1, today)
        scenarios = {
            "empty Textual app": (EMPTY_MEMORY, [], home("empty")),
            "bundled decks, warm": (PYFLASH_MEMORY, [], home("bundled")),
            f"{label}, warm, 60k card states": (PYFLASH_MEMORY, [str(gen)], home("gen")),
        }
        for _ in range(opts.runs):
            for name, (code, args, e) in scenarios.items():
                mb, what = peak_mb(code, args, e)
                if what != "card":
                    raise SystemExit(f"{name}: the first screen was {what}, not a card")
                results.setdefault(name, []).append(mb)
        base = statistics.median(results["empty Textual app"])
        print("| `pyflash study` | peak RSS (VmHWM) at the first card, median | ratio to the empty app | goal |")
        print("|---|---|---|---|")
        for name, values in results.items():
            mb = statistics.median(values)
            goal = "≤ 150 MB " + ("✓" if mb <= 150 else "✗") if str(opts.cards // 1000) + "k" in name else ""
            print(f"| {name} | {mb:.1f} MB | {mb / base:.2f}× | {goal} |")
        print(f"\nmachine: {platform.machine()}, Python {platform.python_version()}; runs: {opts.runs}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
