"""The ``add`` command (registered in :mod:`pyflash.cli`): a card into your decks, no editor needed."""

from __future__ import annotations

import dataclasses
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from pyflash import paths as pyflash_paths
from pyflash.cli.options import CONTEXT, deck_paths, fail, home_option

if TYPE_CHECKING:
    from pyflash.core import CardDraft


def _read_code(source: str | None) -> str | None:
    """The text of ``--code FILE`` (``-``: standard input)."""
    if source is None:
        return None
    if source == "-":
        return sys.stdin.read()
    try:
        return Path(source).read_text(encoding="utf-8")
    except UnicodeDecodeError:
        fail(f"{source}: --code file is not valid UTF-8 text")
    except OSError as exc:
        fail(f"{source}: cannot read the --code file: {exc.strerror or exc}")
    return None  # (unreached: fail raises)


def _tags(values: tuple[str, ...]) -> tuple[str, ...]:
    """``--tag a --tag "b, c"`` -> ``(a, b, c)``."""
    return tuple(t for value in values for t in value.replace(",", " ").split())


@click.command("add", context_settings=CONTEXT)
@deck_paths
@click.option("--deck", "deck", metavar="NAME", help="The deck (any case); a new name makes a new deck file in your deck folder.")
@click.option("--q", "q", metavar="TEXT", help="The question (Markdown). Without it, the add form opens.")
@click.option("--a", "a", metavar="TEXT", help="The answer (Markdown).")
@click.option("--code", "code", metavar="FILE|-", help="A code snippet shown with the question, from FILE or - (standard input).")
@click.option("--lang", "lang", metavar="L", help="The snippet's language (python, bash...).")
@click.option("--output", "output", metavar="TEXT", help="What the code prints: a predict-the-output card.")
@click.option("--note", "note", metavar="TEXT", help="Extra explanation shown after the answer.")
@click.option("--tag", "tags", multiple=True, metavar="T", help="A tag; repeat for more.")
@click.option("--id", "card_id", metavar="ID", help="The card's id (default: made from the question, unique across all decks).")
@click.option(
    "--copy-bundled", is_flag=True,
    help="If the deck is bundled with pyflash, copy it to your deck folder first and add the card to the copy.",
)
@click.option("--dry-run", is_flag=True, help="Print the YAML that would be added, and where; write nothing.")
@home_option
def add_cmd(
    paths: tuple[str, ...],
    deck: str | None,
    q: str | None,
    a: str | None,
    code: str | None,
    lang: str | None,
    output: str | None,
    note: str | None,
    tags: tuple[str, ...],
    card_id: str | None,
    copy_bundled: bool,
    dry_run: bool,
) -> None:
    """Add a card to your decks: pyflash add --deck NAME --q TEXT --a TEXT (no --q: a form).

    The card goes to a file of that deck in your deck folder, or to a new
    <deck>.yaml there. With PATHs (deck files or folders, as for check), to a
    file of that deck among them (a new deck: into the first folder); --deck
    may be left out when they hold one deck. The file's text is kept as it was: the card is appended,
    then the whole file is checked by the deck loader before it is written; an
    invalid card is never written. Bundled decks are never changed: with
    --copy-bundled the deck is copied to your deck folder first. See docs/adding-cards.md.
    """
    from pyflash.core import CardDraft, open_workspace  # deferred: start-up time (each command imports what it uses)

    code_text = _read_code(code)
    draft = CardDraft(
        deck or "", q or "", a=a, code=code_text, lang=lang, output=output, note=note, tags=_tags(tags), id=card_id
    )
    if q is None:
        _form(draft, paths)
        return
    with open_workspace(paths or None, locations=pyflash_paths.locations(), read_only=dry_run) as ws:
        if not deck:
            names = {f.deck for f in ws.result.files} if paths else set()
            if len(names) != 1:
                fail("--deck NAME is needed with --q (the deck gets the card; a new name makes a new deck)")
            draft = dataclasses.replace(draft, deck=names.pop())
        plan = ws.plan_add(draft, copy_bundled=copy_bundled)
        if dry_run:
            what = "create" if plan.new_file else "append to"
            if plan.copy_from is not None:
                what = f"copy {plan.copy_from} to {plan.path.parent} and append to the copy"
                click.echo(f"would {what} (card id '{plan.card_id}', line {plan.line}):", err=True)
            else:
                click.echo(f"would {what} {plan.path} (card id '{plan.card_id}', line {plan.line}):", err=True)
            click.echo(plan.snippet, nl=False)
            return
        written = ws.add_card(plan)
    if plan.copy_from is not None:
        click.echo(f"copied the bundled deck '{plan.deck}' to {written.parent} (it overrides the bundled one)")
    click.echo(f"added card '{plan.card_id}' to {written}:{plan.line}")


def _form(draft: CardDraft, paths: tuple[str, ...]) -> None:
    """``pyflash add`` with no ``--q``: the add form in the terminal."""
    from pyflash.core import open_workspace  # deferred: start-up time (each command imports what it uses)

    # Textual draws on stderr: stdout may go to a file (it gets the "added card" line).
    if not all(stream is not None and not stream.closed and stream.isatty() for stream in (sys.stdin, sys.stderr)):
        fail("pyflash add without --q opens a form and needs a terminal; give --deck and --q (see pyflash add --help)")
    ws = open_workspace(paths or None, locations=pyflash_paths.locations())
    from pyflash.ui.app import make_app  # deferred: start-up time (Textual is imported only for the form)

    try:
        app = make_app(ws, add_draft=draft, environ=os.environ)
        app.run()
    finally:
        ws.close()
    if app.added is not None:
        added = app.added
        if added.copied:
            click.echo(f"copied the bundled deck to {added.path.parent} (it overrides the bundled one)")
        click.echo(f"added card '{added.card_id}' to {added.path}:{added.line}")
