"""The help screen (``?``): every key, per screen.

It lists the bindings it is given: the app passes each screen's title and
bindings in, so this module imports no other screen.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import NamedTuple

from rich.cells import cell_len
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Container, Vertical, VerticalScroll
from textual.content import Content
from textual.geometry import Size
from textual.screen import ModalScreen
from textual.widgets import Static

from pyflash.ui.text import wrap_points


class HelpSection(NamedTuple):
    """One screen's part of the help: its title, its bindings, and rows for what is not a binding."""

    title: str
    bindings: Iterable[BindingType]
    extra: Sequence[tuple[str, str]] = ()


class HelpScreen(ModalScreen[None]):
    """Every key, per screen (the sections the app passes in)."""

    HELP_TITLE = "Help"
    BINDINGS = [
        Binding("escape", "close", "Close", id="pyflash.help.close"),
        Binding("q", "close", "Close", show=False, id="pyflash.help.close-q"),
    ]

    def __init__(self, sections: Sequence[HelpSection]) -> None:
        super().__init__()
        self.sections = sections

    def compose(self) -> ComposeResult:
        # The frame is an opaque margin around the dialog: no border behind touches its border.
        with Container(id="help-frame"), Vertical(id="help-dialog"):
            with VerticalScroll(id="help-body"):
                yield HangingText(self._rows(), id="help-text")
            yield Static(
                Content.assemble(("escape", "bold reverse"), " close  ", ("↑ ↓", "bold reverse"), " scroll"),
                id="help-close",
            )

    def _rows(self) -> list[tuple[Content, int]]:
        """The help's lines, each with the indent of its wrapped rows (under the descriptions)."""
        sections = [(s.title, [*binding_rows(s.bindings), *s.extra]) for s in self.sections]
        width = max(cell_len(k) for _, rows in sections for k, _ in rows) + 3
        out: list[tuple[Content, int]] = [
            (Content.styled("pyflash keys", "bold $text-accent"), 0),
            (
                Content(
                    "Grades: 0 again · 1 wrong · 2 almost · 3 hard · 4 good · 5 easy. "
                    "Below 4 the card comes back later today; the grade bar shows each interval."
                ),
                0,
            ),
        ]
        for title, rows in sections:
            out.append((Content(""), 0))
            out.append((Content.styled(title, "bold underline"), 0))
            for keys, desc in rows:
                pad = " " * (width - cell_len(keys))
                out.append((Content.assemble(("  " + keys + pad, "bold"), desc), 2 + width))
        return out

    def action_close(self) -> None:
        self.dismiss(None)


class HangingText(Static):
    """Lines that wrap between words, each row after the first indented (a hanging indent)."""

    def __init__(self, rows: list[tuple[Content, int]], *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.rows = rows

    def _wrapped(self, width: int) -> Content:
        out: list[Content] = []
        for line, indent in self.rows:
            first = True
            while True:
                room = width if first else max(1, width - indent)
                cuts = wrap_points(line.plain, room)
                head, rest = line.divide(cuts[:1]) if cuts else (line, None)
                out.append((head if first else Content.assemble(" " * indent, head)).rstrip())
                if rest is None:
                    break
                line, first = rest, False
        return Content("\n").join(out)

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(self._wrapped(width).split("\n", allow_blank=True))

    def render(self) -> Content:
        return self._wrapped(self.content_size.width)

    @property
    def plain(self) -> str:
        """The text, unwrapped (one line per row of the help)."""
        return "\n".join(line.plain for line, _ in self.rows)


_KEY_NAMES = {"question_mark": "?", "slash": "/", "escape": "escape", "pageup": "PgUp", "pagedown": "PgDn"}


def key_name(binding: Binding) -> str:
    """A key as the help screen spells it: ``space``, ``enter``, ``ctrl+z``, ``?``."""
    return _KEY_NAMES.get(binding.key, binding.key)


def binding_rows(bindings: Iterable[BindingType]) -> list[tuple[str, str]]:
    """(keys, what they do) per action; keys of one action (or one group, like the grades) share a row."""
    rows: dict[str, tuple[list[str], str]] = {}
    for b in Binding.make_bindings(bindings):
        row = f"group:{b.group.description}" if b.group else b.action
        desc = f"{b.group.description} the card, once the answer is shown" if b.group else (b.tooltip or b.description)
        keys, desc = rows.get(row, ([], desc))
        keys.append(key_name(b))
        rows[row] = (keys, desc)
    return [(" ".join(k), d) for k, d in rows.values()]
