"""The stats screen (``t`` from the deck picker): the figures of ``pyflash stats``, with charts.

Every number comes from the core (:meth:`Workspace.stats_reader`, SQL over the
review log); this screen only lays them out, as ``pyflash stats`` does
(:mod:`pyflash.stats_view`). The figures are read in a thread worker, on a
read-only SQLite connection of its own, so the screen is shown at once and
filled in when they arrive. The bar charts are textual-plotext plots; the
review calendar is text, one shade per day.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Static
from textual.worker import Worker, WorkerState
from textual_plotext import PlotextPlot

from pyflash import stats_view
from pyflash.core import PyflashError, Stats, Workspace
from pyflash.ui.host import host
from pyflash.ui.keybar import KeyBar

# The calendar's shades (stats_view.SHADES) as colours: no grades, then the quartiles of the busy days.
SHADE_STYLES = ("$text-muted", "$success-darken-3", "$success-darken-1", "$success-lighten-1", "bold $success-lighten-3")


class StatsScreen(Screen[None]):
    """The figures of the selected deck (``deck``; None: all decks); ``d`` switches to all decks and back."""

    HELP_TITLE = "Stats"
    BINDINGS = [
        Binding("d", "toggle_all", "Deck/all", tooltip="Switch between the selected deck and all decks", id="pyflash.stats.all"),
        Binding("escape", "close", "Close", tooltip="Back to the deck picker", id="pyflash.stats.close"),
        Binding("q", "close", "Close", show=False, id="pyflash.stats.close-q"),
    ]

    def __init__(self, deck: str | None) -> None:
        super().__init__()
        self.deck = deck
        self.all_decks = deck is None
        self.stats: Stats | None = None  # the figures on screen (None while they are read)
        self.drawn = False  # the figures are painted (bench/stats.py waits for it)
        self.times: dict[str, float] = {}  # perf_counter() when first "shown" and when "drawn" (for bench/stats.py)

    def compose(self) -> ComposeResult:
        yield Static(id="stats-title")
        with VerticalScroll(id="stats-body"):
            yield Static(id="stats-summary")
            yield PlotextPlot(id="stats-forecast", classes="stats-chart")
            yield Static(id="stats-calendar")
            with Horizontal(id="stats-distributions"):
                yield PlotextPlot(id="stats-intervals", classes="stats-chart")
                yield PlotextPlot(id="stats-ease", classes="stats-chart")
        yield KeyBar()

    def on_mount(self) -> None:
        self._title("reading the review log…")
        self.call_after_refresh(self._first_paint)  # the worker starts once the screen is shown
        host(self).screen_ready()

    def _first_paint(self) -> None:
        self._stamp("shown")
        self._load()

    def _stamp(self, what: str) -> None:
        self.times.setdefault(what, time.perf_counter())

    @property
    def ws(self) -> Workspace:
        return host(self).ws

    @property
    def scope(self) -> str:
        return "all decks" if self.all_decks or self.deck is None else self.deck

    def _load(self) -> None:
        """Read the figures of the current scope in a worker; the screen says so meanwhile."""
        self.stats, self.drawn = None, False
        self._title("reading the review log…")
        try:
            read = self.ws.stats_reader(None if self.all_decks else self.deck)
        except PyflashError as exc:
            self._title(str(exc))
            return
        self._read(read, self.scope)

    @work(thread=True, exclusive=True, group="stats", exit_on_error=False)
    def _read(self, read: Callable[[], Stats], scope: str) -> tuple[str, Stats]:
        return scope, read()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        worker = event.worker
        if worker.group != "stats":
            return
        if event.state == WorkerState.ERROR:
            self._title(f"cannot read the figures: {worker.error}")
        elif event.state == WorkerState.SUCCESS and worker.result is not None:
            scope, stats = worker.result
            if scope == self.scope:  # not a switch ago
                self._show(stats)

    def _title(self, status: str = "") -> None:
        parts: list[str | tuple[str, str]] = [("Stats", "bold"), f" · {self.scope}"]
        if status:
            parts.append((f" · {status}", "$text-muted"))
        self.query_one("#stats-title", Static).update(Content.assemble(*parts))

    def _show(self, stats: Stats) -> None:
        self.stats = stats
        self._title()
        self.query_one("#stats-summary", Static).update("\n".join(stats_view.summary_lines(stats)))
        for widget_id, (title, labels, values) in zip(
            ("#stats-forecast", "#stats-intervals", "#stats-ease"), stats_view.charts(stats), strict=True
        ):
            plot = self.query_one(widget_id, PlotextPlot)
            stats_view.draw_bars(plot.plt, title, labels, values)
            plot.refresh()
        self.query_one("#stats-calendar", Static).update(_calendar(stats))
        self.call_after_refresh(self._drawn)

    def _drawn(self) -> None:
        self.drawn = True
        self._stamp("drawn")

    def action_toggle_all(self) -> None:
        if self.deck is None:
            self.notify("No deck was selected: these are already the figures of all decks.", timeout=3)
            return
        self.all_decks = not self.all_decks
        self._load()

    def action_close(self) -> None:
        self.dismiss(None)


def _calendar(stats: Stats) -> Content:
    """The review calendar as coloured text: weeks across, Monday to Sunday down."""
    lines = [Content.styled(stats_view.CALENDAR_TITLE, "bold")]
    for label, cells in stats_view.calendar_grid(stats):
        parts: list[str | tuple[str, str]] = [f"{label:>3} "]
        parts += [" " if c < 0 else (stats_view.SHADES[c], SHADE_STYLES[c]) for c in cells]
        lines.append(Content.assemble(*parts))
    lines.append(Content.styled(f"    {stats_view.calendar_legend(stats)}", "$text-muted"))
    return Content("\n").join(lines)
