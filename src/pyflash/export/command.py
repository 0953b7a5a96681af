"""``pyflash export --anki``: open the workspace, write the package, report.

Kept out of ``pyflash.cli`` so the command stays a few lines there. The
workspace is opened read-only: exporting never creates or changes the
review database.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Sequence
from contextlib import nullcontext
from pathlib import Path
from typing import TYPE_CHECKING

import click

from pyflash.core import Locations, PyflashError, open_workspace
from pyflash.core.text import plural

if TYPE_CHECKING:
    from rich.progress import TaskID

    from pyflash.export.anki.package import ExportResult

DEFAULT_OUTPUT = "pyflash.apkg"

_UNSAFE = re.compile(r'[\s/\\:*?"<>|]+')


def default_output(deck: str | None) -> str:
    """``pyflash.apkg``, or the deck's name (``Python::NumPy`` -> ``Python-NumPy.apkg``)."""
    if not deck:
        return DEFAULT_OUTPUT
    stem = _UNSAFE.sub("-", deck).strip("-.") or "pyflash"
    return stem + ".apkg"


class _RichProgress:
    """A transient rich progress bar (only used when stdout is a terminal)."""

    def __init__(self) -> None:
        from rich.progress import (  # deferred: start-up time (only on a terminal)
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
        )

        self.bar = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            transient=True,
        )
        self.task: TaskID | None = None

    def __enter__(self) -> _RichProgress:
        self.bar.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.bar.stop()

    def __call__(self, stage: str, done: int, total: int) -> None:
        task = self.task
        if task is None:
            task = self.task = self.bar.add_task("Rendering cards", total=total)
        if stage == "render":
            self.bar.update(task, completed=done, total=total)
        elif done == 0:
            self.bar.update(task, description="Writing package")


def run_export(
    paths: Sequence[str],
    *,
    locations: Locations,
    state: tuple[Path, Path],
    deck: str | None,
    output: str | None,
    tags: Sequence[str] = (),
    force: bool,
    now: int | None = None,
) -> None:
    """Export the decks of ``paths`` (the default folders of ``locations`` when empty).

    ``state``: pyflash's (data, cache) folders, for the note-time ledger and
    the render cache. ``now``: the time stamped on changed notes (None: the
    clock; the CLI passes ``SOURCE_DATE_EPOCH`` for reproducible builds).
    """
    from pyflash.export.anki.package import check_output, export_anki, open_state  # deferred: start-up time (genanki)

    out = output or default_output(deck)
    check_output(out, force=force)  # fail before any work

    with open_workspace(paths or None, locations=locations, read_only=True) as ws:
        deck = ws.select(deck, tags).deck
        cards = ws.cards_in(deck)
    result = ws.result

    for err in result.errors:
        click.echo(str(err), err=True)
    if not cards:
        where = f"deck '{deck}'" if deck else "the decks"
        looked = "" if result.files else " (looked in: " + ", ".join(str(p) for _, p in result.searched) + ")"
        raise PyflashError(f"no cards to export in {where}{looked}; nothing was written")

    descriptions: dict[str, str] = {}
    for f in result.files:
        if f.description and f.deck not in descriptions:
            descriptions[f.deck] = f.description

    ledger, cache = open_state(*state)
    with _RichProgress() if sys.stdout.isatty() else nullcontext() as progress:
        done = export_anki(
            cards, out, force=force, descriptions=descriptions, progress=progress,
            ledger=ledger, cache=cache, now=now,
        )

    _report(done, out, errors=len(result.errors))


def _report(done: ExportResult, out: str, *, errors: int) -> None:
    """What was written, then any warnings; exit 2 if cards were left out for errors."""
    for warning in done.warnings:
        click.echo(f"pyflash: warning: {warning}", err=True)
    changed = "nothing new since the last export" if done.changed == 0 else f"{done.changed} new or changed"
    click.echo(
        f"Wrote {plural(done.notes, 'note')} in {plural(len(done.decks), 'deck')} to {out} ({changed})"
    )
    if errors:
        raise PyflashError(
            f"{plural(errors, 'error')} in the decks: cards with errors were left out "
            "of the package (fix them, see `pyflash check`, and export again)"
        )
