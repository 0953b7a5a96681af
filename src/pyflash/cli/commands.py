"""The ``pyflash`` command line, with click (:func:`pyflash.cli.main` runs it; a plain ``study`` skips it).

User mistakes (a bad deck, a bad flag, a missing path, a corrupt database)
print one line and exit 2; they never end in a traceback.
"""


from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING

import click

from pyflash import __version__
from pyflash import paths as pyflash_paths
from pyflash.cli import anki, fsrs, more
from pyflash.cli.add import add_cmd
from pyflash.cli.options import CONTEXT, Group, cell_width, deck_paths, fail, home_option, pad, tag_option
from pyflash.cli.study import StudyArgs, error_line, run_study
from pyflash.cli.sync import sync_cmd
from pyflash.core import PyflashError

if TYPE_CHECKING:
    from pyflash.core import Card, Workspace


@click.group(cls=Group, context_settings=CONTEXT)
@click.version_option(__version__, "-V", "--version", prog_name="pyflash")
@home_option
def cli() -> None:
    """Spaced-repetition flashcards for programmers, in the terminal.

    Decks are YAML files (see docs/deck-format.md). With no PATH, pyflash
    uses the bundled decks plus your own deck folder (<data dir>/decks) and
    the folders in PYFLASH_DECKS.
    """



@cli.command(context_settings=CONTEXT)
@deck_paths
@click.option("--deck", "deck", metavar="NAME", help="Only this deck and its subdecks (any case).")
@tag_option
@home_option
def decks(paths: tuple[str, ...], deck: str | None, tags: tuple[str, ...]) -> None:
    """List decks: new cards today's limits allow, due, unseen and total cards, and where they came from."""
    from pyflash.core import open_workspace  # deferred: start-up time (each command imports what it uses)
    from pyflash.core.text import plural  # deferred: start-up time (each command imports what it uses)

    with open_workspace(paths or None, locations=pyflash_paths.locations()) as ws:
        selection = ws.select(deck, tags)
        rows = ws.deck_counts(selection.deck)
        if not rows and not ws.result.errors:
            looked = ", ".join(str(p) for _, p in ws.result.searched)
            click.echo(f"No decks found (looked in: {looked}).")
            click.echo("Add a YAML deck there; see `pyflash check --help` and docs/deck-format.md.")
            return
        top = rows[0].name.count("::") if rows else 0  # with --deck, the selected deck is not indented
        name_w = max([cell_width("Deck")] + [cell_width(_indent(r.name, top)) for r in rows])
        header = f"{pad('Deck', name_w)}  {'New':>5}  {'Due':>5}  {'Unseen':>6}  {'Total':>6}  Source"
        lines = [header, "-" * cell_width(header)]
        overridden = ws.result.overridden_decks()  # the user's copy replaces the bundled deck
        for r in rows:
            origin = ", ".join(sorted(r.origins))
            where = origin
            if r.paths:
                where += ": " + (r.paths[0] if len(r.paths) == 1 else f"{len(r.paths)} files")
            if r.name in overridden:
                where += " (overrides bundled)"
            lines.append(
                f"{pad(_indent(r.name, top), name_w)}  {r.new_today:>5}  {r.due:>5}  {r.new:>6}  {r.total:>6}  {where}"
            )
        click.echo("\n".join(lines))
        allowed = rows[0].new_today if selection.deck and rows else ws.new_today_all(rows)
        if allowed == 0 and any(r.new for r in rows) and not ws.result.errors:
            # Nothing new today: say which limit, and the flag that gets more.
            for held in ws.session(selection.deck).held_back():
                click.echo(held.message())
        errors = ws.result.errors
        if errors:
            for err in errors:
                click.echo(str(err), err=True)
            files = len({e.path for e in errors})
            click.echo(
                f"{plural(len(errors), 'error')} in {plural(files, 'deck file')}; "
                "those cards are left out (run `pyflash check` for details).",
                err=True,
            )
            sys.exit(2)


def _indent(name: str, top: int = 0) -> str:
    parts = name.split("::")
    if top and len(parts) - 1 == top:
        return name  # the deck chosen with --deck: its whole name
    return "  " * (len(parts) - 1 - top) + parts[-1]


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
@click.option("--lint", "lint", is_flag=True, help="Also warn about the form of cards (see docs/lint.md).")
@click.option("--strict", is_flag=True, help="With --lint: exit 1 when there is any warning.")
@home_option
def check(paths: tuple[str, ...], run_code: bool, sandbox: bool, lint: bool, strict: bool) -> None:
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

    With --lint, also warns about the form of cards (long code lines, long
    answers, answers the question gives away, near-duplicates, questions
    asking several things), as path:line:col: [rule] what (how to fix);
    warnings exit 0, or 1 with --strict. A card silences a rule with
    `lint: [rule-id]`.
    """
    from pyflash.core import open_workspace  # deferred: start-up time (each command imports what it uses)

    if sandbox and not run_code:
        fail("--sandbox works only with --run (plain check runs no deck code)")
    if strict and not lint:
        fail("--strict works only with --lint (it makes lint warnings fail the check)")
    with open_workspace(paths or None, locations=pyflash_paths.locations()) as ws:
        result = ws.result
        _echo_check_notes(ws)
        n_cards = len(result.cards)
        n_files = len(result.files)
        status = f"{len(result.errors)} error(s)" if result.errors else "no errors"
        click.echo(f"checked {n_files} file(s), {n_cards} card(s): {status}", err=bool(result.errors))
        exit_code = 2 if result.errors else 0
        if lint:
            exit_code = max(exit_code, _echo_lint(result.cards, strict))
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


def _echo_lint(cards: list[Card], strict: bool) -> int:
    """Print the lint warnings of ``cards`` and a summary; the exit code they call for."""
    from pyflash.core import lint_cards  # deferred: start-up time (each command imports what it uses)

    warnings = lint_cards(cards)
    for warning in warnings:
        click.echo(str(warning))
    rules = sorted({w.rule for w in warnings})
    summary = f"lint: {len(warnings)} warning(s)" + (f" ({', '.join(rules)})" if rules else "")
    click.echo(summary, err=bool(warnings))
    return 1 if warnings and strict else 0


@cli.command(context_settings=CONTEXT)
@deck_paths
@click.option("--deck", "deck", metavar="NAME", help="Study only this deck and its subdecks (any case).")
@tag_option
@click.option(
    "--new", "new", type=click.IntRange(min=0), metavar="N",
    help="Up to N new cards in this session, beyond today's limits.",
)
@click.option(
    "--reviews", "reviews", type=click.IntRange(min=0), metavar="N",
    help="Up to N due reviews in this session, beyond today's limits.",
)
@click.option("--cram", is_flag=True, help="Review cards without changing their schedule.")
@home_option
def study(
    paths: tuple[str, ...], deck: str | None, tags: tuple[str, ...], new: int | None, reviews: int | None, cram: bool
) -> None:
    """Study in the terminal: reveal with space, grade 0-5, ? for every key."""
    run_study(StudyArgs(paths, deck, tags, new, reviews, cram))  # plain forms skip click: pyflash.cli.study


@cli.command("import", context_settings=CONTEXT)
@click.argument("notes", type=click.Path(path_type=str))
@click.option("-o", "--output", "out_dir", default="drafts", show_default=True, metavar="DIR", help="Folder for the draft decks.")
@click.option("--force", is_flag=True, help="Overwrite draft files that already exist.")
@click.option("--prefix", metavar="NAME", help="Deck name prefix (default: the notes' title, else the file name).")
@click.option("--report", "full_report", is_flag=True, help="Also print the fidelity report: each changed code block and skipped part, with path:line.")
def import_cmd(notes: str, out_dir: str, force: bool, prefix: str | None, full_report: bool) -> None:
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
    for line in report_lines(report, full=full_report):
        click.echo(line)


@cli.command(context_settings=CONTEXT)
@deck_paths
@click.option("--anki", "anki", is_flag=True, help="Write an Anki package (.apkg); the only format so far.")
@click.option("--deck", "deck", metavar="NAME", help="Export only this deck and its subdecks (any case).")
@tag_option
@click.option(
    "-o", "--output", "output", metavar="FILE.apkg",
    help="Where to write (default: pyflash.apkg, or NAME.apkg with --deck, in the current folder).",
)
@click.option("--force", is_flag=True, help="Replace FILE.apkg if it exists.")
@home_option
def export(
    paths: tuple[str, ...], anki: bool, deck: str | None, tags: tuple[str, ...], output: str | None, force: bool
) -> None:
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
        tags=tags,
        output=output,
        force=force,
        now=int(epoch) if epoch.isdigit() else None,
    )


for command in (add_cmd, more.doctor, more.help_cmd, more.search_cmd, more.stats, anki.import_anki_cmd, fsrs.optimize, sync_cmd):
    cli.add_command(command)


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
        click.echo(error_line(str(exc)), err=True)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        sys.exit(130)
    except BrokenPipeError:
        sys.exit(0)
    except SystemExit:
        raise
