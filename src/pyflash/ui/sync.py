"""``sync.auto``: sync when the app starts and when it quits, in a thread worker (docs/sync.md).

The UI holds no sync logic: the worker calls :func:`pyflash.sync.home.sync_home`
(which opens its own connection to the store) and this module only shows
what it says. Git never asks a question here (no prompt, ``BatchMode`` ssh)
and each network command has a timeout, so an offline machine studies as
usual: the reviews wait in the store for the next sync.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual.app import App

from pyflash.core import PyflashError, Workspace
from pyflash.core.text import plural

if TYPE_CHECKING:
    from pyflash.sync.run import SyncResult

START_TIMEOUT = 20.0  # seconds per network command of the sync on start
QUIT_TIMEOUT = 10.0  # ... and of the sync on quit (ctrl+q quits at once)


class AutoSync:
    """The app's background syncs: at most one at a time; ``step`` is what it is doing (None: idle)."""

    def __init__(self, app: App[Any], ws: Workspace, environ: Any) -> None:
        self.app = app
        self.ws = ws
        self.environ = environ
        self.step: str | None = None
        self.quitting = False
        self._then_quit = False

    @property
    def enabled(self) -> bool:
        config = self.ws.config.sync
        return config.auto and bool(config.remote) and self.ws.locations is not None and not self.ws.read_only

    def status(self) -> str | None:
        """The picker's line: the running step, else when the last sync was (None: sync is not set up)."""
        if self.step is not None:
            return f"{'syncing before quitting' if self.quitting else 'syncing'}: {self.step}…"
        if self.ws.locations is None:
            return None
        from pyflash.sync.status import status_line  # deferred: start-up time (not on the first card)

        return status_line(self.ws.locations, self.ws.config, self.ws.clock())

    def start(self) -> None:
        """Sync now, in the background (on start)."""
        if self.enabled and self.step is None:
            self._run(START_TIMEOUT)

    def quit(self) -> None:
        """Quit, after a last sync when ``sync.auto`` is on; asked again while it runs, quit at once."""
        if not self.enabled or self.quitting:
            self.app.exit()
            return
        self.quitting = True
        if self.step is None:
            self._run(QUIT_TIMEOUT)
        else:
            self._then_quit = True  # the sync on start is still running: one more after it
        self._shown()
        self.app.notify("Syncing before quitting… (press q again or ctrl+q to quit now)", timeout=QUIT_TIMEOUT)

    def _run(self, timeout: float) -> None:
        self.step = "starting"
        self._shown()
        self.app.run_worker(lambda: self._work(timeout), thread=True, group="sync", exit_on_error=False)

    def _work(self, timeout: float) -> None:
        from datetime import UTC, datetime  # deferred: start-up time

        from pyflash.sync.home import sync_home  # deferred: start-up time (git and sync only when syncing)

        def progress(step: str) -> None:
            self.app.call_from_thread(self._progress, step)

        assert self.ws.locations is not None
        try:
            result = sync_home(
                self.ws.locations, self.ws.config, env=self.environ, now=lambda: datetime.now(UTC),
                interactive=False, timeout=timeout, progress=progress,
            )
        except (PyflashError, OSError) as exc:
            self.app.call_from_thread(self._done, None, str(exc))
            return
        except Exception as exc:  # a thread's last stop: said on screen, and study (or quitting) goes on
            self.app.call_from_thread(self._done, None, f"sync stopped: {type(exc).__name__}: {exc}")
            return
        self.app.call_from_thread(self._done, result, result.error)

    def _progress(self, step: str) -> None:
        self.step = step
        self._shown()

    def _done(self, result: SyncResult | None, error: str | None) -> None:
        self.step = None
        if self.quitting:
            if self._then_quit:
                self._then_quit = False
                self._run(QUIT_TIMEOUT)
                return
            self.app.exit()
            return
        if error is not None:
            self.app.notify(f"{error}\nStudy goes on; your reviews go with the next sync.", title="Sync failed", severity="warning", timeout=8)
        elif result is not None and result.received:
            self.app.notify(
                f"{plural(result.received, 'review event')} from other devices; {plural(result.cards, 'card')} updated.",
                title="Synced", timeout=5,
            )
        if result is not None and result.problems:
            self.app.notify(f"{result.problems[0]}\n(pyflash sync lists every skipped line)", title="Sync: a line was skipped", severity="warning", timeout=10)
        self._shown()
        refresh = getattr(self.app.screen, "refresh_counts", None)  # the deck picker: counts may have changed
        if callable(refresh) and result is not None and result.received:
            refresh()

    def _shown(self) -> None:
        show = getattr(self.app.screen, "show_sync", None)  # the deck picker's title line
        if callable(show):
            show()
