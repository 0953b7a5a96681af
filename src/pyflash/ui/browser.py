"""The card browser (``/`` from the deck picker or the study screen): find cards, see
each with its history, and act on them.

* The query box takes the search language of docs/search.md; enter runs it. A
  malformed query shows a ``^`` under the column of the problem, and what it is.
* The results table sorts by due, interval, ease, lapses or deck: click a
  column's header (again: the other way round), or ``o`` for the next sort.
* The detail pane shows the card under the cursor as in study (question and
  answer), its ``path:line``, its schedule and its full review history.
* ``v`` marks a card (``V``: all or none). Suspend, unsuspend, bury, unbury and
  forget act on the marked cards, or on the card under the cursor when none is
  marked; each is logged, and ``u`` undoes the last. ``e`` edits the card under
  the cursor in $EDITOR; enter studies the marked cards (or that one) now.

Everything is done by the core (``Workspace.search``, ``Workspace.card_actions``,
``Workspace.history``, ``Workspace.session(keys=...)``); this screen shows it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import partial

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import DataTable, Input, Static

from pyflash.core import ActionResult, Card, CardAction, LoadResult, PyflashError, SearchHit
from pyflash.core.text import plural
from pyflash.ui.browser_widgets import (
    SORT_COLUMNS,
    SORT_LABELS,
    DetailPane,
    QueryBox,
    QueryProblem,
    QueryRow,
    ResultsTable,
)
from pyflash.ui.commands import CommandList
from pyflash.ui.editing import EditsCards
from pyflash.ui.history_view import first_line
from pyflash.ui.host import host
from pyflash.ui.keybar import KeyBar

DETAIL_DELAY = 0.05  # seconds the cursor rests on a row before the detail pane shows its card
SORTS: tuple[str | None, ...] = (None, "due", "ivl", "ease", "lapses", "deck")
DONE = {
    CardAction.SUSPEND: "Suspended",
    CardAction.UNSUSPEND: "Unsuspended",
    CardAction.BURY: "Buried until tomorrow:",
    CardAction.UNBURY: "Unburied",
    CardAction.FORGET: "Forgot (back to new)",
}
ALREADY = {
    CardAction.SUSPEND: "already suspended",
    CardAction.UNSUSPEND: "not suspended",
    CardAction.BURY: "already buried",
    CardAction.UNBURY: "not buried",
    CardAction.FORGET: "new already",
}


class BrowserCommands(CommandList):
    """The browser's sorts in the command palette (its actions come with its keys, from the app's provider)."""

    def commands(self) -> Iterable[tuple[str, str, Callable[[], object]]]:
        screen = self.screen
        if not isinstance(screen, BrowserScreen):
            return
        for sort in SORTS:
            yield f"Browser: sort by {SORT_LABELS[sort]}", "o cycles the sorts", partial(screen.sort_by, sort)
        yield "Browser: clear the marks", "V marks all or none", screen.clear_marks



class BrowserScreen(EditsCards, Screen[None]):
    """Find cards, see one with its history, act on the marked ones."""

    HELP_TITLE = "Browser"
    AUTO_FOCUS = "#results"
    COMMANDS = {BrowserCommands}
    BINDINGS = [
        Binding("enter", "study_these", "Study", tooltip="Study the marked cards (or this one) now", id="pyflash.browser.study"),
        Binding("v", "mark", "Mark", tooltip="Mark or unmark the card (actions take the marked cards)", id="pyflash.browser.mark"),
        Binding("V", "mark_all", "Mark all", show=False, tooltip="Mark every card found, or none", id="pyflash.browser.mark-all"),
        Binding("s", "suspend", "Suspend", tooltip="Suspend the marked cards (or this one)", id="pyflash.browser.suspend"),
        Binding("S", "unsuspend", "Unsuspend", show=False, tooltip="Unsuspend the marked cards (or this one)", id="pyflash.browser.unsuspend"),
        Binding("b", "bury", "Bury", show=False, tooltip="Bury the marked cards (or this one) until tomorrow", id="pyflash.browser.bury"),
        Binding("B", "unbury", "Unbury", show=False, tooltip="Unbury the marked cards (or this one)", id="pyflash.browser.unbury"),
        Binding("f", "forget", "Forget", tooltip="Forget the marked cards (or this one): back to new (asks first)", id="pyflash.browser.forget"),
        Binding("e", "edit", "Edit", show=False, tooltip="Edit the card in $EDITOR, then reload", id="pyflash.browser.edit"),
        Binding("u", "undo", "Undo", tooltip="Undo the last suspend, unsuspend, bury, unbury or forget", id="pyflash.browser.undo"),
        Binding("ctrl+z", "undo", "Undo", show=False, id="pyflash.browser.undo-ctrl-z"),
        Binding("o", "next_sort", "Sort", show=False, tooltip="Sort by the next column: due, interval, ease, lapses, deck", id="pyflash.browser.sort"),
        Binding("slash", "search", "Search", show=False, tooltip="Go to the query box", id="pyflash.browser.search"),
        Binding("escape", "back", "Back", tooltip="Back to where the browser was opened", id="pyflash.browser.back"),
        Binding("q", "back", "Back", show=False, id="pyflash.browser.back-q"),
    ]

    def __init__(self, query: str = "", key: str | None = None) -> None:
        super().__init__()
        self.query_text = query
        self.hits: list[SearchHit] = []
        self.marked: set[str] = set()
        self.sort: str | None = None
        self.reverse = False
        self._start_key = key
        self._shown: str | None = None  # the card in the detail pane
        self._detail_timer: Timer | None = None

    def compose(self) -> ComposeResult:
        yield Static(id="browser-title")
        yield QueryRow(id="query-row")
        yield QueryProblem(id="query-problem")
        yield ResultsTable(id="results", cursor_type="row", zebra_stripes=False)
        yield DetailPane(id="detail")
        yield KeyBar()

    async def on_mount(self) -> None:
        self.query_one(QueryProblem).clear()
        box = self.query_one(QueryBox)
        box.value = self.query_text
        await self.run_query(self.query_text, keep=self._start_key)
        if self._start_key is None:
            box.focus()  # from the deck picker `/` means "search": letters go to the query, never act on cards
        else:
            self.table.focus()  # from study, as Anki's browser: the card being studied, ready for s, b, f...
        host(self).screen_ready()

    # -- searching ----------------------------------------------------------

    @property
    def table(self) -> ResultsTable:
        return self.query_one(ResultsTable)

    async def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.marked.clear()
        if await self.run_query(event.value):
            self.table.focus()

    async def run_query(self, query: str, *, keep: str | None = None) -> bool:
        """Search again (after a new query, a sort or an action); the cursor stays on ``keep``. False: a malformed query."""
        ws = host(self).ws
        try:
            hits = ws.search(query, sort=self.sort)
        except PyflashError as exc:
            column = getattr(exc, "column", None)
            message = str(exc).split(": ", 1)[1] if column is not None and ": " in str(exc) else str(exc)
            label = self.query_one("#query-label")
            self.query_one(QueryProblem).show(column, message, label.outer_size.width)
            return False
        self.query_one(QueryProblem).clear()
        self.query_text = query
        if self.reverse:
            hits.reverse()
        self.hits = hits
        keys = {h.key for h in hits}
        self.marked &= keys
        table = self.table
        keep = keep if keep is not None else table.current_key
        table.show(hits, self.marked, self.sort, self.reverse)
        if keep in keys:
            table.move_cursor(row=table.get_row_index(keep), animate=False)
        self._show_title()
        self._shown = None
        await self._show_detail()
        return True

    def _show_title(self) -> None:
        parts: list[Content | str | tuple[str, str]] = [("Browse", "bold"), f"  {plural(len(self.hits), 'card')}"]
        if self.marked:
            parts += [" · ", (f"{len(self.marked)} marked", "bold $text-accent")]
        order = SORT_LABELS[self.sort] + (", reversed" if self.reverse else "")
        parts.append(f" · sorted by {order}")
        self.query_one("#browser-title", Static).update(Content.assemble(*parts))

    def _hit(self, key: str | None) -> SearchHit | None:
        return next((h for h in self.hits if h.key == key), None) if key is not None else None

    @property
    def current(self) -> SearchHit | None:
        """The card under the cursor."""
        return self._hit(self.table.current_key)

    async def _show_detail(self) -> None:
        hit = self.current
        key = hit.key if hit else None
        if key == self._shown and key is not None:
            return
        self._shown = key
        history = host(self).ws.history(key) if key is not None else []
        await self.query_one(DetailPane).show(hit, history)

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        # Shown once the cursor rests: holding an arrow key does not render every card on the way.
        if self._detail_timer is not None:
            self._detail_timer.stop()
        self._detail_timer = self.set_timer(DETAIL_DELAY, self._show_detail)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()  # a click only moves the cursor; enter studies (the table's binding)

    async def on_data_table_header_selected(self, event: DataTable.HeaderSelected) -> None:
        event.stop()
        sort = SORT_COLUMNS.get(str(event.column_key.value))
        if sort is None:
            return
        if sort == self.sort:
            self.reverse = not self.reverse
        else:
            self.sort, self.reverse = sort, False
        await self.run_query(self.query_text)

    async def sort_by(self, sort: str | None, reverse: bool = False) -> None:
        self.sort, self.reverse = sort, reverse
        await self.run_query(self.query_text)

    async def action_next_sort(self) -> None:
        await self.sort_by(SORTS[(SORTS.index(self.sort) + 1) % len(SORTS)])

    def action_search(self) -> None:
        self.query_one(QueryBox).focus()

    # -- marks --------------------------------------------------------------

    def action_mark(self) -> None:
        key = self.table.current_key
        if key is None:
            return
        if key in self.marked:
            self.marked.discard(key)
        else:
            self.marked.add(key)
        self.table.set_mark(key, key in self.marked)
        self.table.action_cursor_down()
        self._show_title()

    def action_mark_all(self) -> None:
        everything = {h.key for h in self.hits}
        self.marked = set() if self.marked >= everything else everything
        for key in everything:
            self.table.set_mark(key, key in self.marked)
        self._show_title()

    def clear_marks(self) -> None:
        for key in self.marked:
            self.table.set_mark(key, False)
        self.marked.clear()
        self._show_title()

    def targets(self) -> list[Card]:
        """The marked cards, in the table's order; else the card under the cursor."""
        if self.marked:
            return [h.card for h in self.hits if h.key in self.marked]
        hit = self.current
        return [hit.card] if hit else []

    # -- actions ------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("suspend", "unsuspend", "bury", "unbury", "forget", "edit", "study_these", "mark"):
            return bool(self.hits)
        if action == "mark_all":
            return bool(self.hits)
        if action == "undo":
            return True if host(self).ws.card_actions.can_undo else None
        return True

    async def action_suspend(self) -> None:
        await self._do(CardAction.SUSPEND, self.targets())

    async def action_unsuspend(self) -> None:
        await self._do(CardAction.UNSUSPEND, self.targets())

    async def action_bury(self) -> None:
        await self._do(CardAction.BURY, self.targets())

    async def action_unbury(self) -> None:
        await self._do(CardAction.UNBURY, self.targets())

    async def _do(self, action: CardAction, cards: list[Card]) -> None:
        if not cards:
            return
        try:
            result = host(self).ws.card_actions.apply(action, cards)
        except PyflashError as exc:
            self.notify(str(exc), title="Not changed", severity="error", timeout=10)
            return
        self.notify(_said(result, len(cards)), timeout=4)
        await self.run_query(self.query_text)
        self.refresh_bindings()

    def action_forget(self) -> None:
        cards = self.targets()
        if not cards:
            return
        from pyflash.ui.confirm import ConfirmScreen  # deferred: start-up time (only when asked)

        what = f"“{first_line(cards[0], 50)}”" if len(cards) == 1 else plural(len(cards), "card")

        async def done(yes: bool | None) -> None:
            if yes:
                await self._do(CardAction.FORGET, cards)

        self.app.push_screen(
            ConfirmScreen(
                f"Forget {plural(len(cards), 'card')}?",
                f"{what} will be new again: no interval, the starting ease, studied as a new card. "
                "The review log keeps its history, and u undoes this.",
                yes="Forget",
            ),
            done,
        )

    async def action_undo(self) -> None:
        acts = host(self).ws.card_actions
        try:
            result = acts.undo()
        except PyflashError as exc:
            self.notify(str(exc), title="Cannot undo", severity="error", timeout=10)
            await self.run_query(self.query_text)
            return
        if result is None:
            self.notify("Nothing to undo here.", timeout=3)
            return
        self.notify(f"{result.action.value.capitalize()} undone: {plural(result.count, 'card')} as before.", timeout=3)
        await self.run_query(self.query_text)
        self.refresh_bindings()

    async def action_edit(self) -> None:
        hit = self.current
        if hit is not None:
            await self.edit_card(hit.card)

    async def reload_after_edit(self, card: Card, result: LoadResult | None = None) -> None:
        """After ``e``: apply the decks read again, and search again (the cursor follows the card)."""
        reloaded = self.apply_reload(card, result)
        if reloaded is None:
            return
        error, new_key = reloaded
        if error:
            self.notify(error, title="The deck file has an error", severity="warning", timeout=15)
        else:
            self.notify("Deck reloaded.", timeout=2)
        await self.run_query(self.query_text, keep=new_key)

    def action_study_these(self) -> None:
        cards = self.targets()
        if not cards:
            return
        if not host(self).study_cards([c.key for c in cards]):
            self.notify(
                "Nothing to study: " + ("this card is" if len(cards) == 1 else "these cards are")
                + " suspended or buried (S, B).",
                severity="warning",
                timeout=4,
            )

    def action_back(self) -> None:
        self.app.pop_screen()

    def on_key(self, event: events.Key) -> None:
        # Down from the query box goes to the results.
        if event.key == "down" and isinstance(self.focused, QueryBox):
            event.stop()
            self.table.focus()


def _said(result: ActionResult, asked: int) -> str:
    """E.g. "Suspended 3 cards (1 already suspended). u undoes."."""
    action = result.action
    if not result.count:
        return f"Nothing changed: {'the card is' if asked == 1 else 'the cards are'} {ALREADY[action]}."
    text = f"{DONE[action]} {plural(result.count, 'card')}"
    if result.unchanged:
        text += f" ({len(result.unchanged)} {ALREADY[action]})"
    return text + ". u undoes."
