"""The deck picker: the deck tree with new / due / total counts, and deck errors."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.geometry import Size
from textual.screen import Screen
from textual.widgets import DataTable, Static
from textual.worker import get_current_worker

from pyflash.core import DeckCounts, PyflashError, Workspace
from pyflash.core.decks.model import deck_and_parents, in_deck
from pyflash.core.text import plural
from pyflash.ui.host import host
from pyflash.ui.keybar import KeyBar
from pyflash.ui.reload import DecksRead, DecksReadFailed, read_decks
from pyflash.ui.text import deck_query, wrap_points

BROKEN = "✗"


def tree_rows(counts: list[DeckCounts]) -> list[tuple[str, str]]:
    """(deck name, label with tree guides) in tree order; ``A::B`` sits under ``A``."""
    names = {c.name for c in counts}
    children: dict[str, list[str]] = defaultdict(list)
    roots: list[str] = []
    for name in names:
        parent = name.rpartition("::")[0]
        if parent and parent in names:
            children[parent].append(name)
        else:
            roots.append(name)

    def order(items: list[str]) -> list[str]:
        return sorted(items, key=lambda n: (n.rpartition("::")[2].casefold(), n))

    rows: list[tuple[str, str]] = []

    def walk(name: str, prefix: str, depth: int, last: bool) -> None:
        part = name.rpartition("::")[2] if depth else name
        guide = "" if depth == 0 else prefix + ("└─ " if last else "├─ ")
        rows.append((name, guide + part))
        kids = order(children.get(name, []))
        below = "" if depth == 0 else prefix + ("   " if last else "│  ")
        for i, kid in enumerate(kids):
            walk(kid, below, depth + 1, i == len(kids) - 1)

    for root in order(roots):
        walk(root, "", 0, True)
    return rows


class WordWrapped(Static):
    """A Static that wraps between words, and breaks a long path after a ``/``, never mid-word."""

    def _wrapped(self, width: int) -> Content:
        content = self.visual if isinstance(self.visual, Content) else Content(str(self.visual))
        rows: list[Content] = []
        for line in content.split("\n", allow_blank=True):
            rows.extend(piece.rstrip() for piece in line.divide(wrap_points(line.plain, width)))
        return Content("\n").join(rows)

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(self._wrapped(width).split("\n", allow_blank=True))

    def render(self) -> Content:
        return self._wrapped(self.content_size.width)


def _num(n: int, style: str) -> Text:
    return Text(str(n), style=style if n else "dim", justify="right")


class DeckTable(DataTable[Text]):
    """The deck table. Its enter key selects the row (then the screen studies it),
    in order with the arrow keys typed before it, and shows in the footer."""

    BINDINGS = [
        Binding("enter", "select_cursor", "Study", tooltip="Study the selected deck and its subdecks", id="pyflash.decks.table-study"),
    ]


class DeckPickerScreen(Screen[None]):
    """Pick a deck: enter studies it (with its subdecks), a studies everything."""

    HELP_TITLE = "Deck picker"
    AUTO_FOCUS = "#decks"
    BINDINGS = [
        Binding("enter", "study", "Study", tooltip="Study the selected deck and its subdecks", id="pyflash.decks.study"),
        Binding("a", "study_all", "All decks", tooltip="Study all decks", id="pyflash.decks.all"),
        Binding("c", "cram", "Cram", tooltip="Cram the selected deck (the schedule is not changed)", id="pyflash.decks.cram"),
        Binding("S", "unsuspend", "Unsuspend", tooltip="Unsuspend the selected deck's suspended cards (asks first)", id="pyflash.decks.unsuspend"),
        Binding("B", "unbury", "Unbury", show=False, tooltip="Unbury the selected deck's buried cards", id="pyflash.decks.unbury"),
        Binding("r", "reload", "Reload", show=False, tooltip="Reload the deck files", id="pyflash.decks.reload"),
        Binding("slash", "search", "Search", show=False, tooltip="Find cards: the browser, on the selected deck", id="pyflash.decks.search"),
        Binding("t", "stats", "Stats", show=False, tooltip="Stats of the selected deck: forecast, calendar, retention", id="pyflash.decks.stats"),
        Binding("n", "add_card", "New card", show=False, tooltip="Add a card (to the selected deck)", id="pyflash.decks.add"),
        Binding("escape", "quit", "Quit", tooltip="Quit pyflash", id="pyflash.decks.quit"),
        Binding("q", "quit", "Quit", show=False, id="pyflash.decks.quit-q"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self._counts: dict[str, DeckCounts] = {}
        self._title = Content("Decks")
        self.reloading = False  # True while the deck files are read again (r)

    def compose(self) -> ComposeResult:
        yield Static(id="picker-title")
        yield DeckTable(id="decks", cursor_type="row", zebra_stripes=False)
        yield WordWrapped(id="deck-detail")
        with VerticalScroll(id="problems"):
            yield WordWrapped(id="problem-list")
        yield KeyBar()

    def on_mount(self) -> None:
        table = self.query_one("#decks", DeckTable)
        table.add_column("Deck", key="deck")
        table.add_column(Text("New", justify="right"), key="new")  # what today's limits allow
        table.add_column(Text("Due", justify="right"), key="due")
        table.add_column(Text("Unseen", justify="right"), key="unseen")  # every new card
        table.add_column(Text("Total", justify="right"), key="total")
        table.add_column(Text("Susp.", justify="right"), key="suspended")
        self.refresh_counts()
        host(self).screen_ready()

    def on_screen_resume(self) -> None:
        self.refresh_counts()

    @property
    def ws(self) -> Workspace:
        return host(self).ws

    def refresh_counts(self) -> None:
        ws = self.ws
        counts = ws.deck_counts()
        self._counts = {c.name: c for c in counts}
        broken = ws.result.decks_with_errors()
        broken_all = {p for d in broken for p in deck_and_parents(d)}
        table = self.query_one("#decks", DeckTable)
        selected = self.selected
        table.clear()
        for name, label in tree_rows(counts):
            c = self._counts[name]
            cell = Text(label)
            if name in broken_all:
                cell.append(f" {BROKEN}", style="bold red")
            table.add_row(
                cell,
                _num(c.new_today, "bold #5fafff"),
                _num(c.due, "bold #87d787"),
                _num(c.new, ""),
                _num(c.total, ""),
                _num(c.suspended, "#d7af5f"),
                key=name,
            )
        if selected is not None and selected in self._counts:
            table.move_cursor(row=table.get_row_index(selected), animate=False)
        # The header counts what the table lists: its rows, and the cards under its top rows.
        total = sum(c.total for c in counts if "::" not in c.name)
        due = sum(c.due for c in counts if "::" not in c.name)
        new = ws.new_today_all(counts)
        self._title = Content.assemble(
            ("Decks", "bold"),
            f"  {plural(len(counts), 'deck')} · {plural(total, 'card')} · ",
            (f"{new} new today", "bold $text-primary"),
            " · ",
            (f"{due} due", "bold $text-success"),
        )
        self.show_sync()
        self._show_problems()
        self._show_detail(self.selected)

    def show_sync(self) -> None:
        """The title, with when the last sync was (or what the running one does) when sync is set up."""
        line = host(self).sync_status()
        widget = self.query_one("#picker-title", Static)
        if line is None:
            title = self._title
        elif self._title.cell_length + 3 + len(line) <= widget.content_region.width or not widget.content_region.width:
            title = Content.assemble(self._title, (f" · {line}", "dim"))
        else:  # a narrow terminal: the sync state on a line of its own, not cut or broken inside
            title = Content.assemble(self._title, "\n", (line, "dim"))
        widget.update(title)

    def on_resize(self) -> None:
        self.call_after_refresh(self.show_sync)  # once the title has its new width

    @property
    def selected(self) -> str | None:
        table = self.query_one("#decks", DeckTable)
        if not table.row_count:
            return None
        try:
            key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key
        except Exception:
            return None
        return key.value if key is not None else None

    def _show_problems(self) -> None:
        errors = self.ws.result.errors
        box = self.query_one("#problems")
        box.display = bool(errors)
        if not errors:
            return
        files = len({e.path for e in errors})
        lines = [
            Content.assemble(
                (f"{BROKEN} {plural(len(errors), 'error')} in {plural(files, 'deck file')}", "bold $text-error"),
                " · the other cards still load · fix the file, then press r",
            )
        ]
        for err in errors:
            lines.append(Content(str(err)))
        self.query_one("#problem-list", Static).update(Content("\n").join(lines))

    def _show_detail(self, name: str | None) -> None:
        detail = self.query_one("#deck-detail", Static)
        c = self._counts.get(name) if name else None
        if name is None or c is None:
            detail.update("")
            return
        ws = self.ws
        descriptions = [f.description for f in ws.result.files if f.deck == name and f.description]
        parts: list[Content | str | tuple[str, str]] = [(c.name, "bold")]
        if descriptions:
            parts.append(f" · {descriptions[0].strip()}")
        files = len(c.paths)
        where = ", ".join(sorted(c.origins))
        subdecks = sum(1 for other in self._counts if other.startswith(name + "::"))
        if subdecks:
            parts.append(f" · {plural(subdecks, 'subdeck')}")
        if files:
            parts.append(f"\n{plural(files, 'file')} ({where})")
        if c.suspended:
            parts.append(("\n" if not files else " · ") + f"{c.suspended} suspended: S unsuspends them")
        errs = [e for e in ws.result.errors if any(f.path == e.path and in_deck(f.deck, name) for f in ws.result.files)]
        if errs:
            parts.append(("\n" + f"{BROKEN} {errs[0]}", "$text-error"))
        detail.update(Content.assemble(*parts))

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_detail(event.row_key.value if event.row_key is not None else None)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self._study_selected()

    # -- actions ------------------------------------------------------------

    def _study(self, name: str | None, cram: bool | None = None) -> None:
        if name is not None and not self._counts.get(name, DeckCounts(name)).total:
            self.notify(f"{name} has no cards that loaded; see the errors below.", severity="warning")
            return
        host(self).start_session(name, push=True, cram=cram)

    def action_study(self) -> None:
        self._study_selected()

    def _study_selected(self) -> None:
        if self.selected is not None:
            self._study(self.selected)

    def action_study_all(self) -> None:
        self._study(None)

    def action_cram(self) -> None:
        if self.selected is not None:
            self._study(self.selected, cram=True)

    def action_stats(self) -> None:
        host(self).show_stats(self.selected)

    def action_unsuspend(self) -> None:
        """Unsuspend the selected deck's cards, after a confirmation."""
        name = self.selected
        if name is None:
            return
        count = self._counts.get(name, DeckCounts(name)).suspended
        if not count:
            self.notify(f"No suspended cards in {name}.", timeout=3)
            return
        from pyflash.ui.confirm import ConfirmScreen  # deferred: start-up time (not on the first paint)

        def done(yes: bool | None) -> None:
            if yes:
                self._restore(name, self.ws.unsuspend, "Unsuspended", "suspended")

        self.app.push_screen(
            ConfirmScreen(
                f"Unsuspend {plural(count, 'card')}?",
                f"Every suspended card of {name} and its subdecks will be studied again.",
                yes="Unsuspend",
            ),
            done,
        )

    def action_unbury(self) -> None:
        if self.selected is not None:
            self._restore(self.selected, self.ws.unbury, "Unburied", "buried")

    def _restore(self, name: str, restore: Callable[[str], int], done: str, state: str) -> None:
        try:
            count = restore(name)
        except PyflashError as exc:
            self.notify(str(exc), severity="error", timeout=10)
            return
        if not count:
            self.notify(f"No {state} cards in {name}.", timeout=3)
            return
        self.notify(f"{done} {plural(count, 'card')} in {name}.", timeout=4)
        self.refresh_counts()

    def action_search(self) -> None:
        host(self).open_browser(deck_query(self.selected))
    def action_add_card(self) -> None:
        host(self).add_card(self.selected)

    def action_reload(self) -> None:
        self.reloading = True
        self._read_decks()

    @work(thread=True, exclusive=True, group="reload")
    def _read_decks(self) -> None:
        worker = get_current_worker()
        read_decks(self.ws, self.post_message, lambda: worker.is_cancelled)

    def on_decks_read(self, message: DecksRead) -> None:
        message.stop()
        try:
            self.ws.reload(message.result)  # read in the worker; the store is used here, on its thread
        except PyflashError as exc:
            self._reload_failed(str(exc))
            return
        self.reloading = False
        self.refresh_counts()
        n = len(self.ws.result.errors)
        self.notify("Decks reloaded." + (f" {plural(n, 'error')}." if n else ""), timeout=3)

    def on_decks_read_failed(self, message: DecksReadFailed) -> None:
        message.stop()
        self._reload_failed(message.error)

    def _reload_failed(self, error: str) -> None:
        self.reloading = False
        self.notify(
            f"{error}\nThe decks stay as they were.", title="Reload failed", severity="error", timeout=10
        )

    def action_quit(self) -> None:
        host(self).quit_app()

