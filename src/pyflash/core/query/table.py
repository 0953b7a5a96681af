"""Search hits as a plain-text table (``pyflash search``): aligned columns, no escapes."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

from pyflash.core.query.search import SearchHit

COLUMNS = (
    ("id", "ID"), ("deck", "Deck"), ("state", "State"), ("due", "Due"), ("interval", "Ivl"),
    ("ease", "Ease"), ("lapses", "Lapses"), ("reviews", "Reviews"), ("q", "Question"),
)
_NUMERIC = {"interval", "ease", "lapses", "reviews"}
QUESTION_WIDTH = 60


def cell_width(text: str) -> int:
    """Terminal columns of ``text``: wide (CJK) characters take two, combining marks none."""
    return sum(
        2 if unicodedata.east_asian_width(ch) in "WF" else 0 if unicodedata.combining(ch) else 1 for ch in text
    )


def _cell(row: dict[str, object], name: str) -> str:
    value = row[name]
    if value is None:
        return "-"
    if name == "state" and (row["suspended"] or row["buried"]):
        return f"{value} ({'suspended' if row['suspended'] else 'buried'})"
    if name == "ease" and isinstance(value, float):
        return f"{value:.2f}"
    if name == "q":
        first = str(value).strip().split("\n", 1)[0]
        return first if len(first) <= QUESTION_WIDTH else first[: QUESTION_WIDTH - 1] + "…"
    return str(value)


def hit_table(hits: Sequence[SearchHit]) -> str:
    """One line per hit under a header, then how many; ``no cards found`` when none."""
    if not hits:
        return "no cards found"
    table = [[_cell(hit.to_dict(), name) for name, _ in COLUMNS] for hit in hits]
    header = [title for _, title in COLUMNS]
    widths = [max(cell_width(r[i]) for r in [header, *table]) for i in range(len(COLUMNS))]

    def line(cells: list[str]) -> str:
        out = []
        for i, text in enumerate(cells):
            gap = " " * (widths[i] - cell_width(text)) if i < len(cells) - 1 else ""
            out.append(gap + text if COLUMNS[i][0] in _NUMERIC else text + gap)
        return "  ".join(out).rstrip()

    rule = "-" * (sum(widths) + 2 * (len(widths) - 1))
    count = f"{len(hits)} card" + ("" if len(hits) == 1 else "s")
    return "\n".join([line(header), rule, *(line(r) for r in table), count])
