"""The study day and due dates in far-apart zones, injected (never the machine's TZ).

Each zone is passed as a ``ZoneInfo``: the results must not depend on where
the tests run. The four zones span UTC-10 to UTC+14, and St John's has a
half-hour offset and DST.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from conftest import FakeClock, open_workspace, write_deck
from pyflash.core.clock import MachineZone, day_to_date, local_day
from pyflash.core.config import Config

ZONES = ["UTC", "Pacific/Honolulu", "Pacific/Kiritimati", "America/St_Johns"]


def at(zone: str, *wall: int, fold: int = 0) -> datetime:
    """The instant when the wall clock in ``zone`` reads ``wall``, as UTC."""
    return datetime(*wall, tzinfo=ZoneInfo(zone), fold=fold).astimezone(UTC)


def d(day: int) -> date:
    return day_to_date(day)


@pytest.mark.parametrize("zone", ZONES)
@pytest.mark.parametrize("start", [4, 0, 23])
def test_minutes_around_the_day_start(zone, start):
    z = ZoneInfo(zone)
    boundary = at(zone, 2026, 3, 10, start, 0)
    cases = {
        -61: date(2026, 3, 9),
        -1: date(2026, 3, 9),
        0: date(2026, 3, 10),
        1: date(2026, 3, 10),
        59: date(2026, 3, 10),
    }
    for minutes, expected in cases.items():
        now = boundary + timedelta(minutes=minutes)
        assert d(local_day(now, z, start)) == expected, (zone, start, minutes)
    # The seconds just before the boundary still belong to the day before.
    assert d(local_day(boundary - timedelta(microseconds=1), z, start)) == date(2026, 3, 9)


@pytest.mark.parametrize("zone", ZONES)
def test_same_instant_different_days(zone):
    """One UTC instant is a different study day for users in different zones."""
    now = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)  # noon UTC
    expected = {
        "UTC": date(2026, 3, 10),  # 12:00 on the 10th
        "Pacific/Honolulu": date(2026, 3, 9),  # 02:00 on the 10th, before 04:00
        "Pacific/Kiritimati": date(2026, 3, 10),  # 02:00 on the 11th, before 04:00
        "America/St_Johns": date(2026, 3, 10),  # 09:30 on the 10th (NDT, UTC-2:30, since the 8th)
    }
    assert d(local_day(now, ZoneInfo(zone))) == expected[zone]


@pytest.mark.parametrize(
    ("zone", "night", "length"),
    [
        ("America/St_Johns", date(2026, 3, 8), 23),  # spring forward 02:00 -> 03:00
        ("America/St_Johns", date(2026, 11, 1), 25),  # fall back 02:00 -> 01:00
        ("Europe/Berlin", date(2026, 3, 29), 23),  # 02:00 -> 03:00
        ("Europe/Berlin", date(2026, 10, 25), 25),  # 03:00 -> 02:00
    ],
)
def test_a_dst_night_makes_a_short_or_long_study_day(zone, night, length):
    z = ZoneInfo(zone)
    before = night - timedelta(days=1)
    start = at(zone, before.year, before.month, before.day, 4, 0)
    end = at(zone, night.year, night.month, night.day, 4, 0)
    assert end - start == timedelta(hours=length)
    # Every instant of that span is the same study day; the next minute is the next.
    t = start
    while t < end:
        assert d(local_day(t, z)) == before, (zone, t)
        t += timedelta(minutes=15)
    assert d(local_day(end - timedelta(seconds=1), z)) == before
    assert d(local_day(end, z)) == night


def test_the_repeated_hour_of_fall_back_is_the_same_day():
    z = ZoneInfo("America/St_Johns")
    first = at("America/St_Johns", 2026, 11, 1, 1, 30)  # NDT
    second = at("America/St_Johns", 2026, 11, 1, 1, 30, fold=1)  # NST, an hour later
    assert second - first == timedelta(hours=1)
    assert local_day(first, z) == local_day(second, z)
    assert d(local_day(second, z)) == date(2026, 10, 31)


def deck(tmp_path, n=2):
    text = "deck: D\ncards:\n" + "".join(f"  - q: q{i}\n    a: a{i}\n" for i in range(n))
    return write_deck(tmp_path / "decks", "d.yaml", text)


@pytest.mark.parametrize("zone", ZONES)
def test_due_dates_follow_the_users_zone(tmp_path, zone):
    """A card graded at 03:59 local belongs to the day before; the next day it is due at 04:00."""
    z = ZoneInfo(zone)
    clock = FakeClock(at(zone, 2026, 3, 10, 3, 59), zone=z)
    path = deck(tmp_path)
    with open_workspace([path], clock=clock, zone=z) as ws:
        assert d(ws.today) == date(2026, 3, 9)
        s = ws.session()
        s.reveal()
        outcome = s.grade(5)  # first review: interval 1
        assert d(outcome.due_day) == date(2026, 3, 10)
    clock.now = at(zone, 2026, 3, 10, 3, 59, 59)  # a minute later, same study day
    with open_workspace([path], clock=clock, zone=z) as ws:
        assert outcome.card.key not in {i.card.key for i in ws.session().queue}
    clock.now = at(zone, 2026, 3, 10, 4, 0)
    with open_workspace([path], clock=clock, zone=z) as ws:
        assert d(ws.today) == date(2026, 3, 10)
        assert [i.card.key for i in ws.session().queue if i.kind == "review"] == [outcome.card.key]


@pytest.mark.parametrize("zone", ZONES)
def test_day_starts_at_from_the_config(tmp_path, zone):
    z = ZoneInfo(zone)
    clock = FakeClock(at(zone, 2026, 3, 10, 5, 30), zone=z)
    with open_workspace([deck(tmp_path)], clock=clock, zone=z, config=Config(day_starts_at=6)) as ws:
        assert d(ws.today) == date(2026, 3, 9)
        assert d(ws.session().today) == date(2026, 3, 9)
    clock.now = at(zone, 2026, 3, 10, 6, 0)
    with open_workspace([deck(tmp_path)], clock=clock, zone=z, config=Config(day_starts_at=6)) as ws:
        assert d(ws.today) == date(2026, 3, 10)


def test_the_zone_comes_from_the_config_when_none_is_injected(tmp_path):
    clock = FakeClock(datetime(2026, 3, 10, 12, 0, tzinfo=UTC))
    with open_workspace([deck(tmp_path)], clock=clock, config=Config(timezone="Pacific/Kiritimati")) as ws:
        assert ws.zone == ZoneInfo("Pacific/Kiritimati")
        assert d(ws.today) == date(2026, 3, 10)  # 02:00 on the 11th there: still the 10th
    with open_workspace([deck(tmp_path)], clock=clock, config=Config(timezone="Pacific/Honolulu")) as ws:
        assert d(ws.today) == date(2026, 3, 9)  # 02:00 on the 10th
    # An injected zone wins over the config.
    with open_workspace([deck(tmp_path)], clock=clock, zone=UTC, config=Config(timezone="Pacific/Honolulu")) as ws:
        assert d(ws.today) == date(2026, 3, 10)


def test_without_a_zone_the_machines_zone_is_used(tmp_path):
    with open_workspace([deck(tmp_path)], clock=FakeClock()) as ws:
        assert isinstance(ws.zone, MachineZone)


@pytest.mark.parametrize("zone", [*ZONES, "Europe/Berlin", "Australia/Lord_Howe"])
def test_machine_zone_matches_zoneinfo_when_tz_is_set(zone):
    """MachineZone asks the C library; in a child with TZ set, it agrees with ZoneInfo all year."""
    import os
    import subprocess
    import sys

    code = (
        "from datetime import UTC, datetime, timedelta\n"
        "from zoneinfo import ZoneInfo\n"
        "from pyflash.core.clock import MachineZone\n"
        f"m, z = MachineZone(), ZoneInfo({zone!r})\n"
        "t, bad = datetime(2026, 1, 1, tzinfo=UTC), 0\n"
        "while t.year == 2026:\n"
        "    a, b = t.astimezone(m), t.astimezone(z)\n"
        "    bad += (a.replace(tzinfo=None), a.fold, a.utcoffset()) != (b.replace(tzinfo=None), b.fold, b.utcoffset())\n"
        "    t += timedelta(minutes=30)\n"
        "print(bad)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], env={**os.environ, "TZ": zone}, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "0"
