"""The ``pyflash`` command line.

User mistakes (a bad deck, a bad flag, a missing path, a corrupt database)
print one line and exit 2; they never end in a traceback.
"""

from __future__ import annotations

import gc
import os
import sys
import unicodedata
from pathlib import Path
from typing import TYPE_CHECKING

import click

from pyflash import __version__
from pyflash import paths as pyflash_paths
from pyflash.core.errors import PyflashError

if TYPE_CHECKING:
    from pyflash.core.review.backup import Backup
    from pyflash.core.review.doctor import Examination, Repair
    from pyflash.core.workspace import Workspace

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 0 if unicodedata.combining(ch) else 1 for ch in text)


def _pad(text: str, width: int, right: bool = False) -> str:
    gap = " " * max(0, width - _width(text))
    return gap + text if right else text + gap


def _fail(message: str) -> None:
    raise PyflashError(message)


def _set_home(ctx: click.Context, _param: click.Parameter, value: str | None) -> str | None:
    if value:
        os.environ["PYFLASH_HOME"] = str(Path(value).expanduser().resolve())
    return value


home_option = click.option(
    "--home",
    type=click.Path(file_okay=False),
    callback=_set_home,
    expose_value=False,
    is_eager=True,
    help="Keep all state, config and cache under this folder (same as PYFLASH_HOME).",
)


class _Group(click.Group):
    """Lists every command's whole first help line (click would cut it at the width)."""

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = []
        for name in self.list_commands(ctx):
            cmd = self.get_command(ctx, name)
            if cmd is not None and not cmd.hidden:
                rows.append((name, cmd.get_short_help_str(limit=10_000)))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


@click.group(cls=_Group, context_settings=CONTEXT)
@click.version_option(__version__, "-V", "--version", prog_name="pyflash")
@home_option
def cli() -> None:
    """Spaced-repetition flashcards for programmers, in the terminal.

    Decks are YAML files (see docs/deck-format.md). With no PATH, pyflash
    uses the bundled decks plus your own deck folder (<data dir>/decks) and
    the folders in PYFLASH_DECKS.
    """


deck_paths = click.argument("paths", nargs=-1, type=click.Path(path_type=str))


@cli.command(context_settings=CONTEXT)
@deck_paths
@home_option
def decks(paths: tuple[str, ...]) -> None:
    """List decks with their total, new and due cards, and where they came from."""
    from pyflash.core.workspace import open_workspace  # deferred: start-up time (each command imports what it uses)

    with open_workspace(paths or None, locations=pyflash_paths.locations()) as ws:
        rows = ws.deck_counts()
        if not rows and not ws.result.errors:
            looked = ", ".join(str(p) for _, p in ws.result.searched)
            click.echo(f"No decks found (looked in: {looked}).")
            click.echo("Add a YAML deck there; see `pyflash check --help` and docs/deck-format.md.")
            return
        name_w = max([_width("Deck")] + [_width(_indent(r.name)) for r in rows])
        header = f"{_pad('Deck', name_w)}  {'New':>5}  {'Due':>5}  {'Total':>6}  Source"
        lines = [header, "-" * _width(header)]
        for r in rows:
            origin = ", ".join(sorted(r.origins))
            where = origin
            if r.paths:
                where += ": " + (r.paths[0] if len(r.paths) == 1 else f"{len(r.paths)} files")
            lines.append(
                f"{_pad(_indent(r.name), name_w)}  {r.new:>5}  {r.due:>5}  {r.total:>6}  {where}"
            )
        click.echo("\n".join(lines))
        if ws.result.errors:
            for err in ws.result.errors:
                click.echo(str(err), err=True)
            click.echo(f"{len(ws.result.errors)} error(s); run `pyflash check` for details.", err=True)
            sys.exit(2)


def _indent(name: str) -> str:
    parts = name.split("::")
    return "  " * (len(parts) - 1) + parts[-1]


def _echo_check_notes(ws: Workspace) -> None:
    """Every deck error, then the cards whose history followed an edit, then orphaned history."""
    for err in ws.result.errors:
        click.echo(str(err))
    for rel in ws.report.relinked:
        card = rel.card
        click.echo(
            f"{card.path}:{card.line}:{card.col}: note: card {card.position} was edited; "
            f"its review history was kept ({rel.similarity:.0%} similar to the old text). "
            "Give cards an `id` to keep history through any edit."
        )
    for orphan in ws.report.orphans:
        first = orphan.text.split("\n", 1)[0][:60]
        click.echo(
            f"note: deck '{orphan.deck}': review history of a card no longer in the decks "
            f"(\"{first}\", key {orphan.key}); it is kept in case the card comes back"
        )


@cli.command(context_settings=CONTEXT)
@deck_paths
@click.option("--run", "run_code", is_flag=True, help="Also run the code of every output card (python) and compare its stdout.")
@click.option(
    "--sandbox",
    is_flag=True,
    help="With --run: run the code under bubblewrap (bwrap), with no network and a read-only file system; "
    "exit 2 if bwrap is missing or cannot work here.",
)
@home_option
def check(paths: tuple[str, ...], run_code: bool, sandbox: bool) -> None:
    """Validate decks and report every error, as path:line:col: message.

    Exits 2 if any deck has an error, 0 otherwise. Also reports cards whose
    review history was carried over after an edit, and orphaned history.

    With --run (the only command that executes deck content), runs output
    cards in `python -I` and exits 1 on any mismatch. Each card gets a fresh
    temporary folder and HOME, only PATH, LANG and the variables named by
    the config's run_env or its own requires, limits on time, CPU, memory,
    file size and processes, and every process it starts is killed when it
    ends. Without --sandbox this is NOT a sandbox: the code can read your
    files, write where you can and use the network. Run only decks you trust.
    """
    from pyflash.core.workspace import open_workspace  # deferred: start-up time (each command imports what it uses)

    if sandbox and not run_code:
        _fail("--sandbox works only with --run (plain check runs no deck code)")
    with open_workspace(paths or None, locations=pyflash_paths.locations()) as ws:
        result = ws.result
        _echo_check_notes(ws)
        n_cards = len(result.cards)
        n_files = len(result.files)
        status = f"{len(result.errors)} error(s)" if result.errors else "no errors"
        click.echo(f"checked {n_files} file(s), {n_cards} card(s): {status}", err=bool(result.errors))
        exit_code = 2 if result.errors else 0
        if run_code:
            from pyflash.core.runner import (
                run_output_cards,  # deferred: start-up time (each command imports what it uses)
            )

            outcome = run_output_cards(
                result.cards, echo=click.echo, environ=os.environ, pass_env=ws.config.run_env, sandbox=sandbox
            )
            if outcome.failed and exit_code == 0:
                exit_code = 1
        if exit_code:
            sys.exit(exit_code)


@cli.command(context_settings=CONTEXT)
@deck_paths
@click.option("--deck", "deck", metavar="NAME", help="Study only this deck and its subdecks.")
@click.option("--new", "new", type=click.IntRange(min=0), metavar="N", help="New cards today (overrides the config).")
@click.option("--reviews", "reviews", type=click.IntRange(min=0), metavar="N", help="Reviews today (overrides the config).")
@click.option("--cram", is_flag=True, help="Review cards without changing their schedule.")
@home_option
def study(paths: tuple[str, ...], deck: str | None, new: int | None, reviews: int | None, cram: bool) -> None:
    """Study in the terminal: reveal with space, grade 0-5, ? for every key."""
    from pyflash.core.workspace import open_workspace  # deferred: start-up time (every command loads only what it uses)

    ws = open_workspace(paths or None, locations=pyflash_paths.locations())  # config and deck mistakes first
    if deck:
        try:
            ws.select_deck(deck)
        except PyflashError:
            ws.close()
            raise
    if not all(stream is not None and not stream.closed and stream.isatty() for stream in (sys.stdin, sys.stdout)):
        # Without a terminal the app would only write escape codes and wait for keys forever.
        ws.close()
        click.echo("pyflash study needs a terminal; see pyflash decks / pyflash check", err=True)
        sys.exit(2)
    gc.disable()  # startup builds what lives until exit; the app turns GC back on once the first card is painted
    from pyflash.ui.app import make_app  # deferred: start-up time (Textual is imported only by `study`)

    app = make_app(ws, deck=deck, new=new, reviews=reviews, cram=cram, resume_gc=True, environ=os.environ)
    try:
        app.run()
    finally:
        gc.enable()
        ws.close()


@cli.command("import", context_settings=CONTEXT)
@click.argument("notes", type=click.Path(path_type=str))
@click.option("-o", "--output", "out_dir", default="drafts", show_default=True, metavar="DIR", help="Folder for the draft decks.")
@click.option("--force", is_flag=True, help="Overwrite draft files that already exist.")
@click.option("--prefix", metavar="NAME", help="Deck name prefix (default: the notes' title, else the file name).")
def import_cmd(notes: str, out_dir: str, force: bool, prefix: str | None) -> None:
    """Turn a Markdown notes file into draft YAML decks, one per ## section.

    Every heading with text under it becomes at least one card, with `source`
    set to its heading path. Headings with nothing under them are listed at
    the end. Never overwrites a file without --force. See docs/import.md.
    """
    from pyflash.importer import (  # deferred: start-up time (each command imports what it uses)
        import_notes,
        report_lines,
    )

    report = import_notes(notes, out_dir, force=force, prefix=prefix)
    for line in report_lines(report):
        click.echo(line)


@cli.command(context_settings=CONTEXT)
@deck_paths
@click.option("--anki", "anki", is_flag=True, help="Write an Anki package (.apkg); the only format so far.")
@click.option("--deck", "deck", metavar="NAME", help="Export only this deck and its subdecks.")
@click.option(
    "-o", "--output", "output", metavar="FILE.apkg",
    help="Where to write (default: pyflash.apkg, or NAME.apkg with --deck, in the current folder).",
)
@click.option("--force", is_flag=True, help="Replace FILE.apkg if it exists.")
@home_option
def export(paths: tuple[str, ...], anki: bool, deck: str | None, output: str | None, force: bool) -> None:
    """Export decks to an Anki package, to study them on your phone.

    With no PATH, exports the same decks `study` uses. Import the file in Anki
    (File > Import): an edited card updates its note in place, scheduling kept.
    Cards of a deck with errors are printed and left out; the rest is written
    and the exit code is 2. See docs/anki-export.md.
    """
    if not anki:
        raise click.UsageError("choose a format: --anki (the only one so far)")
    from pyflash.export.command import run_export  # deferred: start-up time (each command imports what it uses)

    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()  # reproducible builds
    run_export(
        paths,
        locations=pyflash_paths.locations(),
        state=(pyflash_paths.data_dir(), pyflash_paths.cache_dir()),
        deck=deck,
        output=output,
        force=force,
        now=int(epoch) if epoch.isdigit() else None,
    )


@cli.command(context_settings=CONTEXT)
@click.option("--repair", is_flag=True, help="Copy every readable row into a fresh database; keep the damaged one aside.")
@click.option("--list", "list_", is_flag=True, help="List the daily backups.")
@click.option("--restore", metavar="DATE", help="Bring back the backup of DATE (YYYY-MM-DD); the current file is kept aside.")
@home_option
def doctor(repair: bool, list_: bool, restore: str | None) -> None:
    """Check the review database in full (SQLite's integrity_check), repair it, or restore a backup.

    A backup is made on the first study of each day and the last 7 are kept
    (`backups_keep` in the config). Exits 2 if the database is damaged. See docs/doctor.md.
    """
    from datetime import datetime  # deferred: start-up time (the other commands do not need it)

    from pyflash import paths  # deferred: start-up time
    from pyflash.core.review import backup  # deferred: start-up time
    from pyflash.core.review import doctor as doc  # deferred: start-up time

    if sum((repair, list_, restore is not None)) > 1:
        raise click.UsageError("give only one of --repair, --list and --restore")
    store, folder = paths.store_path(), paths.backups_dir()
    if list_:
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
            _fail(
                f"{store}: the database is damaged ({len(report.problems)} problem(s) found); run "
                "`pyflash doctor --repair` to copy every readable row into a fresh file, or bring back "
                "a backup with `pyflash doctor --restore DATE` (see `pyflash doctor --list`)"
            )
        else:
            _echo_repair(doc.repair(store, now=datetime.now()), store)


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


def main(argv: list[str] | None = None) -> None:
    try:
        cli.main(args=argv, prog_name="pyflash", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(2 if exc.exit_code == 1 or isinstance(exc, click.UsageError) else exc.exit_code)
    except PyflashError as exc:
        click.echo(f"pyflash: {exc}" if not _looks_located(str(exc)) else str(exc), err=True)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        sys.exit(130)
    except BrokenPipeError:
        sys.exit(0)
    except SystemExit:
        raise


def _looks_located(message: str) -> bool:
    head = message.split(": ", 1)[0]
    return head.count(":") >= 2 and head.rsplit(":", 2)[-1].isdigit()


if __name__ == "__main__":
    main()


@cli.command("help", context_settings=CONTEXT)
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


@cli.command(context_settings=CONTEXT)
@deck_paths
@click.option("--deck", "deck", metavar="NAME", help="Only this deck and its subdecks.")
@click.option("--tag", "tag", metavar="T", help="Only cards with this tag.")
@click.option("--days", "days", type=click.IntRange(1, 3650), default=30, show_default=True, help="Days of due forecast.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object (see docs/stats.md).")
@home_option
def stats(paths: tuple[str, ...], deck: str | None, tag: str | None, days: int, as_json: bool) -> None:
    """What you did today, what is coming, retention, streak; charts in the terminal."""
    from pyflash.core.workspace import open_workspace  # deferred: start-up time (each command imports what it uses)

    with open_workspace(paths or None, locations=pyflash_paths.locations(), read_only=True) as ws:
        figures = ws.stats(deck, tag, days)
    if as_json:
        import json  # deferred: start-up time

        click.echo(json.dumps(figures.to_json(), ensure_ascii=False))
        return
    from pyflash import stats_view  # deferred: start-up time (plotext)

    color = sys.stdout.isatty()
    width = os.get_terminal_size(sys.stdout.fileno()).columns if color else 80
    click.echo(stats_view.render(figures, color=color, width=width), nl=False)
