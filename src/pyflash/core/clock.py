"""The clock and the study day.

The study day rolls over at a configurable local hour (04:00 by default, as
in Anki). Days are date ordinals, so ``due_day = day + interval``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    return datetime.now().astimezone()


def local_day(now: datetime, rollover_hour: int = 4) -> int:
    """The study day of ``now`` (local time), as a date ordinal."""
    if now.tzinfo is not None:
        now = now.astimezone()
    return (now - timedelta(hours=rollover_hour)).date().toordinal()
