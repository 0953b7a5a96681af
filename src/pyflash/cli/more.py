"""The ``doctor``, ``help``, ``search`` and ``stats`` commands (registered in :mod:`pyflash.cli`)."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from pyflash import paths as pyflash_paths
from pyflash.cli.options import CONTEXT, deck_paths, fail, home_option, tag_option

if TYPE_CHECKING:
    from pyflash.core.review.backup import Backup
    from pyflash.core.review.doctor import Examination, Repair


@click.command(context_settings=CONTEXT)
@click.option("--repair", is_flag=True, help="Copy every readable row into a fresh database; keep the damaged one aside.")
@click.option("--rebuild", is_flag=True, help="Re-derive every card state from the review log; report and fix differences.")
@click.option("--list", "list_", is_flag=True, help="List the daily backups.")
@click.option("--restore", metavar="DATE", help="Bring back the backup of DATE (YYYY-MM-DD); the current file is kept aside.")
@home_option
def doctor(repair: bool, rebuild: bool, list_: bool, restore: str | None) -> None:
    """Check the review database in full (SQLite's integrity_check), repair it, rebuild its card
    states from the review log, or restore a backup.

    A backup is made on the first study of each day and the last 7 are kept
    (`backups_keep` in the config). Exits 2 if the database is damaged; with
    --rebuild, 1 if card states differed from the log (they are fixed). See docs/doctor.md.
    """
    from datetime import datetime  # deferred: start-up time (the other commands do not need it)

    from pyflash import paths  # deferred: start-up time
    from pyflash.core.review import backup  # deferred: start-up time
    from pyflash.core.review import doctor as doc  # deferred: start-up time

    if sum((repair, rebuild, list_, restore is not None)) > 1:
        raise click.UsageError("give only one of --repair, --rebuild, --list and --restore")
    store, folder = paths.store_path(), paths.backups_dir()
    if rebuild:
        _rebuild(store)
    elif list_:
        _list_backups(backup.list_backups(store, folder), folder)
    elif restore is not None:
        chosen, aside = backup.restore(store, restore, now=datetime.now(), folder=folder)
        click.echo(f"restored the backup of {chosen.day.isoformat()} ({chosen.path}) to {store}")
        if aside is not None:
            click.echo(f"the previous file was kept as {aside}")
    elif not store.exists() and not store.is_symlink():
        click.echo(f"{store}: no review database yet (the first `pyflash study` makes it); nothing to check")
    else:
        report = doc.examine(store)
        if report.whole:
            _echo_whole(report, backup.list_backups(store, folder), folder)
            if repair:
                click.echo("nothing to repair")
        elif not repair:
            for problem in report.problems[:10]:
                click.echo(f"{store}: {problem}")
            fail(
                f"{store}: the database is damaged ({len(report.problems)} problem(s) found); run "
                "`pyflash doctor --repair` to copy every readable row into a fresh file, or bring back "
                "a backup with `pyflash doctor --restore DATE` (see `pyflash doctor --list`)"
            )
        else:
            _echo_repair(doc.repair(store, now=datetime.now()), store)


def _rebuild(store: Path) -> None:
    from datetime import datetime  # deferred: start-up time

    from pyflash import paths  # deferred: start-up time
    from pyflash.core.review.rebuild import rebuild_at  # deferred: start-up time

    if not store.exists() and not store.is_symlink():
        click.echo(f"{store}: no review database yet (the first `pyflash study` makes it); nothing to rebuild")
        return
    report = rebuild_at(paths.locations(), clock=lambda: datetime.now().astimezone())
    done = f"{store}: {report.cards:,} card state(s) derived from {report.events:,} event(s)"
    if report.without_events:
        click.echo(f"{report.without_events:,} card row(s) have no event (written before the log kept everything): kept as they are")
    if not report.differences:
        click.echo(f"{done}: no differences")
        return
    for difference in report.differences[:20]:
        click.echo(difference.describe())
    if len(report.differences) > 20:
        click.echo(f"... and {len(report.differences) - 20:,} more")
    click.echo(f"{done}: {len(report.differences):,} card(s) differed from the log; fixed (the rows now match the log)")
    if report.kept_as is not None:
        click.echo(f"the file as it was is kept as {report.kept_as}")
    sys.exit(1)


def _size(n: int) -> str:
    return f"{n / 1e6:.1f} MB" if n >= 100_000 else f"{n / 1e3:.1f} kB"


def _list_backups(backups: list[Backup], folder: Path) -> None:
    if not backups:
        click.echo(f"no backups yet in {folder} (one is made on the first study of each day)")
        return
    click.echo(f"backups in {folder}, newest first:")
    for b in backups:
        click.echo(f"  {b.day.isoformat()}  {_size(b.size):>9}  {b.path.name}")
    click.echo("bring one back with `pyflash doctor --restore DATE`")


def _echo_whole(report: Examination, backups: list[Backup], folder: Path) -> None:
    counts = ", ".join(f"{n:,} {table}" for table, n in report.counts.items())
    click.echo(f"{report.path}: whole (full integrity check passed): {counts}; {_size(report.size)}")
    newest = f", newest {backups[0].day.isoformat()}" if backups else ""
    click.echo(f"backups: {len(backups)} in {folder}{newest} (`pyflash doctor --list`)")


def _echo_repair(done: Repair, store: Path) -> None:
    copied = ", ".join(f"{n:,} {table}" for table, n in done.copied.items())
    click.echo(f"repaired {store}: copied {copied}")
    lost = {t: n for t, n in done.lost.items() if n}
    if lost:
        click.echo("could not read part of: " + ", ".join(lost) + " (those rows are not in the fresh file)")
    if done.rebuilt_cards:
        click.echo(f"{done.rebuilt_cards} card(s) rebuilt from their last logged grade")
    click.echo(f"the damaged file was kept as {done.damaged}")



@click.command("help", context_settings=CONTEXT)
@click.argument("topic", required=False)
def help_cmd(topic: str | None) -> None:
    """Read pyflash's documentation in the terminal: deck format, study keys, scheduling and more."""
    from rich.console import Console  # deferred: start-up time of the other commands

    from pyflash import help as docs  # deferred: start-up time (rich's Markdown)

    console = Console()
    if topic is None:
        docs.list_topics(pyflash_paths.docs_dir(), console)
    else:
        docs.show(docs.find(pyflash_paths.docs_dir(), topic), console)


@click.command(
    "search",
    # A query may start with "-": no short options here, and unknown options are kept as arguments.
    context_settings={**CONTEXT, "help_option_names": ["--help"], "ignore_unknown_options": True},
)
@click.argument("query")
@deck_paths
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list of the cards found (see docs/search.md).")
@click.option(
    "--sort", type=click.Choice(["due", "ivl", "ease", "lapses", "deck"]), help="Order (default: deck order)."
)
@home_option
def search_cmd(query: str, paths: tuple[str, ...], as_json: bool, sort: str | None) -> None:
    """Find cards: words, "a phrase", deck:, tag:, is:due, prop:ivl>=10, rated:1, id:, -, or, ( ).

    Prints a table of the cards found (id, deck, state, due, interval, ease,
    lapses, reviews, question), or a JSON list with --json. A malformed query
    exits 2 and names the column of the mistake. See docs/search.md.
    """
    if query == "-h":  # -h is not a query here: the help, as for every other command
        click.echo(click.get_current_context().get_help())
        return
    import json  # deferred: start-up time (each command imports what it uses)

    from pyflash.core import open_workspace  # deferred: start-up time (each command imports what it uses)
    from pyflash.core.query.table import hit_table  # deferred: start-up time (each command imports what it uses)

    with open_workspace(paths or None, locations=pyflash_paths.locations(), read_only=True) as ws:
        hits = ws.search(query, sort=sort)
        if ws.result.errors:
            click.echo(f"{len(ws.result.errors)} deck error(s): those cards were not searched; "
                       "run `pyflash check` for details", err=True)
        if as_json:
            click.echo(json.dumps([hit.to_dict() for hit in hits], ensure_ascii=False, indent=2))
        else:
            click.echo(hit_table(hits))


@click.command(context_settings=CONTEXT)
@deck_paths
@click.option("--deck", "deck", metavar="NAME", help="Only this deck and its subdecks (any case).")
@tag_option
@click.option("--days", "days", type=click.IntRange(1, 3650), default=30, show_default=True, help="Days of due forecast.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object (see docs/stats.md).")
@home_option
def stats(paths: tuple[str, ...], deck: str | None, tags: tuple[str, ...], days: int, as_json: bool) -> None:
    """What you did today, what is coming, retention, streak; charts in the terminal."""
    from pyflash.core import open_workspace  # deferred: start-up time (each command imports what it uses)

    with open_workspace(paths or None, locations=pyflash_paths.locations(), read_only=True) as ws:
        ws.select(deck, tags)  # a deck or tag that matches nothing: exit 2 with a did-you-mean list
        figures = ws.stats(deck, days)
    if as_json:
        import json  # deferred: start-up time

        click.echo(json.dumps(figures.to_json(), ensure_ascii=False))
        return
    from pyflash import stats_view  # deferred: start-up time (plotext)

    color = sys.stdout.isatty()
    width = os.get_terminal_size(sys.stdout.fileno()).columns if color else 80
    click.echo(stats_view.render(figures, color=color, width=width), nl=False)
