"""The pyflash study app: ``make_app(workspace)`` builds it, ``app.run()`` runs it.

Screens, one module each:

* :class:`~pyflash.ui.study.StudyScreen` - one card at a time (the first screen);
* :class:`~pyflash.ui.picker.DeckPickerScreen` - the deck tree (``escape`` from study);
* :class:`~pyflash.ui.browser.BrowserScreen` - find cards and act on them (``/``);
* :class:`~pyflash.ui.summary.SummaryScreen` - the end of a session;
* :class:`~pyflash.ui.stats.StatsScreen` - the figures of ``pyflash stats`` (``t`` from the picker);
* :class:`~pyflash.ui.nothing_due.NothingDueScreen` and :class:`~pyflash.ui.no_decks.NoDecksScreen`;
* :class:`~pyflash.ui.add.AddCardScreen` - the add form (``n``, or ``pyflash add`` alone);
* :class:`~pyflash.ui.help.HelpScreen` (``?``), :class:`~pyflash.ui.confirm.ConfirmScreen` and
  :class:`~pyflash.ui.history_view.HistoryScreen` (``i`` in study).

Imports go one way: this module imports the screens; a screen never imports
this module or another screen (the study screen uses the confirmation dialog).
Screens navigate by calling the app through :class:`~pyflash.ui.host.Host`.
Only the study screen is imported with this module: the others are imported
when first shown, which keeps the first card's paint fast.

The UI holds no scheduling logic: it drives a :class:`StudySession` and the
:class:`Workspace`, and shows what they say.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterable, Mapping
from functools import partial
from typing import TYPE_CHECKING, Any

from textual.actions import parse as parse_action
from textual.app import App
from textual.binding import Binding
from textual.screen import Screen
from textual.widget import Widget

from pyflash.core import PyflashError, StudySession, Workspace
from pyflash.ui.commands import CommandList
from pyflash.ui.study import StudyScreen
from pyflash.ui.styles import REST_DELAY, SplitStylesheet
from pyflash.ui.sync import AutoSync

if TYPE_CHECKING:
    from pyflash.core import CardDraft
    from pyflash.ui.add import Added
    from pyflash.ui.help import HelpSection
    from pyflash.ui.host import Host

DEFAULT_THEME = "textual-dark"


class PyflashCommands(CommandList):
    """Every action of the current screen, in the command palette (ctrl+p)."""

    def commands(self) -> Iterable[tuple[str, str, Callable[[], object]]]:
        screen = self.screen
        app = self.app
        title = getattr(screen, "HELP_TITLE", "pyflash")
        owners: list[tuple[Widget | App[Any], list[Binding]]] = [
            (screen, list(Binding.make_bindings(getattr(type(screen), "BINDINGS", [])))),
            (app, list(Binding.make_bindings(PyflashApp.BINDINGS))),
        ]
        seen: set[str] = set()
        for owner, bindings in owners:
            for binding in bindings:
                if binding.action in seen or not binding.description:
                    continue
                seen.add(binding.action)
                _, name, params = parse_action(binding.action)
                if not owner.check_action(name, params):
                    continue
                keys = ", ".join(app.get_key_display(b) for b in bindings if b.action == binding.action)
                label = binding.tooltip or binding.description
                yield f"{title}: {label}", f"key: {keys}", partial(owner.run_action, binding.action)



class BaseScreen(Screen[None]):
    """The screen under every other (Textual's default screen, ``#_default``), blank as Textual's.

    A subclass of Screen, as the study screen is: Textual ranks each widget class's
    default CSS by its distance from the class mounted, and parses it again when that
    changes, so with a plain Screen here the study screen would parse Screen's and
    Widget's default CSS a second time (start-up time).
    """


class PyflashApp(App[None]):
    """Study pyflash decks in the terminal."""

    CSS_PATH = "pyflash.tcss"
    TITLE = "pyflash"
    COMMANDS = App.COMMANDS | {PyflashCommands}
    BINDINGS = [
        Binding(
            "question_mark",
            "help",
            "Keys",
            tooltip="Show every key",
            id="pyflash.help",
        ),
    ]

    def __init__(
        self,
        workspace: Workspace,
        *,
        deck: str | None = None,
        new: int | None = None,
        reviews: int | None = None,
        cram: bool = False,
        theme: str | None = None,
        animations: bool = True,
        on_ready: Callable[[PyflashApp], object] | None = None,
        resume_gc: bool = False,
        environ: Mapping[str, str] | None = None,
        add_draft: CardDraft | None = None,
    ) -> None:
        super().__init__()
        self.stylesheet = SplitStylesheet.replacing(self.stylesheet)  # the study screen's rules first (ui/styles.py)
        self.add_draft = add_draft  # `pyflash add` alone: only the add form, then exit
        self.added: Added | None = None  # what the form saved
        self.environ: Mapping[str, str] = environ or {}  # the CLI's environment ($EDITOR, $VISUAL)
        if resume_gc:
            gc.freeze()  # modules and decks live until exit: no collection needs to scan them again
        self._resume_gc = resume_gc
        self.ws = workspace
        self.deck = deck
        self.new_limit = new
        self.review_limit = reviews
        self.cram = cram
        self._theme_name = theme or DEFAULT_THEME
        if not animations:
            self.animation_level = "none"
        self._on_ready = on_ready
        self.auto_sync = AutoSync(self, workspace, self.environ)  # sync.auto: on start and on quit

    # -- start -----------------------------------------------------------

    def get_default_screen(self) -> Screen[None]:
        return BaseScreen(id="_default")

    def on_mount(self) -> None:
        self.theme = self._theme_name
        if self.add_draft is not None:
            from pyflash.ui.add import AddCardScreen  # deferred: start-up time (not on the first card)

            self.push_screen(AddCardScreen(self.add_draft), self._added_alone)
            return
        ws = self.ws
        has_cards = any(f.keys for f in ws.result.files)  # keys only: no card is decoded here
        if not has_cards and not ws.result.errors:
            from pyflash.ui.no_decks import NoDecksScreen  # deferred: start-up time (not on the first card)

            self.push_screen(NoDecksScreen())
            return
        if not has_cards:
            self.show_picker()
            return
        self.start_session(self.deck, push=True)
        self.auto_sync.start()
        if ws.result.errors:
            files = len(ws.result.failed_paths)
            self.notify(
                f"{files} deck file{'s' if files != 1 else ''} with errors; "
                "their other cards still load. Press escape to see the errors in the deck picker.",
                title="Deck errors",
                severity="warning",
                timeout=8,
            )

    def quit_app(self) -> None:
        """Quit (escape/q in the picker): after a last sync when ``sync.auto`` is on."""
        self.auto_sync.quit()

    def sync_status(self) -> str | None:
        """The deck picker's sync line ("synced 5 min ago"); None when sync is not set up."""
        return self.auto_sync.status()

    def screen_ready(self) -> None:
        """Called by each screen once its content is painted (the first time counts)."""
        if self.stylesheet.has_rest:
            self.call_after_refresh(self.set_timer, REST_DELAY, self._load_rest_css)
        if self._resume_gc:
            self._resume_gc = False
            self.call_after_refresh(self._enable_gc)  # not gc.enable itself: Textual's signature check of a builtin compiles Python's tokenizer
        if self._on_ready is not None:
            hook, self._on_ready = self._on_ready, None
            self.call_after_refresh(hook, self)

    def _enable_gc(self) -> None:
        gc.enable()

    stylesheet: SplitStylesheet

    def _load_rest_css(self) -> None:
        """The rules of the other screens (ui/styles.py), parsed now rather than when one is first shown."""
        if self.stylesheet.has_rest:
            self.stylesheet.load_rest()
            self.stylesheet.parse()

    def push_screen(self, screen: Any, *args: Any, **kwargs: Any) -> Any:
        if not isinstance(screen, StudyScreen):
            self.stylesheet.load_rest()  # every screen but the first card's needs the rest of the stylesheet
        return super().push_screen(screen, *args, **kwargs)

    def switch_screen(self, screen: Any) -> Any:
        if not isinstance(screen, StudyScreen):
            self.stylesheet.load_rest()
        return super().switch_screen(screen)

    # -- navigation -------------------------------------------------------

    def new_session(
        self, deck: str | None, *, cram: bool | None = None, extra_new: int = 0, extra_reviews: int = 0
    ) -> StudySession:
        return self.ws.session(
            deck,
            new=self.new_limit,
            reviews=self.review_limit,
            cram=self.cram if cram is None else cram,
            extra_new=extra_new,
            extra_reviews=extra_reviews,
        )

    def start_session(
        self,
        deck: str | None,
        *,
        push: bool = False,
        cram: bool | None = None,
        extra_new: int = 0,
        extra_reviews: int = 0,
    ) -> None:
        """Open a study session on ``deck`` (None: all decks)."""
        session = self.new_session(deck, cram=cram, extra_new=extra_new, extra_reviews=extra_reviews)
        screen: Screen[None]
        if session.finished:
            from pyflash.ui.nothing_due import NothingDueScreen  # deferred: start-up time (not on the first card)

            screen = NothingDueScreen(session)
        else:
            screen = StudyScreen(session)
        if push:
            self.push_screen(screen)
        else:
            self.switch_screen(screen)

    def study(self, session: StudySession) -> None:
        """Show ``session``'s current card again (after an undo on the summary)."""
        self.switch_screen(StudyScreen(session))

    def show_summary(self, session: StudySession) -> None:
        """Replace the study screen with ``session``'s summary."""
        from pyflash.ui.summary import SummaryScreen  # deferred: start-up time (not on the first card)

        self.switch_screen(SummaryScreen(session))

    def show_picker(self) -> None:
        """Go back to the deck picker (it is created the first time)."""
        from pyflash.ui.picker import DeckPickerScreen  # deferred: start-up time (not on the first card)

        stack = self.screen_stack
        if len(stack) >= 2 and isinstance(stack[-2], DeckPickerScreen):
            self.pop_screen()
        elif isinstance(self.screen, DeckPickerScreen):
            self.screen.refresh_counts()
        elif len(stack) >= 2:
            self.switch_screen(DeckPickerScreen())
        else:
            self.push_screen(DeckPickerScreen())

    def open_browser(self, query: str = "", key: str | None = None) -> None:
        """Open the card browser on ``query``, with the cursor on the card ``key`` (``/``)."""
        from pyflash.ui.browser import BrowserScreen  # deferred: start-up time (not on the first card)

        self.push_screen(BrowserScreen(query, key))

    def study_cards(self, keys: list[str]) -> bool:
        """Study just these cards now, in place of the browser (and of the study screen under it)."""
        from pyflash.ui.browser import BrowserScreen  # deferred: start-up time (not on the first card)

        session = self.ws.session(keys=keys, cram=self.cram)
        if session.finished:
            return False
        stack = self.screen_stack
        if isinstance(self.screen, BrowserScreen) and len(stack) >= 3 and isinstance(stack[-2], StudyScreen):
            self.pop_screen()  # the session the browser was opened from ends here
        self.switch_screen(StudyScreen(session))
        return True

    def show_stats(self, deck: str | None) -> None:
        """Open the stats screen on ``deck`` (None: all decks) over the current screen."""
        from pyflash.ui.stats import StatsScreen  # deferred: start-up time (plotext; not on the first card)

        self.push_screen(StatsScreen(deck))

    def add_card(self, deck: str | None = None) -> None:
        """Open the add form (``n``), its deck set to ``deck``; after a save the decks are read again."""
        from pyflash.core import CardDraft  # deferred: start-up time (the add module's patterns; not on the first card)
        from pyflash.ui.add import AddCardScreen  # deferred: start-up time (not on the first card)

        self.push_screen(AddCardScreen(CardDraft(deck or "", "")), self._added)

    def _added_alone(self, added: Added | None) -> None:
        self.added = added
        self.exit()

    def _added(self, added: Added | None) -> None:
        """After the form: read the decks again, so the picker counts the card and new sessions have it."""
        if added is None:
            return
        try:
            self.ws.reload()
        except PyflashError as exc:
            self.notify(str(exc), title="Reload failed", severity="error", timeout=10)
            return
        screen = self.screen
        if isinstance(screen, StudyScreen):
            screen.session.replace_cards(None, files=self.ws.result.files)
        refresh = getattr(screen, "refresh_counts", None)  # the deck picker
        if callable(refresh):
            refresh()
        copied = " (a copy of the bundled deck)" if added.copied else ""
        self.notify(f"Added card '{added.card_id}' to {added.path}:{added.line}{copied}.", timeout=5)

    def action_help(self) -> None:
        from pyflash.ui.help import HelpScreen  # deferred: start-up time (not on the first card)

        if isinstance(self.screen, HelpScreen):
            self.pop_screen()
        else:
            self.push_screen(HelpScreen(self.help_sections()))

    def help_sections(self) -> list[HelpSection]:
        """What the help screen lists: each screen's keys, then the keys that work everywhere."""
        from pyflash.ui.add import AddCardScreen  # deferred: start-up time (not on the first card)
        from pyflash.ui.browser import BrowserScreen  # deferred: start-up time (not on the first card)
        from pyflash.ui.help import HelpSection  # deferred: start-up time (not on the first card)
        from pyflash.ui.no_decks import NoDecksScreen  # deferred: start-up time (not on the first card)
        from pyflash.ui.nothing_due import NothingDueScreen  # deferred: start-up time (not on the first card)
        from pyflash.ui.picker import DeckPickerScreen  # deferred: start-up time (not on the first card)
        from pyflash.ui.stats import StatsScreen  # deferred: start-up time (not on the first card)
        from pyflash.ui.summary import SummaryScreen  # deferred: start-up time (not on the first card)

        sections = [HelpSection(StudyScreen.HELP_TITLE, StudyScreen.BINDINGS, StudyScreen.HELP_EXTRA)]
        for cls in (DeckPickerScreen, BrowserScreen, StatsScreen, SummaryScreen, NothingDueScreen, NoDecksScreen, AddCardScreen):
            sections.append(HelpSection(cls.HELP_TITLE, cls.BINDINGS))
        everywhere = [("ctrl+p", "command palette: every action by name"), ("ctrl+q", "quit at once")]
        sections.append(HelpSection("Everywhere", type(self).BINDINGS, everywhere))
        return sections


def make_app(workspace: Workspace, **options: Any) -> PyflashApp:
    """The study app over an open workspace: the one factory for the CLI and the tests.

    ``options`` are :class:`PyflashApp`'s keywords: ``deck``, ``new``,
    ``reviews`` and ``cram`` are ``pyflash study``'s options; ``theme`` pins a
    Textual theme and ``animations=False`` turns animations off (both for
    snapshots); ``environ`` is the environment the CLI was started with (the
    app reads ``$VISUAL``/``$EDITOR`` from it, never ``os.environ``); ``on_ready(app)`` is called once the first screen (normally the
    first card) has been painted (for bench/startup.py).

    ``resume_gc=True`` is for a caller that turned the garbage collector off
    while it started (``pyflash study``): the objects built so far are frozen
    (never scanned again) and collection resumes once the first screen is painted.
    """
    return PyflashApp(workspace, **options)


if TYPE_CHECKING:  # mypy only: no import at run time

    def _app_is_a_host(app: PyflashApp) -> Host:
        return app  # mypy checks here that the app has every method the screens call through Host
