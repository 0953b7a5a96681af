"""How long `pyflash study` takes from process start to the first card painted.

Compared, in the same script and the same pseudo-terminal (80x24), with an
empty Textual app that paints one widget and exits. Scenarios:

* ``bundled``: ``pyflash study`` on the bundled decks, warm deck cache;
* ``100k``: ``pyflash study DIR`` on 100,000 generated cards in 100 files,
  warm deck cache (an unchanged file is never parsed again);
* the same two with a cold cache (first run), for information.

Each run is a fresh process. The clock starts just before the process is
spawned; the process writes the wall-clock time once the first screen has
been painted (``make_app(on_ready=...)``, called after the refresh that shows
the first card), then exits. The figure is the median of ``--runs`` runs.

The probe runs ``pyflash.cli.main(["study", ...])`` and wraps ``make_app``
only when the CLI imports ``pyflash.ui.app``, so everything happens in the
order ``pyflash study`` does it. Bytecode is compiled first and cached, as a
pip install leaves it (``PYTHONDONTWRITEBYTECODE`` is dropped): otherwise
every run would compile pyflash's modules, and never Textual's.

    python bench/startup.py [--runs 7] [--out /tmp/bench-ui.md]
"""

from __future__ import annotations

import argparse
import fcntl
import os
import platform
import shutil
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

PYFLASH_PROBE = r"""
import os, sys, time
out = sys.argv[1]


def patch(ui):
    make_app = ui.make_app

    def probed_make_app(ws, **kw):
        def ready(app):
            os.getppid()  # the first paint: callgrind dumps its count here (--dump-before=os_getppid)
            card = getattr(app.screen, "session", None)
            what = "card" if card is not None and card.current is not None else type(app.screen).__name__
            with open(out, "w") as fh:
                fh.write(f"{time.time()!r} {what}")
            app.exit()

        return make_app(ws, on_ready=ready, **kw)

    ui.make_app = probed_make_app
    # What the app does a while after the first card (preloading the Markdown widget, parsing the
    # rest of the stylesheet) is not start-up: under valgrind on a busy machine the probe's exit
    # could take long enough for it to start and be counted, so it is put off past the exit.
    import pyflash.ui.card_view as card_view

    card_view.PRELOAD_DELAY = 600.0
    ui.REST_DELAY = 600.0


class Hook:
    # Wraps make_app once the CLI imports pyflash.ui.app, so that everything
    # runs in the same order as `pyflash study`.
    def find_spec(self, name, path, target=None):
        if name != "pyflash.ui.app":
            return None
        sys.meta_path.remove(self)
        import importlib.util

        spec = importlib.util.find_spec(name)
        exec_module = spec.loader.exec_module

        def exec_and_patch(module):
            exec_module(module)
            patch(module)

        spec.loader.exec_module = exec_and_patch
        return spec


sys.meta_path.insert(0, Hook())
from pyflash.cli import main

main(["study", *sys.argv[2:]])
"""

EMPTY_PROBE = r"""
import os, sys, time
out = sys.argv[1]
from textual.app import App
from textual.widgets import Static

class Empty(App):
    def compose(self):
        yield Static("Hello from an empty Textual app")

    def on_mount(self):
        self.call_after_refresh(self.done)

    def done(self):
        os.getppid()  # the first paint: callgrind dumps its count here (--dump-before=os_getppid)
        with open(out, "w") as fh:
            fh.write(f"{time.time()!r} card")
        self.exit()

Empty().run()
"""


def generate(root: Path, cards: int, files: int) -> None:
    """``cards`` cards in ``files`` YAML files (plain, code and output cards)."""
    root.mkdir(parents=True, exist_ok=True)
    per_file = cards // files
    for f in range(files):
        lines = [f"deck: Generated::Part {f:03d}", "lang: python", "cards:"]
        for i in range(per_file):
            n = f * per_file + i
            kind = n % 3
            if kind == 0:
                lines += [f"  - q: What is {n} + {n}?", f'    a: "{2 * n}"']
            elif kind == 1:
                lines += [
                    f"  - q: What does this print? (card {n})",
                    "    code: |",
                    f"      xs = [i * i for i in range({n % 7 + 1})]",
                    "      print(sum(xs))",
                    f'    output: "{sum(i * i for i in range(n % 7 + 1))}"',
                ]
            else:
                lines += [
                    f"  - id: gen-{n}",
                    f"    q: Which built-in returns the length of `s` (card {n})?",
                    "    a: \"`len(s)`\"",
                    "    note: Works for any object with `__len__`.",
                ]
        (root / f"part-{f:03d}.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")


def run_once(
    code: str, args: list[str], env: dict[str, str], timeout: float = 120.0, prefix: list[str] | None = None
) -> tuple[float, str]:
    """Seconds from spawn to first paint, in a fresh 80x24 pseudo-terminal (``prefix``: e.g. valgrind)."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "painted"
        master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))

        def drain() -> None:
            while True:
                try:
                    if not os.read(master, 65536):
                        break
                except OSError:
                    break

        reader = threading.Thread(target=drain, daemon=True)
        reader.start()
        start = time.time()
        proc = subprocess.Popen(
            [*(prefix or []), sys.executable, "-c", code, str(out), *args],
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env=env,
            start_new_session=True,
        )
        os.close(slave)
        try:
            proc.wait(timeout=timeout)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            os.close(master)
            reader.join(timeout=5)
        if not out.exists():
            raise RuntimeError(f"{args}: the app never painted (exit code {proc.returncode})")
        stamp, what = out.read_text().split()
        return float(stamp) - start, what


def callgrind_counts(path: Path) -> tuple[int, int]:
    """(instructions to the first paint, instructions of the whole process) from a run with
    ``--dump-before=os_getppid``: the probes call ``os.getppid()`` once, at the first paint, so
    ``path.1`` holds the count up to it and ``path`` the rest (the app's exit and Python's)."""
    first = callgrind_total(path.with_name(path.name + ".1"))
    return first, first + callgrind_total(path)


def callgrind_total(path: Path) -> int:
    """The instruction count in a callgrind output file (its ``summary:`` or ``totals:`` line)."""
    for line in path.read_text(errors="replace").splitlines():
        if line.startswith(("summary:", "totals:")):
            return int(line.split()[1])
    raise RuntimeError(f"{path}: no instruction total")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--cards", type=int, default=100_000)
    parser.add_argument("--files", type=int, default=100)
    parser.add_argument("--out", default="/tmp/bench-ui.md")
    parser.add_argument(
        "--callgrind", action="store_true",
        help="also count instructions once per scenario under valgrind's callgrind (the same on a busy machine)",
    )
    opts = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="pyflash-bench-"))
    try:
        gen = work / "generated"
        generate(gen, opts.cards, opts.files)
        base_env = {k: v for k, v in os.environ.items() if not k.startswith("TEXTUAL")}
        base_env.update(
            TERM="xterm-256color",
            COLUMNS="80",
            LINES="24",
            PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT / "src"), os.environ.get("PYTHONPATH")])),
        )
        base_env.pop("PYFLASH_DECKS", None)
        # Bytecode as pip leaves it: compiled once, then read from __pycache__.
        base_env.pop("PYTHONDONTWRITEBYTECODE", None)
        subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "src" / "pyflash")], check=True)

        def env_for(name: str) -> dict[str, str]:
            return {**base_env, "PYFLASH_HOME": str(work / f"home-{name}")}

        scenarios = {
            "empty Textual app": (EMPTY_PROBE, [], env_for("empty")),
            "bundled decks": (PYFLASH_PROBE, [], env_for("bundled")),
            f"{opts.cards // 1000}k cards / {opts.files} files": (PYFLASH_PROBE, [str(gen)], env_for("gen")),
        }
        cold: dict[str, float] = {}
        for name, (code, args, env) in scenarios.items():
            seconds, what = run_once(code, args, env)  # fills the deck cache
            if what != "card":
                raise SystemExit(f"{name}: the first screen was {what}, not a card")
            cold[name] = seconds
            print(f"cold  {name:<28} {seconds:7.3f} s", flush=True)
        times: dict[str, list[float]] = {name: [] for name in scenarios}
        for i in range(opts.runs):
            for name, (code, args, env) in scenarios.items():
                seconds, _ = run_once(code, args, env)
                times[name].append(seconds)
            print(f"round {i + 1}/{opts.runs}: " + ", ".join(f"{n} {t[-1]:.3f}s" for n, t in times.items()), flush=True)

        instructions: dict[str, tuple[int, int]] = {}
        if opts.callgrind:
            for name, (code, args, env) in scenarios.items():
                cg = work / f"callgrind-{len(instructions)}.out"
                prefix = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={cg}", "--dump-before=os_getppid"]
                run_once(code, args, env, timeout=900, prefix=prefix)
                instructions[name] = callgrind_counts(cg)
                print(f"instructions {name:<28} {instructions[name][0]:,} to the first paint, "
                      f"{instructions[name][1]:,} with the exit", flush=True)
        med = {name: statistics.median(t) for name, t in times.items()}
        baseline = med["empty Textual app"]
        goals = {"bundled decks": 1.25}
        goals[f"{opts.cards // 1000}k cards / {opts.files} files"] = 1.5
        import textual

        base_min = min(times["empty Textual app"])
        rows = [
            "| scenario | median (warm) | ratio to empty app | min (warm) | ratio of mins | goal | first run (cold cache) |",
            "|---|---|---|---|---|---|---|",
        ]
        for name, t in times.items():
            ratio = med[name] / baseline
            goal = goals.get(name)
            goal_txt = "" if goal is None else f"≤ {goal}× {'✓' if ratio <= goal else '✗'}"
            rows.append(
                f"| {name} | {med[name] * 1000:.0f} ms | {ratio:.2f}× | {min(t) * 1000:.0f} ms | "
                f"{min(t) / base_min:.2f}× | {goal_txt} | {cold[name] * 1000:.0f} ms |"
            )
        if instructions:
            # "to the first paint" is what the wall-clock figures time; "with the exit" (the figure
            # recorded before 2026-12-03 evening) adds each process's exit, which is longer for the
            # empty app (its ratio is lower than the start-up's).
            first_ir, whole_ir = instructions["empty Textual app"]
            rows += [
                "",
                "| scenario | instructions to the first paint (callgrind) | ratio | with the exit | ratio | goal |",
                "|---|---|---|---|---|---|",
            ]
            for n, (first, whole) in instructions.items():
                goal = goals.get(n)
                goal_txt = "" if goal is None else f"≤ {goal}× {'✓' if first / first_ir <= goal else '✗'}"
                rows.append(
                    f"| {n} | {first:,} | {first / first_ir:.2f}× | {whole:,} | {whole / whole_ir:.2f}× | {goal_txt} |"
                )
        table = "\n".join(rows)
        report = f"""## Startup: `pyflash study` to the first card

Time from process start to the first card painted, in an 80x24 pseudo-terminal,
against an empty Textual app that paints one widget (same script, same
terminal, interleaved runs; median of {opts.runs}). "Warm" means the deck
cache is filled; the last column is the very first run (cold cache, which
parses every file).

{table}

Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()},
Textual {textual.__version__}, {platform.system()} {platform.release()}.

Command: `python bench/startup.py --runs {opts.runs} --cards {opts.cards} --files {opts.files}`
"""
        print()
        print(report)
        Path(opts.out).write_text(report, encoding="utf-8")
        print(f"written to {opts.out}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
