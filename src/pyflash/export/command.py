"""``pyflash export --anki``: open the workspace, write the package, report.

Kept out of ``pyflash.cli`` so the command stays a few lines there. The
workspace is opened read-only: exporting never creates or changes the
review database.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import click

from pyflash.core import Locations, PyflashError, open_workspace
from pyflash.core.text import plural
from pyflash.export.progress import LateProgress

if TYPE_CHECKING:
    from pyflash.export.anki.package import ExportResult
    from pyflash.export.parallel import Workers

DEFAULT_OUTPUT = "pyflash.apkg"

_UNSAFE = re.compile(r'[\s/\\:*?"<>|]+')


def default_output(deck: str | None) -> str:
    """``pyflash.apkg``, or the deck's name (``Python::NumPy`` -> ``Python-NumPy.apkg``)."""
    if not deck:
        return DEFAULT_OUTPUT
    stem = _UNSAFE.sub("-", deck).strip("-.") or "pyflash"
    return stem + ".apkg"


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
    from pyflash.export.anki.package import RENDER_CACHE_NAME, check_output  # deferred: start-up time (genanki)
    from pyflash.export.parallel import start_early

    out = output or default_output(deck)
    check_output(out, force=force)  # fail before any work

    # A first export (nothing in the render cache) renders every card: its workers start now and build
    # their lexers while the decks load. Closed on the way out, used or not.
    pool = start_early(state[1] / RENDER_CACHE_NAME)
    try:
        _export(paths, locations=locations, state=state, deck=deck, tags=tags, out=out, force=force, now=now, pool=pool)
    finally:
        if pool is not None:
            pool.close()


def _export(
    paths: Sequence[str],
    *,
    locations: Locations,
    state: tuple[Path, Path],
    deck: str | None,
    tags: Sequence[str],
    out: str,
    force: bool,
    now: int | None,
    pool: Workers | None,
) -> None:
    """:func:`run_export` once the output is checked (and maybe the workers started)."""
    from pyflash.export.anki.package import export_anki, open_state  # deferred: start-up time (genanki)

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
    with LateProgress() as progress:  # on stderr, once the export has taken a second
        done = export_anki(
            cards, out, force=force, descriptions=descriptions, progress=progress,
            ledger=ledger, cache=cache, now=now, pool=pool,
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
