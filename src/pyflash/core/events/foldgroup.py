"""The replay of a whole stored log with each card's rows first summed up by SQLite (``GROUP BY key``), for
logs of first grades made on several devices without syncing (the bench's 1M-event log: docs/benchmarks.md).

Such a card's log is: every event a grade of the same study day, recorded from the new card's state
(the same ``before`` text each time, with no ``last_review``) and recorded without the card's text (a
sync without ``sync.include_decks``). The fold of it is known without reading its rows one by one:

* its first event (no state so far, a ``before``: a conflict) is SM-2's first review of the new card,
  on its day and time (:func:`~pyflash.core.events.fastfold.sm2_step`);
* every later event is a conflict too (its ``before`` has no ``last_review``, the state has one) unless
  the event before it came from the same device and recorded the state as it is now (continuity:
  ruled out per such pair, from that event's ``after``, as the fast fold rules it out), so it is a
  same-day repeat: the new ``last_grade`` and ``last_review``, the deck of its ``after``, the text kept
  (the ``after`` has none, the state has none);
* no leech can be marked (no review after the first is not a repeat).

So the card's state is SM-2's first review with the first grade, then the last grade and time, with
the last event's deck. SQLite checks each row's part of these conditions in the one grouped query
(kind, grade, day, the equal ``before`` texts, an ``after`` ending with an empty text) and hands over
each card's times, devices, grades and row ids as lists; Python checks the rest per card (the
``before`` text, each time valid and later than the one before, the same-device pairs) and reads only
the last event's ``after`` and the ``after`` of a same-device pair's first event. A card that fails any
check (and a card with an undone event: an undo row already fails the kind) is folded by
:func:`~pyflash.core.events.fastfold.fold_part` from its own rows, so the result is the fast fold's
whatever the log holds (tests/test_foldgroup.py compares it with the plain fold).
"""

from __future__ import annotations

import operator
import sqlite3
from collections.abc import Iterable
from typing import Any

from pyflash.core.events.fastfold import (
    LAST_GRADE,
    LEECH,
    Values,
    _Fold,
    _identity,
    fold_part,
    sm2_step,
)
from pyflash.core.events.replay import Rules, complete_state
from pyflash.core.review.event_log import key_chunks

__all__ = ["SAMPLE", "fold_grouped", "worth_grouping"]

SAMPLE = 1000  # rows looked at to decide whether the log is one of those (worth_grouping)
_SEP = "\x1f"
_LESS, _EQUAL = operator.lt, operator.eq
_TEXTLESS_END = ', "text": ""}'
_ROW_OK = (  # a grade of an INTEGER column IN (0..5) is an int 0..5 (a REAL 3.0 is stored as the integer 3)
    "kind IN ('review', 'repeat') AND grade IN (0, 1, 2, 3, 4, 5)"
    " AND typeof(ts) = 'text' AND length(ts) = 29 AND substr(CAST(after AS BLOB), -13) = CAST(', \"text\": \"\"}' AS BLOB)"
)
_GROUP = f"""
    SELECT key, count(*), min(day), min(day) = max(day), min(before), min(before) = max(before) AND count(before) = count(*),
           sum({_ROW_OK}) = count(*), group_concat(id, char(31)), group_concat(grade || ts || device, char(31))
    FROM reviews WHERE {{where}} GROUP BY key
"""


def worth_grouping(db: sqlite3.Connection, top: int) -> bool:
    """Whether the log looks like one of those (most of :data:`SAMPLE` rows, spread over its ids, are first
    grades recorded without text): only then does the grouped query pay; any log is folded exactly."""
    if top <= 0:
        return False
    step = max(1, top // SAMPLE)
    ids = list(range(1, top + 1, step))[:SAMPLE]
    good = seen = 0
    for marks, chunk in _chunks(ids):
        for kind, before, after in db.execute(f"SELECT kind, before, after FROM reviews WHERE id IN ({marks})", chunk):
            seen += 1
            good += (kind in ("review", "repeat") and type(before) is str and type(after) is str
                     and after.endswith(_TEXTLESS_END) and '"last_review": "' not in before)
    return seen > 0 and good * 10 >= seen * 9


def _chunks(ids: list[int]) -> Iterable[tuple[str, list[int]]]:
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        yield ",".join("?" * len(chunk)), chunk


def _undone_keys(db: sqlite3.Connection, undone: set[str]) -> set[str]:
    keys: set[str] = set()
    for ident in undone:
        device, _, seq = ident.rpartition("-")
        if seq.isdigit():
            keys.update(k for (k,) in db.execute("SELECT key FROM reviews WHERE device = ? AND seq = ?", (device, int(seq))))
    return keys


class _Card:
    """What the fold of one card needs beyond its group row: the ``after`` texts to read, by row id."""

    __slots__ = ("day", "first", "ids", "key", "last", "pairs", "times")

    def __init__(self, key: str, day: int, ids: list[str], times: list[str], first: int, last: int, pairs: list[int]) -> None:
        self.key, self.day, self.ids, self.times, self.first, self.last, self.pairs = key, day, ids, times, first, last, pairs


def _card(fold: _Fold, row: tuple[Any, ...]) -> _Card | None:
    """The card of a group row if SQL's and the ``before``'s conditions hold and its times are valid and in
    order (None: fold it from its rows). Its events are listed as grade (one digit: SQL checked it), time and
    device; in the list's order (the table's), which is the fold's if their times increase."""
    key, n, day, same_day, before, same_before, rows_ok, ids, events = row
    if not (same_day and same_before and rows_ok) or type(day) is not int or type(before) is not str or type(key) is not str:
        return None
    if not complete_state(before) or '"last_review": "' in before:
        return None
    id_list, event_list = ids.split(_SEP), events.split(_SEP)
    if not len(id_list) == len(event_list) == n:
        return None  # a separator inside a device, or a NULL time or device left out
    time_list = [e[1:30] for e in event_list]  # SQL checked each time's length: an event is grade, time, device
    minutes, seconds, valid = fold.minutes, fold.seconds, fold.valid_ts
    for ts in time_list:  # as the fast fold checks a time (valid_ts, its parts remembered)
        if not (minutes.get(ts[:16]) or valid(ts)) or not (seconds.get(ts[16:]) or valid(ts)):
            return None
    if not all(map(_LESS, time_list, time_list[1:])):
        return None  # two events at the same time: their rows decide
    devices = [e[30:] for e in event_list]
    same = list(map(_EQUAL, devices, devices[1:]))
    pairs = [k for k, s in enumerate(same) if s] if True in same else []  # continuity to rule out
    return _Card(key, day, id_list, time_list, int(events[0]), int(event_list[-1][0]), pairs)


def _state(card: _Card, afters: dict[str, Any]) -> Values | None:
    """The card's state, or None if an ``after`` it needs says otherwise (fold it from its rows)."""
    for k in card.pairs:
        after = afters.get(card.ids[k])
        if type(after) is not str or not complete_state(after) or f'"last_review": "{card.times[k]}"' in after:
            return None  # the later event of the pair may continue this one's recorded state
    last = afters.get(card.ids[-1])
    ident = _identity(last) if type(last) is str else None
    if ident is None:
        return None
    deck = ident[0]
    fresh = (None, deck, None, 250, None, 0, card.key, None, None, None, False, None, 0, False, "")
    state, _ = sm2_step(fresh, card.first, card.day, card.times[0])
    if len(card.ids) > 1:
        state = (*state[:LAST_GRADE], card.last, card.times[-1], *state[LEECH:])
    return state


def fold_grouped(
    db: sqlite3.Connection, rules: Rules, skip: set[str], undone: set[str], where: str = "1", args: Iterable[Any] = ()
) -> dict[str, Values | None]:
    """What :func:`~pyflash.core.events.fastfold.fold_part` gives for the cards ``where`` selects (an SQL
    condition on ``reviews``, with ``args``), but the cards in ``skip``: grouped cards from their group row,
    the others from their rows."""
    fold = _Fold(rules)
    out: dict[str, Values | None] = {}
    rest: list[str] = []
    cards: list[_Card] = []
    undone_keys = _undone_keys(db, undone)
    for row in db.execute(_GROUP.replace("{where}", where), tuple(args)):
        key = row[0]
        if key in skip:
            continue
        card = _card(fold, row) if fold.sm2 and key not in undone_keys else None
        if card is None:
            rest.append(key)
        else:
            cards.append(card)
    wanted = [int(i) for c in cards for i in (*(c.ids[k] for k in c.pairs), c.ids[-1])]
    afters: dict[str, Any] = {}
    for marks, chunk in _chunks(wanted):
        afters.update(db.execute(f"SELECT CAST(id AS TEXT), after FROM reviews WHERE id IN ({marks})", chunk).fetchall())
    for card in cards:
        state = _state(card, afters)
        if state is None:
            rest.append(card.key)
        else:
            out[card.key] = state
    for marks, keys in key_chunks(sorted(rest)):
        out.update(fold_part(db, rules, set(), undone, f"WHERE key IN ({marks})", keys))
    return out
