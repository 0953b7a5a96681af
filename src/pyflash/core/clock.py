"""The clock, the time zone, and the study day.

The study day rolls over at a configurable local hour (04:00 by default, as
in Anki): a review at 01:30 on Tuesday still belongs to Monday. Days are
proleptic date ordinals (``date.toordinal()``), so ``due_day = day + interval``.

The day of an instant depends on two things, and both are injected: the
*clock* (a callable returning an aware ``datetime``) and the user's *zone*
(a ``tzinfo``, normally a ``zoneinfo.ZoneInfo`` from the config). Only the
two default factories here, :func:`system_clock` and :func:`system_zone`,
look at the machine; tests pass a fake clock and a fixed zone.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, tzinfo
from datetime import time as wall_time

Clock = Callable[[], datetime]

DEFAULT_DAY_START = 4  # o'clock, local wall time


def system_clock() -> datetime:
    """Now, as an aware datetime in UTC (the default clock)."""
    return datetime.now(UTC)


class MachineZone(tzinfo):
    """The machine's own zone, daylight saving time included.

    It asks the C library (``time.localtime``), which follows ``TZ`` or
    ``/etc/localtime``, so it works where the zone has no IANA name. Only
    :meth:`fromutc` (what ``astimezone`` calls) matters for study days.
    """

    def fromutc(self, dt: datetime) -> datetime:
        stamp = dt.replace(tzinfo=UTC).timestamp()
        offset = timedelta(seconds=time.localtime(stamp).tm_gmtoff)
        wall = dt + offset
        if self._offset_of(wall.replace(tzinfo=None)) != offset:
            wall = wall.replace(fold=1)  # the second of two equal wall times (DST ended)
        return wall

    def utcoffset(self, dt: datetime | None) -> timedelta:
        if dt is None:
            return timedelta(seconds=time.localtime().tm_gmtoff)
        return self._offset_of(dt.replace(tzinfo=None), dt.fold)

    def dst(self, dt: datetime | None) -> timedelta | None:
        return None  # unknown: the C library gives the total offset only

    def tzname(self, dt: datetime | None) -> str:
        stamp = time.time() if dt is None else self._stamp(dt.replace(tzinfo=None), dt.fold)
        return time.strftime("%Z", time.localtime(stamp))

    @staticmethod
    def _stamp(naive: datetime, fold: int = 0) -> float:
        """The POSIX time of a wall time; ``fold`` picks the later of two."""
        as_utc = naive.replace(tzinfo=UTC).timestamp()
        offsets = {time.localtime(as_utc + hours * 3600).tm_gmtoff for hours in (-30, 30)}
        hits = sorted(
            stamp
            for stamp in (as_utc - offset for offset in offsets)
            if datetime.fromtimestamp(stamp).replace(microsecond=naive.microsecond) == naive
        )
        if not hits:  # a wall time skipped when the clock went forward
            fields = (naive.year, naive.month, naive.day, naive.hour, naive.minute, naive.second, 0, 0, -1)
            return time.mktime(fields) + naive.microsecond / 1e6
        return hits[-1] if fold else hits[0]

    def _offset_of(self, naive: datetime, fold: int = 0) -> timedelta:
        return timedelta(seconds=time.localtime(self._stamp(naive, fold)).tm_gmtoff)

    def __repr__(self) -> str:
        return "MachineZone()"


def system_zone() -> tzinfo:
    """The machine's zone (the default when the config names none)."""
    return MachineZone()


def local_day(now: datetime, zone: tzinfo, day_starts_at: int = DEFAULT_DAY_START) -> int:
    """The study day (a date ordinal) of the instant ``now`` for a user in ``zone``.

    The day starts when the wall clock in ``zone`` reads ``day_starts_at``
    o'clock; a night with a DST change is simply shorter or longer.
    """
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError(f"the clock must give an aware datetime, not {now!r}")
    local = now.astimezone(zone)
    day = local.date()
    if local.time() < wall_time(day_starts_at):
        day -= timedelta(days=1)
    return day.toordinal()


def day_to_date(day: int) -> date:
    """The calendar date of study day ``day``."""
    return date.fromordinal(day)
