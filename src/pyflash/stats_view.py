"""``pyflash stats`` as text: the core's figures, with plotext charts.

The numbers come from :mod:`pyflash.core.query.stats`; this module only lays
them out. The bar charts (forecast, intervals, easiness) are drawn by plotext.
The review calendar is a compact text grid (weeks across, weekdays down, one
shade character per day): plotext's matrix plot shows values only as colours,
which would vanish in the plain-text output used when stdout is no terminal.
With ``color=False`` the result has no escape codes.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import plotext as plt

from pyflash.core.query.stats import CALENDAR_DAYS, MATURE_DAYS, RETENTION_DAYS, Stats

SHADES = "·░▒▓█"  # no grades, then the quartiles of the busy days
_WEEKDAYS = ("Mon", "", "Wed", "", "Fri", "", "Sun")


def render(stats: Stats, *, color: bool, width: int = 80) -> str:
    """The whole report."""
    width = max(40, min(width, 120))
    forecast, intervals, easiness = (_bars(*chart, color, width) for chart in charts(stats))
    parts = [summary(stats), forecast, _calendar(stats), intervals, easiness]
    return "\n\n".join(parts) + "\n"


def charts(stats: Stats) -> list[tuple[str, list[str], list[int]]]:
    """(title, labels, values) of the bar charts: the due forecast, intervals, easiness."""
    return [
        (f"Due in the next {len(stats.forecast)} days", _forecast_labels(stats), stats.forecast),
        ("Intervals (days), learned cards", *_split(stats.intervals)),
        ("Easiness, learned cards", *_split(stats.easiness)),
    ]


def draw_bars(plot: Any, title: str, labels: list[str], values: list[int]) -> None:
    """Draw one bar chart on ``plot``: the plotext module, or a textual-plotext widget's ``plt``."""
    plot.clear_figure()
    plot.title(title)
    if not values or not any(values):
        plot.title(f"{title}: none")
        return
    plot.bar(labels, values)
    top = max(values)
    step = max(1, -(-top // 5))  # whole numbers on the y axis: counts of cards, never 0.33
    plot.yticks(list(range(0, top + step, step)))


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{value:.0%}"


def summary(stats: Stats) -> str:
    """Today, the card states, retention and the streak, as lines of text."""
    return "\n".join(summary_lines(stats))


def summary_lines(stats: Stats) -> list[str]:
    t, c, r = stats.today, stats.cards, stats.retention
    minutes, seconds = divmod(round(t.seconds), 60)
    lines = [
        f"Today ({date.fromordinal(stats.day).isoformat()})",
        f"  reviews {t.reviews}   new cards {t.new}   again {t.again} ({_percent(t.again_rate)})"
        f"   time {minutes}m {seconds:02d}s",
        "",
        "Cards",
        f"  new {c.new}   learning {c.learning}   young {c.young}   mature {c.mature}",
        f"  suspended {c.suspended}   buried {c.buried}   leeches {c.leech} (threshold {stats.leech_threshold} lapses)",
        "",
        f"Retention, last {RETENTION_DAYS} days (grades >= 3 of review grades)",
        f"  young (< {MATURE_DAYS} d) {_percent(r.young)} of {r.young_total}"
        f"   mature {_percent(r.mature)} of {r.mature_total}",
        "",
        f"Streak: {stats.streak} day{'s' if stats.streak != 1 else ''}",
    ]
    if stats.fsrs_cards:
        lines += ["", f"FSRS: retrievability now {_percent(stats.retrievability)} (mean of {stats.fsrs_cards} cards)"]
    return lines


def _forecast_labels(stats: Stats) -> list[str]:
    return [date.fromordinal(stats.day + i).strftime("%m-%d") for i in range(len(stats.forecast))]


def _split(pairs: list[tuple[str, int]]) -> tuple[list[str], list[int]]:
    return [label for label, _ in pairs], [n for _, n in pairs]


def _bars(title: str, labels: list[str], values: list[int], color: bool, width: int) -> str:
    if not values or not any(values):
        return f"{title}\n  (none)"
    draw_bars(plt, title, labels, values)
    plt.plotsize(width, 12)
    plt.theme("pro" if color else "clear")
    text = str(plt.build())
    return text if color else str(plt.uncolorize(text))


CALENDAR_TITLE = f"Reviews, past {CALENDAR_DAYS} days (weeks across)"


def calendar_grid(stats: Stats) -> list[tuple[str, list[int]]]:
    """The calendar's rows, Monday to Sunday: (weekday label, one shade per week).

    A shade is an index into :data:`SHADES` (0: no grades, 1-4: the quartiles of the
    busy days), or -1 for a day after today.
    """
    last = stats.day
    first = last - CALENDAR_DAYS + 1
    first -= date.fromordinal(first).weekday()  # start on a Monday
    busy = sorted(n for n in stats.calendar.values() if n)
    cuts = [busy[(len(busy) * q) // 4] for q in (1, 2, 3)] if busy else []
    weeks = (last - first) // 7 + 1
    rows = []
    for weekday in range(7):
        cells = []
        for week in range(weeks):
            day = first + week * 7 + weekday
            n = stats.calendar.get(day, 0)
            cells.append(-1 if day > last else 0 if not n else 1 + sum(n > c for c in cuts))
        rows.append((_WEEKDAYS[weekday], cells))
    return rows


def calendar_legend(stats: Stats) -> str:
    total = sum(stats.calendar.values())
    days = sum(1 for n in stats.calendar.values() if n)
    return f"'{SHADES[1]}' to '{SHADES[-1]}': fewer to more grades; {total} grades on {days} days"


def _calendar(stats: Stats) -> str:
    """Weeks across, Monday to Sunday down; each day a shade of how many grades it had."""
    rows = [
        f"{label:>3} {''.join(' ' if c < 0 else SHADES[c] for c in cells).rstrip()}"
        for label, cells in calendar_grid(stats)
    ]
    return "\n".join([CALENDAR_TITLE, *rows, f"    {calendar_legend(stats)}"])
