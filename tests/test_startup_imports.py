"""What `pyflash study` imports before its first card, on a warm deck cache (start-up time, issue 11).

Each module named here was taken off the first card's path for bench/startup.py's
goal: a change that imports one of them again before the first card fails here.
Two processes: the first fills the deck cache (bundled decks), the second is the
warm start that is checked.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

CODE = """
import asyncio, sys
from pyflash import paths
from pyflash.core import open_workspace
from pyflash.ui.app import make_app

seen = []


def ready(app):
    seen.append((type(app.screen).__name__, sorted(sys.modules)))
    app.exit()


async def main():
    ws = open_workspace(None, locations=paths.locations())
    app = make_app(ws, theme="textual-dark", animations=False, on_ready=ready)
    async with app.run_test(size=(80, 24)) as pilot:
        while not seen:
            await pilot.pause()
    ws.close()


asyncio.run(main())
screen, modules = seen[0]
print(screen)
print(" ".join(modules))
"""

# Not needed before the first card on a warm cache (each: what it is for, and when it is imported).
OFF_THE_FIRST_CARD = [
    "yaml",  # PyYAML: only to parse a file that is not in the deck cache
    "pyflash.core.decks.parse",  # the parser (core/decks/cache.py imports it on the first file it parses)
    "pyflash.core.decks.yamlread",
    "pyflash.core.decks.nodes",
    "pyflash.core.decks.cloze",  # cloze syntax: parsing, a cloze card's text
    "pyflash.core.answers",  # typed answers compared (core/typable.py says which cards take one)
    "shlex",  # $EDITOR's command line (ui/text.py): `e` only
    "pyflash.ui.markdown",  # the Markdown widget: the first text that needs it, or 2 s after the first card
    "pyflash.ui.reveal_widgets",  # the answer rule and the grade bar: the first reveal
]


@pytest.fixture(scope="module")
def first_card_modules(tmp_path_factory) -> tuple[str, set[str]]:
    # A home of its own (module scope: the per-test PYFLASH_HOME of conftest is not set yet).
    env = {**os.environ, "PYFLASH_HOME": str(tmp_path_factory.mktemp("home"))}
    cold = subprocess.run([sys.executable, "-c", CODE], capture_output=True, text=True, check=True, env=env)
    assert "pyflash.core.decks.parse" in cold.stdout  # the cold start parses: the check below can fail
    warm = subprocess.run([sys.executable, "-c", CODE], capture_output=True, text=True, check=True, env=env)
    screen, modules = warm.stdout.splitlines()[-2:]
    return screen, set(modules.split())


def test_the_warm_start_shows_a_card(first_card_modules):
    screen, modules = first_card_modules
    assert screen == "StudyScreen"
    assert "pyflash.ui.study" in modules


@pytest.mark.parametrize("module", OFF_THE_FIRST_CARD)
def test_not_imported_before_the_first_card(first_card_modules, module):
    _, modules = first_card_modules
    assert module not in modules
