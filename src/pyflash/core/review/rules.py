"""How a conflicting grade from another device is re-graded on ingest (docs/sync.md): :class:`Rules`.

Its own module, so that the store can hold its rules without importing the
event log's replay (:mod:`pyflash.core.events.replay`, which re-exports it):
start-up time.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, NamedTuple

from pyflash.core.review.schema import DEFAULT_LEECH_THRESHOLD

if TYPE_CHECKING:
    from pyflash.core.scheduling.scheduler import Scheduler

__all__ = ["Rules"]


def _tag(deck: str) -> str:
    return "tag"


class Rules(NamedTuple):
    """What a conflicting grade is graded with: the scheduler and the leech settings of the config.

    A NamedTuple rather than a frozen dataclass: every store holds one (start-up time).
    """

    scheduler: Scheduler | None = None  # None: SM-2
    leech_threshold: int = DEFAULT_LEECH_THRESHOLD
    leech_action: Callable[[str], str] = _tag  # deck -> "tag" or "suspend" (Config.leech_action_for)

    def grader(self) -> Scheduler:
        if self.scheduler is not None:
            return self.scheduler
        from pyflash.core.scheduling.schedule import SM2  # deferred: import cycle (schedule imports the store)

        return SM2
