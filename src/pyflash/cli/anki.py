"""``pyflash import-anki`` (registered in :mod:`pyflash.cli`)."""

from __future__ import annotations

import click

from pyflash import paths as pyflash_paths
from pyflash.cli.options import CONTEXT, home_option


@click.command("import-anki", context_settings=CONTEXT)
@click.argument("package", metavar="FILE.apkg|FILE.colpkg", type=click.Path(path_type=str))
@click.option("-o", "--output", "out_dir", required=True, metavar="DIR", help="Folder for the YAML decks (one per Anki deck).")
@click.option("--deck", "deck", metavar="NAME", help="Only this Anki deck and its subdecks (any case).")
@click.option(
    "--with-history", "with_history", is_flag=True,
    help="Also import each card's review log, schedule, suspended and buried state into pyflash's review database.",
)
@click.option("--media", "media", metavar="DIR", help="Copy the package's media files into DIR.")
@click.option("--force", is_flag=True, help="Replace deck files (and media files) that already exist.")
@home_option
def import_anki_cmd(
    package: str, out_dir: str, deck: str | None, with_history: bool, media: str | None, force: bool
) -> None:
    """Turn an Anki package into YAML decks, one per Anki deck.

    Basic notes give q/a, other note types q from the first field and a from
    the rest (with a warning). HTML becomes Markdown, code blocks get a
    language. Card ids come from the note GUIDs, so importing again updates
    the same cards. A pyflash export comes back exactly as written.
    Nothing is written if the package cannot be read. See docs/import-anki.md.
    """
    from pyflash.importer.anki.command import (  # deferred: start-up time (each command imports what it uses)
        import_anki,
        report_lines,
    )

    step = None
    if with_history:
        from pyflash.core import load_config, system_clock, system_zone  # deferred: start-up time
        from pyflash.importer.anki.history import history_step  # deferred: start-up time

        locations = pyflash_paths.locations()
        config = load_config(locations.config)
        step = history_step(
            locations.store, clock=system_clock, zone=config.zone() or system_zone(),
            day_starts_at=config.day_starts_at, backups_keep=config.backups_keep,
            leech_threshold=config.leech_threshold,
        )
    from pyflash.export.progress import LateProgress  # deferred: start-up time

    with LateProgress() as progress:  # on stderr, once the import has taken a second
        done = import_anki(package, out_dir, deck=deck, media_dir=media, force=force, history=step, progress=progress)
    for line in report_lines(done):
        click.echo(line)
