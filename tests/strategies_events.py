"""Random multi-device review logs for the event tests (test_fastfold.py, test_events_fast.py, test_events.py).

An action is ``(device, card, kind, grade, minutes since the previous action)``; :func:`play` does a
list of them on one store per device, as sessions and syncs would.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st

from pyflash.core.errors import StoreError
from pyflash.core.review.records import CardState, utc_now_iso
from pyflash.core.review.store import Store
from pyflash.core.scheduling.schedule import SM2

T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)

Action = tuple[int, str, str, int, int]


def day(when: datetime) -> int:
    return (when - datetime(2026, 1, 1, tzinfo=UTC)).days


def store_settings(max_examples: int) -> settings:
    """A property test that plays actions on stores in ``tmp_path_factory`` folders: no deadline, no
    shrinking (explicit, reused and generated examples only), slow examples allowed."""
    return settings(max_examples=max_examples, deadline=None, phases=[Phase.explicit, Phase.reuse, Phase.generate],
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


def action(cards: Sequence[str], kinds: Sequence[str], max_minutes: int) -> st.SearchStrategy[Action]:
    """One action of three devices on ``cards``; ``kinds`` repeated are drawn more often."""
    return st.tuples(
        st.integers(0, 2),  # device
        st.sampled_from(cards),  # card
        st.sampled_from(kinds),
        st.integers(0, 5),  # grade (below 3: a lapse of a passed card)
        st.integers(1, max_minutes),  # minutes since the previous action
    )


def play(stores: list[Store], actions: list[Action]) -> None:
    """Do ``actions`` (one store per device), from :data:`T0` on: a grade (SM-2), an undo of the device's last grade,
    suspend, unsuspend, bury, unbury, forget, relink, rekey (c1 and c2 swapped), reschedule (unlogged) and sync (this
    device ingests the others' outboxes)."""
    when = T0
    last: list[int | None] = [None] * len(stores)
    for device, card, what, g, minutes in actions:
        when += timedelta(minutes=minutes)
        s, ts, today = stores[device], utc_now_iso(when), day(when)
        who = (card, "D", f"text of {card}")
        if what == "grade":
            row = s.get(card)
            result = SM2.review(row or CardState(*who), g, day=today, now=when)
            last[device] = s.record(row, result.after, grade=g, kind=result.kind, ts=ts, day=today, answer_ms=900)
        elif what == "undo" and last[device] is not None:
            with contextlib.suppress(StoreError):
                s.undo(last[device], ts=ts, day=today)
            last[device] = None
        elif what in ("suspend", "unsuspend", "bury", "unbury"):
            changes = {"suspend": {"suspended": True}, "unsuspend": {"suspended": False},
                       "bury": {"buried_until": today + 1}, "unbury": {"buried_until": None}}[what]
            s.change([who], kind=what, ts=ts, day=today, **changes)
        elif what == "forget" and s.get(card) is not None:
            s.change([who], kind="forget", ts=ts, day=today)
        elif what == "relink":
            s.relink(card, card + "x", f"edited {card}", 0.8, ts)
        elif what == "rekey":
            s.rekey({"c1": "c2", "c2": "c1"}, {"c1": "one", "c2": "two"}, ts)
        elif what == "reschedule" and (row := s.get(card)) is not None:  # unlogged (a switch of scheduler)
            s.reschedule([replace(row, interval=row.interval + 5, due_day=(row.due_day or 0) + 5)])
        elif what == "sync":
            for other in stores:
                if other is not s:
                    s.ingest(other.outbox())
