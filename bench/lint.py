"""Lint speed: ``pyflash check --lint`` on 10,000 synthetic cards against a plain load.

The cards are varied (a vocabulary of made-up words, some CJK, a third of them
output cards with code), so the near-duplicate search sees realistic 3-gram
frequencies; a few near-duplicate pairs and long lines are planted, so the
locator (which composes the YAML of the files with warnings again) runs too.

Baseline: ``load_decks`` of the same files with no cache (parse and validate).
Measured: that load plus ``lint_cards`` on its cards. Both in this process,
best of ``--repeat``. Reported: seconds and the ratio (load + lint) / load.

Usage: python bench/lint.py [--cards 10000] [--files 50] [--repeat 3]
"""

from __future__ import annotations

import argparse
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from pyflash.core.decks.loader import explicit_sources, load_decks
from pyflash.core.lint import lint_cards

_CJK = "数组张量进程队列文件映射日志模型训练梯度损失函数参数配置环境安装版本路径字典列表元组集合"


def generate(root: Path, cards: int, files: int, seed: int = 13) -> int:
    rng = random.Random(seed)
    words = [
        "".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(3, 10))) for _ in range(4000)
    ]

    def phrase(n: int) -> str:
        return " ".join(rng.choice(words) for _ in range(n))

    def cjk(n: int) -> str:
        return "".join(rng.choice(_CJK) for _ in range(n))

    root.mkdir(parents=True, exist_ok=True)
    per_file = cards // files
    n = 0
    planted = 0
    for f in range(files):
        lines = [f"deck: Bench::Lint {f}", "lang: python", "cards:"]
        for i in range(per_file):
            lines.append(f"  - id: lint-{n}")
            if i == 5:  # a near-duplicate of the previous file's first card
                lines.append(f"    q: 第 {f} 题 {_CJK[f % 30:][:6]} `{words[f]}` what does {words[f + 1]} do?")
                lines.append(f"    a: It returns {words[f + 2]} {words[f + 3]} for every {words[f + 4]}.")
                planted += 1
            elif i == 0:
                lines.append(f"    q: 第 {f} 题 {_CJK[f % 30:][:6]} `{words[f]}` what does {words[f + 1]} do now?")
                lines.append(f"    a: It returns {words[f + 2]} {words[f + 3]} for every {words[f + 4]}.")
            elif i % 3 == 0:
                lines.append(f"    q: {cjk(8)} {phrase(4)}?")
                lines.append("    code: |")
                lines.append(f"      {rng.choice(words)} = [{n}, {rng.randint(0, 99)}]")
                width = 90 if i % 99 == 0 else 20  # (a long line in two cards per file)
                lines.append(f"      print(sum([{n}, 1]))  # {phrase(width // 6)}")
                lines.append(f"    output: '{n + 1}'")
            else:
                lines.append(f"    q: {cjk(10)} {phrase(6)}?")
                lines.append(f"    a: {phrase(12)} {cjk(12)}.")
            n += 1
        (root / f"deck-{f:03d}.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return planted


def best_of(fn, repeat: int) -> tuple[float, object]:
    best, value = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        value = fn()
        best = min(best, time.perf_counter() - start)
    return best, value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cards", type=int, default=10_000)
    parser.add_argument("--files", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="pyflash-lint-bench-"))
    try:
        generate(root, args.cards, args.files)
        sources = list(explicit_sources([root]))

        def load() -> int:
            return len(load_decks(sources).cards)

        def load_and_lint() -> tuple[int, dict[str, int]]:
            result = load_decks(sources)
            counts: dict[str, int] = {}
            for warning in lint_cards(result.cards):
                counts[warning.rule] = counts.get(warning.rule, 0) + 1
            return len(result.cards), counts

        load()  # warm up imports
        t_load, n_cards = best_of(load, args.repeat)
        t_lint, (n_linted, counts) = best_of(load_and_lint, args.repeat)
        print(f"cards: {n_cards} in {args.files} files; warnings: {counts}")
        print(f"load (baseline):  {t_load:.3f} s")
        print(f"load + lint:      {t_lint:.3f} s   lint alone {t_lint - t_load:.3f} s")
        print(f"ratio (load + lint) / load: {t_lint / t_load:.2f}x")
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
