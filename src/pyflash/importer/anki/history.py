"""``--with-history``: each Anki card's review log and schedule as pyflash review events.

* Anki's buttons map to grades: again -> 1, hard -> 3, good -> 4, easy -> 5.
  Rows without a button (manual reschedules, "set due date") are not grades
  and are left out of the log; their effect is in the card's schedule.
* The first answer of a study day is a ``review`` row, later answers the same
  day (learning steps, relearning) ``repeat`` rows, as in pyflash. Each row
  carries Anki's state after that answer: an answer that scheduled the card
  in days sets that interval; a learning step (minutes) leaves interval 0 and
  the card due the same day. Easiness is Anki's ease factor / 1000; again
  resets the repetition count, a pass that schedules in days adds one.
* The card's state now is Anki's: its interval, its ease factor and its due
  date (as many days from today as in Anki), so tomorrow's due cards are the
  same in both (± 1 day where the day boundaries differ). A suspended card
  stays suspended and a buried one is buried until tomorrow (each logged as
  its own row, so ``u`` can take it back).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, tzinfo
from pathlib import Path

from pyflash.core.clock import Clock, local_day
from pyflash.core.decks.model import identity_text
from pyflash.core.review.backup import daily_backup
from pyflash.core.review.imported import ImportedHistory, ImportedReview
from pyflash.core.review.leech import is_lapse
from pyflash.core.review.records import CardState, utc_now_iso
from pyflash.core.review.schema import DEFAULT_LEECH_THRESHOLD
from pyflash.core.review.store import Store
from pyflash.core.scheduling.easiness import MIN_EASINESS_CENTS, Easiness
from pyflash.core.scheduling.states import ReviewKind
from pyflash.importer.anki.convert import Conversion, ImportedCard
from pyflash.importer.anki.reader import AnkiCard, AnkiPackage

__all__ = ["GRADES", "card_history", "histories", "history_step"]

GRADES = {1: 1, 2: 3, 3: 4, 4: 5}  # Anki's ease button -> pyflash grade


def _easiness(factor: int, default: Easiness) -> Easiness:
    if factor <= 0:
        return default
    return Easiness.from_cents(max(MIN_EASINESS_CENTS, round(factor / 10)))


def _when(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, UTC)


def card_history(
    card: ImportedCard, anki: AnkiCard, *, today: int, zone: tzinfo, day_starts_at: int,
    leech_threshold: int = DEFAULT_LEECH_THRESHOLD,
) -> ImportedHistory | None:
    """The card's imported history, or None for a new card Anki never showed (nothing to import).

    The leech rule of docs/scheduling.md applies to the imported grades: the grade that brings the
    card's lapses to ``leech_threshold`` marks it a leech (from that row on). It is only marked, never
    suspended after the fact (Anki's own suspension, if any, carries over as it is).
    """
    q = str(card.fields.get("q") or "")
    code = card.fields.get("code")
    state = CardState(key=card.key, deck=card.deck, text=identity_text(q, str(code) if code else None))
    events: list[ImportedReview] = []
    last_day: int | None = None
    lapses = 0
    for entry in anki.revlog:
        grade = GRADES.get(entry.ease)
        if grade is None:
            continue
        when = _when(entry.id_ms)
        day = local_day(when, zone, day_starts_at)
        kind = ReviewKind.REPEAT if day == last_day else ReviewKind.REVIEW
        last_day = day
        days = entry.ivl if entry.ivl > 0 else 0
        after = replace(
            state,
            easiness=_easiness(entry.factor, state.easiness),
            interval=days,
            repetitions=0 if grade < 3 else state.repetitions + (1 if days else 0),
            due_day=day + days,
            last_review=utc_now_iso(when),
            last_day=day,
            last_grade=grade,
            first_day=state.first_day if state.first_day is not None else day,
        )
        if not state.is_new and is_lapse(state, grade, kind):
            lapses += 1
            if lapses >= leech_threshold and not after.leech:
                after = replace(after, leech=True)  # (later states keep the mark: they are made from this one)
        events.append(ImportedReview(utc_now_iso(when), day, grade, kind, None if state.is_new else state, after,
                                     entry.time_ms or None))
        state = after
    if anki.type == 0 and not events and not (anki.suspended or anki.buried):
        return None
    # The schedule now, as Anki has it.
    if anki.type == 0:  # new (never studied, or reset to new in Anki)
        now = replace(state, interval=0, repetitions=0, due_day=None)
    else:
        now = replace(
            state,
            easiness=_easiness(anki.factor, state.easiness),
            interval=anki.ivl if anki.type in (2, 3) and anki.ivl > 0 else 0,
            due_day=today + (anki.due_in or 0),
        )
    if events:
        events[-1] = replace(events[-1], after=now)
    stamp_ms = (anki.revlog[-1].id_ms if anki.revlog else anki.id) + 1
    for flag, kind in ((anki.suspended, ReviewKind.SUSPEND), (anki.buried, ReviewKind.BURY)):
        if flag:
            when = _when(stamp_ms)
            flagged = replace(now, suspended=True) if kind is ReviewKind.SUSPEND else replace(now, buried_until=today + 1)
            events.append(ImportedReview(utc_now_iso(when), local_day(when, zone, day_starts_at), None, kind,
                                         now, flagged))
            now, stamp_ms = flagged, stamp_ms + 1
    return ImportedHistory(card.key, card.deck, state.text, tuple(events), now)


def histories(
    conversion: Conversion, *, today: int, zone: tzinfo, day_starts_at: int,
    leech_threshold: int = DEFAULT_LEECH_THRESHOLD,
) -> list[ImportedHistory]:
    out = []
    for card in conversion.cards:
        if card.anki is None:
            continue
        history = card_history(
            card, card.anki, today=today, zone=zone, day_starts_at=day_starts_at, leech_threshold=leech_threshold
        )
        if history is not None:
            out.append(history)
    return out


def history_step(
    store_path: Path, *, clock: Clock, zone: tzinfo, day_starts_at: int, backups_keep: int,
    leech_threshold: int = DEFAULT_LEECH_THRESHOLD,
) -> Callable[[AnkiPackage, Conversion], list[str]]:
    """The ``--with-history`` step of :func:`~pyflash.importer.anki.command.import_anki`."""

    def step(package: AnkiPackage, conversion: Conversion) -> list[str]:
        today = local_day(clock(), zone, day_starts_at)
        found = histories(conversion, today=today, zone=zone, day_starts_at=day_starts_at,
                          leech_threshold=leech_threshold)
        with Store(store_path, leech_threshold=leech_threshold) as store:
            daily_backup(store, day=today, keep=backups_keep)
            counts = store.add_history(found)
        lines = [
            f"history: {counts.reviews} review(s) logged, the schedule of {counts.cards} card(s) set, in {store_path}"
        ]
        if counts.repeated:
            lines.append(f"history: {counts.repeated} review(s) were already in the log (imported before); not repeated")
        leeches = sum(1 for h in found if h.state.leech)
        if leeches:
            lines.append(f"history: {leeches} card(s) lapsed {leech_threshold} times or more: marked as leeches "
                         "(is:leech; not suspended)")
        if counts.kept:
            lines.append(f"history: {counts.kept} card(s) were studied in pyflash since; their pyflash schedule was kept")
        return lines

    return step
