"""No deck files anywhere: where pyflash looked, and a deck to start from."""

from __future__ import annotations

from pathlib import Path

from rich.cells import cell_len
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Markdown, Static

from pyflash.core.decks.loader import DECK_SUFFIXES
from pyflash.ui import text
from pyflash.ui.host import host
from pyflash.ui.keybar import KeyBar
from pyflash.ui.markdown import markdown_parser


class NoDecksScreen(Screen[None]):
    """No deck files anywhere: say where pyflash looked and show a deck."""

    HELP_TITLE = "No decks"
    BINDINGS = [
        Binding("escape", "quit", "Quit", tooltip="Quit pyflash", id="pyflash.nodecks.quit"),
        Binding("q", "quit", "Quit", show=False, id="pyflash.nodecks.quit-q"),
    ]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="no-decks", classes="panel-screen"):
            yield Static(id="no-decks-where")
            yield Markdown(id="no-decks-example", parser_factory=markdown_parser)
            yield Static(id="no-decks-then")
        yield KeyBar()

    async def on_mount(self) -> None:
        ws = host(self).ws
        searched = ws.result.searched
        width = max((cell_len(origin) for origin, _ in searched), default=0) + 2
        lines: list[Content] = [
            Content.styled("No decks found", "bold $text-accent"),
            Content(""),
            Content("pyflash looked in:"),
        ]
        for origin, path in searched:
            lines.append(Content.assemble("  ", (origin.ljust(width), "bold"), str(path), (f"  ({_state(path)})", "dim")))
        lines += [Content(""), Content("A deck is a YAML file like this one (save it as python.yaml there):")]
        self.query_one("#no-decks-where", Static).update(Content("\n").join(lines))
        await self.query_one("#no-decks-example", Markdown).update(text.fence(text.EXAMPLE_DECK, "yaml"))
        self.query_one("#no-decks-then", Static).update(
            Content.assemble(
                "Then run ",
                ("pyflash study", "bold"),
                " again, or ",
                ("pyflash study PATH", "bold"),
                " with a deck file or folder.\nSee docs/deck-format.md for every key.",
            )
        )
        host(self).screen_ready()

    def action_quit(self) -> None:
        host(self).quit_app()


def _state(path: Path) -> str:
    if not path.exists():
        return "not found"
    if path.is_file():
        return "not a deck" if path.suffix.lower() not in DECK_SUFFIXES else "no cards"
    return "no deck files"

