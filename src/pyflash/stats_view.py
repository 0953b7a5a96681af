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

import plotext as plt

from pyflash.core.query.stats import CALENDAR_DAYS, MATURE_DAYS, RETENTION_DAYS, Stats

SHADES = "·░▒▓█"  # no grades, then the quartiles of the busy days
_WEEKDAYS = ("Mon", "", "Wed", "", "Fri", "", "Sun")


def render(stats: Stats, *, color: bool, width: int = 80) -> str:
    """The whole report."""
    width = max(40, min(width, 120))
    parts = [
        _summary(stats),
        _bars(f"Due in the next {len(stats.forecast)} days", _forecast_labels(stats), stats.forecast, color, width),
        _calendar(stats),
        _bars("Intervals (days), learned cards", *_split(stats.intervals), color, width),
        _bars("Easiness, learned cards", *_split(stats.easiness), color, width),
    ]
    return "\n\n".join(parts) + "\n"


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{value:.0%}"


def _summary(stats: Stats) -> str:
    t, c, r = stats.today, stats.cards, stats.retention
    minutes, seconds = divmod(round(t.seconds), 60)
    lines = [
        f"Today ({date.fromordinal(stats.day).isoformat()})",
        f"  reviews {t.reviews}   new cards {t.new}   again {t.again} ({_percent(t.again_rate)})"
        f"   time {minutes}m {seconds:02d}s",
        "",
        "Cards",
        f"  new {c.new}   learning {c.learning}   young {c.young}   mature {c.mature}",
        f"  suspended {c.suspended}   buried {c.buried}   leeches {c.leech} (lapses >= {stats.leech_threshold})",
        "",
        f"Retention, last {RETENTION_DAYS} days (grades >= 3 of review grades)",
        f"  young (< {MATURE_DAYS} d) {_percent(r.young)} of {r.young_total}"
        f"   mature {_percent(r.mature)} of {r.mature_total}",
        "",
        f"Streak: {stats.streak} day{'s' if stats.streak != 1 else ''}",
    ]
    if stats.fsrs_cards:
        lines += ["", f"FSRS: retrievability now {_percent(stats.retrievability)} (mean of {stats.fsrs_cards} cards)"]
    return "\n".join(lines)


def _forecast_labels(stats: Stats) -> list[str]:
    return [date.fromordinal(stats.day + i).strftime("%m-%d") for i in range(len(stats.forecast))]


def _split(pairs: list[tuple[str, int]]) -> tuple[list[str], list[int]]:
    return [label for label, _ in pairs], [n for _, n in pairs]


def _bars(title: str, labels: list[str], values: list[int], color: bool, width: int) -> str:
    if not values or not any(values):
        return f"{title}\n  (none)"
    plt.clf()
    plt.plotsize(width, 12)
    plt.theme("pro" if color else "clear")
    plt.bar(labels, values)
    top = max(values)
    step = max(1, -(-top // 5))  # whole numbers on the y axis: counts of cards, never 0.33
    plt.yticks(list(range(0, top + step, step)))
    plt.title(title)
    text = str(plt.build())
    return text if color else str(plt.uncolorize(text))


def _calendar(stats: Stats) -> str:
    """Weeks across, Monday to Sunday down; each day a shade of how many grades it had."""
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
            cells.append(" " if day > last else SHADES[0] if not n else SHADES[1 + sum(n > c for c in cuts)])
        rows.append(f"{_WEEKDAYS[weekday]:>3} {''.join(cells).rstrip()}")
    total = sum(stats.calendar.values())
    days = sum(1 for n in stats.calendar.values() if n)
    legend = f"    '{SHADES[1]}' to '{SHADES[-1]}': fewer to more grades; {total} grades on {days} days"
    return "\n".join([f"Reviews, past {CALENDAR_DAYS} days (weeks across)", *rows, legend])
