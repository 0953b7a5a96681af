"""What every ``pyflash`` command shares: the help layout, ``--home``, deck paths and ``--tag``."""

from __future__ import annotations

import unicodedata

import click

from pyflash.cli.study import set_home
from pyflash.core import PyflashError

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


def cell_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 0 if unicodedata.combining(ch) else 1 for ch in text)


def pad(text: str, width: int, right: bool = False) -> str:
    gap = " " * max(0, width - cell_width(text))
    return gap + text if right else text + gap


def fail(message: str) -> None:
    raise PyflashError(message)


def _set_home(ctx: click.Context, _param: click.Parameter, value: str | None) -> str | None:
    set_home(value)
    return value


home_option = click.option(
    "--home",
    type=click.Path(file_okay=False),
    callback=_set_home,
    expose_value=False,
    is_eager=True,
    help="Keep all state, config and cache under this folder (same as PYFLASH_HOME).",
)


class Group(click.Group):
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


deck_paths = click.argument("paths", nargs=-1, type=click.Path(path_type=str))
tag_option = click.option(
    "--tag", "tags", multiple=True, metavar="TAG",
    help="Only cards with this tag or one below it (python matches python::io); repeat for any of several.",
)

