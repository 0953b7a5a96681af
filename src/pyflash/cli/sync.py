"""The ``sync`` command (registered in :mod:`pyflash.cli`): share the review log through git (docs/sync.md)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from pyflash import paths
from pyflash.cli.options import CONTEXT, home_option


@click.command("sync", context_settings=CONTEXT)
@click.option(
    "--remote", metavar="URL_OR_PATH",
    help="The git repository to sync with (a URL, or a bare repository on disk); the first one is recorded in the config.",
)
@home_option
def sync_cmd(remote: str | None) -> None:
    """Share your review history through your own git remote: write, commit, fetch, merge, push, replay.

    Each device appends only to its own event files, so merges never conflict;
    reviews from other devices are replayed into this store. Only review events
    are shared unless `include_decks = true` in [sync]. See docs/sync.md.
    """
    from datetime import UTC, datetime  # deferred: start-up time (each command imports what it uses)

    from pyflash.core import load_config  # deferred: start-up time
    from pyflash.core.text import plural  # deferred: start-up time
    from pyflash.sync.git import redact  # deferred: start-up time
    from pyflash.sync.home import sync_home  # deferred: start-up time (git and the store only for sync)
    from pyflash.sync.settings import resolve_remote  # deferred: start-up time

    locations = paths.locations()
    config = load_config(locations.config)
    result = sync_home(
        locations,
        config,
        env=os.environ,
        now=lambda: datetime.now(UTC),
        remote=resolve_remote(remote, Path.cwd()) if remote else None,
    )
    for problem in result.problems:
        click.echo(f"warning: {problem}", err=True)
    for path in result.repaired:
        click.echo(f"{path}: cut off a half-written last line (an interrupted sync); its events were written again", err=True)
    sent = f"{plural(result.sent, 'event')} of this device written" if result.sent else "no new events of this device"
    remote_shown = redact(result.remote)  # never print a token in a URL
    if result.pushed:
        shared = f"pushed to {remote_shown}" + (f" (retried {plural(result.retries, 'time')}: the remote moved)" if result.retries else "")
    elif result.error is None:
        shared = f"{remote_shown} is up to date"
    else:
        shared = "not pushed"
    click.echo(f"{sent}; {shared}")
    if result.received or result.known:
        click.echo(
            f"received {plural(result.received, 'event')} from other devices: {plural(result.cards, 'card')} replayed"
            + (f" ({result.known} already here)" if result.known else "")
        )
    else:
        click.echo("nothing new from other devices")
    if result.error is not None:
        click.echo(f"pyflash: {result.error}", err=True)
        sys.exit(2)
