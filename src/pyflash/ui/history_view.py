"""A card's review history on screen: the browser's detail pane and ``i`` in study.

The rows come from ``Workspace.history(key)`` (SQL in the core); this module
only lays them out: one line per grade or action, with the date, the grade (or
the action), the interval and ease it left, and the answer time.
"""

from __future__ import annotations

from collections.abc import Sequence

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static

from pyflash.core import GRADES, Card, HistoryEntry
from pyflash.ui import text


def first_line(card: Card, width: int | None = None) -> str:
    """The question's first line, without Markdown marks (cut to ``width`` with an ellipsis)."""
    q = card.q.strip()
    line = q.splitlines()[0].replace("`", "").replace("*", "") if q else card.key
    if width is not None and len(line) > width:
        line = line[: width - 1] + "…"
    return line


_HEAD = f"{'Date':<10} {'Grade':<8} {'Ivl':>5} {'Ease':>4} {'Time':>5}"


def seconds_text(ms: int | None) -> str:
    """An answer time: ``7.5s``, ``12s``, ``2m05s``; "" when none was measured."""
    if ms is None:
        return ""
    s = ms / 1000
    if s < 10:
        return f"{s:.1f}s"
    if s < 60:
        return f"{s:.0f}s"
    m, rest = divmod(round(s), 60)
    return f"{m}m{rest:02d}s"


def what(entry: HistoryEntry) -> str:
    """The grade ("4 good") or the action ("suspend", "forget")."""
    if entry.grade is not None:
        return f"{entry.grade} {GRADES[entry.grade].label}"
    return str(entry.kind)


def history_lines(entries: Sequence[HistoryEntry]) -> Content:
    """The history as a small table of text, oldest first."""
    if not entries:
        return Content.styled("No reviews yet.", "$text-muted")
    rows: list[Content] = [Content.styled(_HEAD, "bold")]
    for e in entries:
        ivl = "" if e.interval is None else f"{e.interval}d"
        ease = "" if e.ease is None else f"{e.ease:.2f}"
        line = f"{e.date.isoformat():<10} {what(e):<8} {ivl:>5} {ease:>4} {seconds_text(e.answer_ms):>5}"
        style = ""
        if e.grade is None:
            style = "$text-muted"
        elif e.grade < 3:
            style = "$text-error"
        if e.undone:
            style = "strike $text-muted"
        rows.append(Content.styled(line, style) if style else Content(line))
    return Content("\n").join(rows)


def history_summary(entries: Sequence[HistoryEntry]) -> str:
    """E.g. "3 grades · 1 below 3 · 12s on average"."""
    grades = [e for e in entries if e.grade is not None and not e.undone]
    timed = [e.answer_ms for e in grades if e.answer_ms is not None]
    parts = [f"{len(grades)} grade{'s' if len(grades) != 1 else ''}"]
    failed = sum(1 for e in grades if e.grade is not None and e.grade < 3)
    if failed:
        parts.append(f"{failed} below 3")
    if timed:
        parts.append(f"{seconds_text(sum(timed) // len(timed))} on average")
    return " · ".join(parts)


class HistoryView(Static):
    """A card's history as lines of text."""

    def show(self, entries: Sequence[HistoryEntry]) -> None:
        self.update(history_lines(entries))


class HistoryScreen(ModalScreen[None]):
    """``i`` in study: the current card's history, over the card."""

    HELP_TITLE = "History"
    BINDINGS = [
        Binding("escape", "close", "Close", id="pyflash.history.close"),
        Binding("q", "close", "Close", show=False, id="pyflash.history.close-q"),
        Binding("i", "history", "Close", show=False, tooltip="Close the history (as i opened it)", id="pyflash.history.close-i"),
    ]

    def __init__(self, card: Card, entries: Sequence[HistoryEntry]) -> None:
        super().__init__()
        self.card = card
        self.entries = list(entries)

    def compose(self) -> ComposeResult:
        card = self.card
        first = first_line(card)
        with Vertical(id="history-dialog") as dialog:
            dialog.border_title = Content("History")
            dialog.border_subtitle = Content(text.card_place(card))
            yield Static(Content.assemble((first, "bold")), id="history-question")
            yield Static(Content(history_summary(self.entries)), id="history-summary")
            with VerticalScroll(id="history-scroll"):
                yield HistoryView(history_lines(self.entries), id="history")
            yield Static(Content.assemble(("escape", "bold reverse"), " close"), id="history-close")

    def action_close(self) -> None:
        self.dismiss(None)

    def action_history(self) -> None:
        self.dismiss(None)
