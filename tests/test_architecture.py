"""The domain/UI split: core and export never import textual."""

from __future__ import annotations

import subprocess
import sys

import pytest

MODULES = [
    "pyflash.core.scheduling.sm2",
    "pyflash.core.decks.loader",
    "pyflash.core.decks.cache",
    "pyflash.core.review.store",
    "pyflash.core.scheduling.schedule",
    "pyflash.core.review.session",
    "pyflash.core.decks.identity",
    "pyflash.core.workspace",
    "pyflash.core.config",
    "pyflash.paths",
]


@pytest.mark.parametrize("package", ["pyflash.core", "pyflash.export", "pyflash.sync"])
def test_package_does_not_import_textual(package):
    import importlib
    import pkgutil

    pkg = importlib.import_module(package)
    names = [package] + [f"{package}.{m.name}" for m in pkgutil.iter_modules(pkg.__path__)]
    code = (
        "import importlib, sys\n"
        f"for name in {names!r}:\n"
        "    importlib.import_module(name)\n"
        "bad = sorted(m for m in sys.modules if m == 'textual' or m.startswith('textual.'))\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert len(names) > 1
    assert out.stdout.strip() == "", f"{package} imported textual: {out.stdout}"


def test_check_does_not_import_textual_or_yaml_when_cached(tmp_path):
    """`pyflash decks` on a warm cache needs neither textual nor PyYAML."""
    code = (
        "import sys\n"
        "from pyflash.cli import main\n"
        "try:\n"
        "    main(['decks'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "print('textual' in sys.modules, 'yaml' in sys.modules, file=sys.stderr)\n"
    )
    subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stderr.strip().splitlines()[-1] == "False False"


def test_tests_import_this_checkouts_src():
    """The suite must exercise src/, never a copy installed in site-packages."""
    from pathlib import Path

    import pyflash

    src = Path(__file__).resolve().parents[1] / "src" / "pyflash"
    assert Path(pyflash.__file__).resolve().parent == src


def test_child_processes_import_this_checkouts_src():
    """`python -m pyflash` in a test runs this checkout, not an installed copy."""
    from pathlib import Path

    out = subprocess.run(
        [sys.executable, "-c", "import pyflash; print(pyflash.__file__)"],
        capture_output=True, text=True, check=True,
    )
    src = Path(__file__).resolve().parents[1] / "src" / "pyflash"
    assert Path(out.stdout.strip()).resolve().parent == src


def test_the_ui_has_one_stylesheet():
    """One .tcss for every screen (docs/architecture.md), named by the app and by no screen."""
    from pathlib import Path

    import pyflash.ui

    ui = Path(pyflash.ui.__file__).parent
    assert sorted(p.name for p in ui.glob("*.tcss")) == ["pyflash.tcss"]
    paths = [p.name for p in ui.glob("*.py") if "CSS_PATH" in p.read_text(encoding="utf-8")]
    assert paths == ["app.py"]
