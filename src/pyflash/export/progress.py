"""A progress bar for long exports and imports: rich, on stderr, shown only after a second.

A quick command prints nothing extra; one that is still working after
``delay`` seconds shows a transient bar (stage, bar, done/total, time) on
stderr, and only when stderr is a terminal, so pipes and logs stay clean.
Call it as ``progress(stage, done, total)``; a new stage gets its own label.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID

__all__ = ["LABELS", "LateProgress"]

LABELS = {
    "render": "Rendering cards",
    "write": "Writing package",
    "convert": "Converting notes",
    "history": "Importing history",
}


class LateProgress:
    """``progress(stage, done, total)``: a rich bar on stderr once the work has taken ``delay`` seconds."""

    def __init__(
        self, *, delay: float = 1.0, enabled: bool | None = None, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.enabled = _stderr_is_terminal() if enabled is None else enabled
        self.delay = delay
        self.clock = clock
        self.started = clock()
        self.bar: Progress | None = None
        self.task: TaskID | None = None
        self.stage: str | None = None
        self.shown = False  # the bar appeared at least once

    def __enter__(self) -> LateProgress:
        self.started = self.clock()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.stop()
            self.bar = None

    def _start(self) -> Progress:
        from rich.console import Console  # deferred: start-up time (only for a long run on a terminal)
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        bar = Progress(
            TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
            console=Console(stderr=True), transient=True,
        )
        bar.start()
        self.shown = True
        return bar

    def __call__(self, stage: str, done: int, total: int) -> None:
        if not self.enabled:
            return
        if self.bar is None:
            if self.clock() - self.started < self.delay:
                return
            self.bar = self._start()
        label = LABELS.get(stage, stage)
        if self.task is None or stage != self.stage:
            if self.task is not None:
                self.bar.update(self.task, visible=False)
            self.task = self.bar.add_task(label, total=total)
            self.stage = stage
        self.bar.update(self.task, completed=done, total=total)


def _stderr_is_terminal() -> bool:
    stream: Any = sys.stderr
    return stream is not None and not getattr(stream, "closed", False) and bool(stream.isatty())
