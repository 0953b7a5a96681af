"""The browser's widgets: the query row, the results table and the detail pane.

They show what the screen gives them (search hits from ``Workspace.search``, a
card's history from ``Workspace.history``); the screen decides what to do.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.widgets import DataTable, Input, Static

from pyflash.core import HistoryEntry, SearchHit
from pyflash.ui import text
from pyflash.ui.card_view import CardView
from pyflash.ui.history_view import HistoryView, first_line, history_summary

# Column key -> the sort it gives (core/query/search.py SORTS), for clicks on the headers.
SORT_COLUMNS = {"deck": "deck", "due": "due", "ivl": "ivl", "ease": "ease", "lapses": "lapses"}
SORT_LABELS = {None: "deck order", "due": "due", "ivl": "interval", "ease": "ease", "lapses": "lapses", "deck": "deck"}
MARK = "●"
QUESTION_WIDTH = 24
DECK_WIDTH = 12


def short_deck(deck: str, width: int = DECK_WIDTH) -> str:
    """A deck name that fits ``width``: its last part (the subdeck) after an ellipsis, ``…::NumPy``."""
    if len(deck) <= width:
        return deck
    last = deck.rsplit("::", 1)[-1]
    if len(last) + 3 <= width:
        return "…::" + last
    return "…" + last[-(width - 1) :]


def due_text(hit: SearchHit) -> str:
    """Due, counted from today: ``today``, ``+6d``, ``-3d`` (overdue); "" for a new card."""
    delta = hit.due_in
    if delta is None:
        return ""
    return "today" if delta == 0 else f"{delta:+d}d"


def state_cell(hit: SearchHit) -> Text:
    if hit.facts.suspended:
        return Text("susp.", style="#d7af5f")
    if hit.facts.buried(hit.today):
        return Text("buried", style="#d7af5f")
    state = hit.state
    return Text(state, style={"new": "#5fafff", "learning": "#ff8787", "review": "#87d787"}[state])


def _right(value: str) -> Text:
    return Text(value, justify="right")


class QueryBox(Input):
    """The query: enter runs it (docs/search.md)."""


class QueryRow(Horizontal):
    """``/`` then the query box; below it, a malformed query's column and what is wrong."""

    def compose(self) -> ComposeResult:
        yield Static(Content.styled("/", "bold $text-accent"), id="query-label")
        yield QueryBox(placeholder="a search, e.g. deck:Python is:due (enter runs it)", id="query", compact=True)


class QueryProblem(Static):
    """A ``^`` under the column of the problem, and what it is (hidden when the query is fine)."""

    def show(self, column: int | None, message: str, offset: int) -> None:
        if column is None:
            self.update(Content.styled(message, "$text-error"))
        else:
            caret = " " * max(0, offset + column - 1) + "^ "
            self.update(Content.assemble((caret, "bold $text-error"), (message, "$text-error")))
        self.display = True

    def clear(self) -> None:
        self.update("")
        self.display = False


class ResultsTable(DataTable[Text]):
    """The cards found. Enter studies the marked cards (or this one)."""

    BINDINGS = [
        Binding("enter", "screen.study_these", "Study", tooltip="Study the marked cards (or this one) now", id="pyflash.browser.table-study"),
    ]

    def show(self, hits: Sequence[SearchHit], marked: Collection[str], sort: str | None, reverse: bool) -> None:
        """Fill the table with ``hits`` (marked keys get a dot); the sorted column's header says so."""
        self.clear(columns=True)
        arrow = "↑" if reverse else "↓"

        def head(label: str, key: str, right: bool = False) -> Text:
            text = label + (arrow if sort == SORT_COLUMNS.get(key, "") else "")
            return Text(text, justify="right" if right else "left")

        self.add_column(Text(MARK), key="mark", width=1)
        self.add_column(Text("Question"), key="q", width=QUESTION_WIDTH)
        self.add_column(head("Deck", "deck"), key="deck", width=DECK_WIDTH)
        self.add_column(head("State", "state"), key="state", width=8)
        self.add_column(head("Due", "due", True), key="due", width=5)
        self.add_column(head("Ivl", "ivl", True), key="ivl", width=4)
        self.add_column(head("Ease", "ease", True), key="ease", width=5)
        self.add_column(head("Lps", "lapses", True), key="lapses", width=4)
        for hit in hits:
            card, facts = hit.card, hit.facts
            self.add_row(
                Text(MARK if card.key in marked else "", style="bold $text-accent"),
                Text(first_line(card, QUESTION_WIDTH)),
                Text(short_deck(card.deck)),
                state_cell(hit),
                _right(due_text(hit)),
                _right("" if hit.interval is None else f"{hit.interval}d"),
                _right("" if hit.ease is None else f"{hit.ease:.2f}"),
                _right(str(facts.lapses) if facts.lapses else ""),
                key=card.key,
            )

    def set_mark(self, key: str, marked: bool) -> None:
        self.update_cell(key, "mark", Text(MARK if marked else "", style="bold"))

    @property
    def current_key(self) -> str | None:
        if not self.row_count:
            return None
        try:
            row_key = self.coordinate_to_cell_key(self.cursor_coordinate).row_key
        except Exception:
            return None
        return row_key.value if row_key is not None else None


def card_facts(hit: SearchHit) -> Content:
    """Where the card is (``path:line``) and its schedule, for the detail pane."""
    card, facts = hit.card, hit.facts
    state = hit.state
    if facts.suspended:
        state += " · suspended"
    if facts.buried(hit.today):
        state += " · buried"
    parts: list[Content | str | tuple[str, str]] = [(text.card_place(card), "bold"), "\n", state]
    if hit.due is not None:
        parts.append(f" · due {hit.due} ({due_text(hit)})")
    if hit.interval is not None and hit.ease is not None:
        parts.append(f"\nivl {hit.interval}d · ease {hit.ease:.2f}")
    parts.append(f"\n{facts.lapses} lapse{'s' if facts.lapses != 1 else ''} · {facts.reviews} review{'s' if facts.reviews != 1 else ''}")
    if card.tags:
        parts.append(f"\ntags: {', '.join(card.tags)}")
    parts.append(("\nid: " + card.key, "$text-muted"))
    return Content.assemble(*parts)


class DetailPane(Horizontal):
    """The card as in study (question and answer), then where it is, its schedule and its history."""

    def compose(self) -> ComposeResult:
        yield CardView(id="card")
        with VerticalScroll(id="detail-side"):
            yield Static(id="detail-facts")
            yield Static(id="history-summary")
            yield HistoryView(id="history")

    async def show(self, hit: SearchHit | None, history: Sequence[HistoryEntry]) -> None:
        view = self.query_one(CardView)
        if hit is None:
            self.display = False
            return
        self.display = True
        card = hit.card
        await view.show_question(card, card.deck, changed=True)
        await view.mount_answer()
        await view.show_answer(card)
        self.query_one("#detail-facts", Static).update(card_facts(hit))
        self.query_one("#history-summary", Static).update(Content.styled(history_summary(history), "$text-muted"))
        self.query_one(HistoryView).show(history)
        self.query_one("#detail-side").scroll_home(animate=False)
