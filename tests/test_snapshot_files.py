"""Every snapshot SVG under tests/__snapshots__ belongs to a test that still exists.

syrupy reports (and fails on) unused snapshots only when the whole suite runs in one process; under
pytest-xdist (the README's test command) it cannot tell, so a renamed or deleted snapshot test would
leave a stale SVG behind, unnoticed.
"""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).parent
SNAPSHOTS = TESTS / "__snapshots__"


def functions_in(module: Path) -> set[str]:
    if not module.exists():
        return set()
    tree = ast.parse(module.read_text(encoding="utf-8"))
    return {node.name for node in ast.walk(tree) if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)}


def orphans(root: Path) -> list[str]:
    found = []
    for svg in sorted(root.glob("*/*.svg")):
        module = root.parent / f"{svg.parent.name}.py"
        if svg.stem.split("[", 1)[0] not in functions_in(module):
            found.append(f"{svg.relative_to(root.parent)}: no test {svg.stem.split('[', 1)[0]}() in {module.name}")
    return found


def test_every_snapshot_has_its_test():
    assert len(list(SNAPSHOTS.glob("*/*.svg"))) >= 10  # the snapshots are where this looks
    assert orphans(SNAPSHOTS) == []


def test_a_snapshot_without_its_test_is_found(tmp_path):
    (tmp_path / "__snapshots__" / "test_mod").mkdir(parents=True)
    (tmp_path / "test_mod.py").write_text("def test_kept(snap_compare):\n    pass\n", encoding="utf-8")
    for name in ("test_kept.svg", "test_kept[wide].svg", "test_renamed.svg"):
        (tmp_path / "__snapshots__" / "test_mod" / name).write_text("<svg/>", encoding="utf-8")
    (tmp_path / "__snapshots__" / "test_gone").mkdir()
    (tmp_path / "__snapshots__" / "test_gone" / "test_x.svg").write_text("<svg/>", encoding="utf-8")
    assert orphans(tmp_path / "__snapshots__") == [
        "__snapshots__/test_gone/test_x.svg: no test test_x() in test_gone.py",
        "__snapshots__/test_mod/test_renamed.svg: no test test_renamed() in test_mod.py",
    ]
