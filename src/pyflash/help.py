"""``pyflash help [TOPIC]``: the docs that ship with pyflash, rendered in the terminal."""

from __future__ import annotations

import difflib
import sys
from pathlib import Path

from rich.console import Console
from rich.markdown import Markdown

from pyflash.core import PyflashError

# Other names people try for a topic.
ALIASES = {
    "format": "deck-format",
    "deck": "deck-format",
    "decks": "deck-format",
    "yaml": "deck-format",
    "keys": "study",
    "sm2": "scheduling",
    "sm-2": "scheduling",
    "anki": "anki-export",
    "export": "anki-export",
    "run": "import",
    "check": "import",
    "backup": "doctor",
    "backups": "doctor",
}


def topics(docs: Path) -> dict[str, Path]:
    """Topic name (the file's stem) -> file, in name order."""
    return {p.stem: p for p in sorted(docs.glob("*.md"))}


def title(path: Path) -> str:
    """The first heading of a doc, or its name."""
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("# "):
            return line[2:].strip()
    return path.stem


def find(docs: Path, name: str) -> Path:
    """The doc for ``name`` (a topic or an alias); a clear error with suggestions if none."""
    known = topics(docs)
    key = name.strip().lower().removesuffix(".md")
    key = ALIASES.get(key, key)
    if key in known:
        return known[key]
    close = difflib.get_close_matches(key, [*known, *ALIASES], n=3, cutoff=0.6)
    hint = f" (did you mean {', '.join(sorted({ALIASES.get(c, c) for c in close}))}?)" if close else ""
    raise PyflashError(f"no help topic '{name}'{hint}; topics: {', '.join(known)}")


def list_topics(docs: Path, console: Console) -> None:
    known = topics(docs)
    if not known:
        raise PyflashError(f"{docs}: no documentation found (reinstall pyflash)")
    width = max(len(name) for name in known)
    console.print("Help topics (pyflash help TOPIC):\n", highlight=False)
    for name, path in known.items():
        console.print(f"  {name.ljust(width)}  {title(path)}", highlight=False)


def show(path: Path, console: Console) -> None:
    """Render one doc; through a pager when stdout is a terminal."""
    text = Markdown(path.read_text(encoding="utf-8"), code_theme="ansi_dark", hyperlinks=False)
    if console.is_terminal and sys.stdin.isatty():
        with console.pager(styles=True):
            console.print(text)
    else:
        console.print(text)
