"""The replay of a whole stored log, fast: what :func:`~pyflash.core.events.replay.replay_steps` gives,
card by card, for ``pyflash doctor --rebuild`` and a bulk ingest (docs/sync.md, "Replay").

The plain fold builds a :class:`~pyflash.core.events.replay.Step` per event and a ``CardState``
per re-graded state. This one reads the log's rows in one streaming query (in table order, which
is time order for almost every card) and keeps each card's state as a tuple of its fields in
:data:`~pyflash.core.review.statetext.KEYS` order (easiness in hundredths), or as its JSON text:

* an event whose recorded ``before`` is the state so far takes its recorded ``after`` as text,
  unparsed; "the same state" is first ruled out cheaply (the ``last_review`` field of a tuple
  state is not in the ``before`` text), else decided by the plain fold's own comparison;
* a conflicting SM-2 grade is re-graded on the tuple (:func:`sm2_step`, the same result as
  :class:`~pyflash.core.scheduling.schedule.SM2Scheduler`: a hypothesis test);
* anything else (a flag or forget in conflict, another scheduler, an odd value) is handed, with
  the card's state, to the plain fold's own code for that one event.

A card whose rows are not in time order in the table, and every card of a relink family (a state
moving between keys), are replayed afterwards from their own rows: the events of one card (of one
family) decide its state alone.
"""

from __future__ import annotations

import gc
import re
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from itertools import repeat
from json import JSONDecoder
from json import decoder as _decoder
from json.encoder import encode_basestring
from operator import itemgetter
from typing import Any

from pyflash.core.events import GRADE_KINDS
from pyflash.core.events.replay import (
    LAPSE_BELOW,
    Rules,
    Step,
    _keep_text,
    _Replay,
    _same,
    complete_state,
    replay_steps,
)
from pyflash.core.review.event_log import key_chunks
from pyflash.core.review.records import CardState
from pyflash.core.review.statetext import KEYS, dump_values
from pyflash.core.scheduling.easiness import Easiness

__all__ = ["Values", "fold_log", "fold_part", "parse_values", "row_of", "sm2_step", "to_state", "values_of", "with_objs"]

Values = tuple[Any, ...]  # a card state's fields in KEYS order, easiness in hundredths

(BURIED, DECK, DUE, EASE, FIRST, INTERVAL, KEY, LAST_DAY, LAST_GRADE, LAST_REVIEW,
 LEECH, MEMORY, REPS, SUSPENDED, TEXT) = range(15)
_KEYSET = frozenset(KEYS)
_NO_TEXT = '"text": ""'
_MINUTE, _SECOND = slice(16), slice(16, None)  # a time's date, hour and minute; its seconds on (_Fold.valid_ts)
_GONE: list[Any] = []  # _Fold.rows: the card of a key whose rows are folded apart
_GRADE_KINDS = tuple(sorted(GRADE_KINDS, key=lambda k: k != "review"))  # compared, not hashed: the most common first
# to_json's leech and memory fields, side by side (sorted keys): a state text with them is complete (complete_state)
_LEECH_MEMORY, _LEECH_MEMORY_TRUE = '"leech": false, "memory": ', '"leech": true, "memory": '
_LOADS = JSONDecoder().decode
scanstring: Callable[[str, int], tuple[str, int]] = _decoder.scanstring  # type: ignore[attr-defined]  # json's C string reader
# utc_now_iso's times (a time in range; the date is checked by datetime.fromisoformat, once per date)
_CANONICAL_TS = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]\.[0-9]{3}\+00:00")
_COLUMNS = "ts, device, seq, key, kind, grade, day, before, after"


def to_state(v: Values) -> CardState:
    return CardState(v[KEY], v[DECK], v[TEXT], Easiness.from_cents(v[EASE]), v[INTERVAL], v[REPS], v[DUE], v[SUSPENDED],
                     v[BURIED], v[LAST_REVIEW], v[LAST_DAY], v[LAST_GRADE], v[FIRST], v[MEMORY], v[LEECH])


def values_of(s: CardState) -> Values:
    return (s.buried_until, s.deck, s.due_day, s.easiness.cents, s.first_day, s.interval, s.key, s.last_day,
            s.last_grade, s.last_review, s.leech, s.memory, s.repetitions, s.suspended, s.text)


def row_of(v: Values) -> tuple[Any, ...]:
    """The card row of ``v``, in the order of records.COLUMNS, as the store writes it."""
    return (v[KEY], v[DECK], v[TEXT], v[EASE], v[INTERVAL], v[REPS], v[DUE], int(v[SUSPENDED]), v[BURIED],
            v[LAST_REVIEW], v[LAST_DAY], v[LAST_GRADE], v[FIRST], v[MEMORY], int(v[LEECH]))


def parse_values(text: str) -> Values:
    """The values of a state's JSON text: ``values_of(CardState.from_json(text))``."""
    data = _LOADS(text)
    if type(data) is dict and data.keys() == _KEYSET:
        v = tuple([data[k] for k in KEYS])
        cents = v[EASE]
        if type(cents) is int and 0 <= cents < 1_000_000 and type(v[SUSPENDED]) is bool and type(v[LEECH]) is bool:
            return v
    return values_of(CardState.from_json(text))


def _canonical(ts: Any) -> bool:
    """Whether ``ts`` is a valid time that utc_now_iso(datetime.fromisoformat(ts)) writes back as it is."""
    if type(ts) is not str or _CANONICAL_TS.fullmatch(ts) is None:
        return False
    try:
        datetime.fromisoformat(ts)
    except ValueError:
        return False
    return True


def sm2_step(v: Values, grade: int, day: int, ts: str) -> tuple[Values, bool]:
    """SM2Scheduler.review of the state ``v`` (grade 0..5, ``ts`` canonical, whole interval and repetitions
    when due): (the state after, whether it was a review, not a same-day repeat)."""
    buried, deck, due, cents, first, interval, key, last_day, _, _, leech, memory, reps, suspended, text = v
    if last_day == day and due is not None:
        return (buried, deck, due, cents, first, interval, key, last_day, grade, ts, leech, memory, reps, suspended,
                text), False
    if due is None:
        cents, interval, reps = 250, 0, 0
    if grade < 3:
        reps, interval = 0, 1
    else:
        reps += 1
        interval = 1 if reps == 1 else 6 if reps == 2 else -(-interval * cents // 100)
    d = 5 - grade
    cents += 10 - d * (8 + d * 2)
    if cents < 130:
        cents = 130
    if first is None:
        first = day
    return (None, deck, day + interval, cents, first, interval, key, day, grade, ts, leech, memory, reps, suspended,
            text), True


def _sm2_ok(v: Values, grade: Any, day: Any, ts: Any) -> bool:
    """Whether :func:`sm2_step` gives what the scheduler gives here (else: the plain fold's code)."""
    if type(grade) is not int or not 0 <= grade <= 5 or type(day) is not int or not _canonical(ts):
        return False
    if v[LAST_DAY] == day and v[DUE] is not None or v[DUE] is None:
        return True
    i, r, c = v[INTERVAL], v[REPS], v[EASE]
    return type(i) is int and type(r) is int and type(c) is int and i >= 0 and r >= 0


def _identity(after: str) -> tuple[str, str] | None:
    """(deck, text) of a state's JSON text as to_json writes it, without parsing the rest; None if not."""
    if not complete_state(after) or not after.startswith('{"buried_until": '):
        return None
    i = after.find('"deck": "')
    j = after.rfind('"text": "')
    if i < 0 or j < 0 or not after.endswith('"}'):
        return None
    deck, _ = scanstring(after, i + 9)
    text, end = scanstring(after, j + 9)
    return (deck, text) if end == len(after) - 1 else None


def _differs(v: Values, text: str) -> bool:
    """True only if the state ``v`` is surely not ``text`` (the card's text aside): its last_review is not there."""
    if not complete_state(text):
        return False
    lr = v[LAST_REVIEW]
    if lr is None:
        return '"last_review": null' not in text
    if type(lr) is str:
        return f'"last_review": {encode_basestring(lr)}' not in text
    return False


def _lapse_before(before: str | None) -> bool:
    """Whether the state ``before`` had repetitions > 0 (a grade below 3 from it is a lapse)."""
    if before is None:
        return False
    if complete_state(before):
        i = before.find('"repetitions": ')
        j = before.find(",", i)
        if i >= 0 and j >= 0 and before[i + 15 : j].isdigit() and before[i + 15 : j].isascii():
            return int(before[i + 15 : j]) > 0
    return CardState.from_json(before).repetitions > 0


class _Fold:
    """Cards by key: [text, values, last device, last recorded after, lapses, last ts, last seq, the decoded
    object of ``text`` when the caller had one (read only with the text it was set with), _needles of values,
    values' last_review time when a re-grade made them (canonical)]. A state is its text, its values, or
    both (None, None: no state)."""

    def __init__(self, rules: Rules) -> None:
        from pyflash.core.scheduling.schedule import SM2  # deferred: import cycle (schedule imports the store)

        self.rules = rules
        self.sm2 = rules.grader() is SM2
        self.cards: dict[str, list[Any]] = {}
        self.exact = _Replay(rules, {})  # the plain fold, for the rare events
        self.dates: dict[str, bool] = {}  # "YYYY-MM-DD" -> a valid date
        self.minutes: dict[str, bool] = {}  # the first 16 characters of valid times ("YYYY-MM-DDTHH:MM")
        self.seconds: dict[str, bool] = {}  # their last 13 (":SS.mmm+00:00")

    @staticmethod
    def text(c: list[Any]) -> str | None:
        if c[0] is None and c[1] is not None:
            c[0] = dump_values(c[1])
        return c[0]  # type: ignore[no-any-return]

    @staticmethod
    def values(c: list[Any]) -> Values | None:
        if c[1] is None and c[0] is not None:
            c[1] = _values_of_data(c[7], c[0]) if c[7] is not None else parse_values(c[0])
        return c[1]  # type: ignore[no-any-return]

    def same(self, c: list[Any], recorded: str | None) -> bool:
        """_same(recorded, the card's state)."""
        has = c[0] is not None or c[1] is not None
        if recorded is None or not has:
            return recorded is None and not has
        if c[0] is None and _differs(c[1], recorded):
            return False
        return _same(recorded, self.text(c))

    def valid_ts(self, ts: Any) -> bool:
        """_canonical(ts), with what was valid remembered: a 29-character time is valid if its first 16
        characters (date, hour, minute) and its last 13 (seconds on) each were in a valid time."""
        if type(ts) is not str or _CANONICAL_TS.fullmatch(ts) is None:
            return False
        ok = self.dates.get(ts[:10])
        if ok is None:
            ok = self.dates[ts[:10]] = _canonical(ts)
        if ok:
            self.minutes[ts[:16]] = self.seconds[ts[16:]] = True
        return ok

    def plain(self, c: list[Any], step: Step) -> None:
        """One event by the plain fold's own code, from this card's state."""
        run, key = self.exact, step.card
        run.cur[key] = self.text(c)
        run.parsed.pop(key, None)
        run.recorded.pop(key, None)
        if c[2] is not None:
            run.last[key] = (c[2], c[3])
        else:
            run.last.pop(key, None)
        run.lapses[key] = c[4]
        run.apply(step)
        c[0], c[1], c[7], c[8], c[9] = run.cur.pop(key), None, None, None, None
        c[2], c[3] = run.last.pop(key)
        c[4] = run.lapses.pop(key, 0)

    def rows(
        self, rows: Iterable[tuple[Any, ...]], skip: set[str], undone: set[str], disorder: set[str] | None,
        objs: Iterable[Any] | None = None,
    ) -> None:
        """Fold the rows (``_COLUMNS``), with ``objs``: each row's decoded ``after`` or None (None: none has one);
        a card whose rows go back in time joins ``disorder`` (None: the rows are in time order).

        One loop with the common cases written out (a call per event costs as much as the work): the
        recorded ``after`` of an event whose ``before`` is the state so far, and an SM-2 re-grade of a
        conflicting grade. Everything else goes to the methods, and a rare event to :meth:`plain`."""
        cards, get, same, valid_ts = self.cards, self.cards.get, self.same, self.valid_ts
        minutes, seconds = self.minutes, self.seconds
        seqs = {int(i.rpartition("-")[2]) for i in undone if i.rpartition("-")[2].isdigit()}
        sm2, threshold, action_of = self.sm2, self.rules.leech_threshold, self.rules.leech_action
        gone, minute, second = _GONE, _MINUTE, _SECOND
        for (ts, device, seq, key, kind, grade, day, before, after), obj in zip(rows, repeat(None) if objs is None else objs, strict=False):
            c = get(key)
            if c is None:
                if key in skip:
                    continue
                c = cards[key] = [None, None, None, None, 0, "", 0, None, None, None]
            elif c is gone:
                continue
            if kind == "undo" or (seqs and seq in seqs and f"{device}-{seq}" in undone):
                continue
            if disorder is not None and c[2] is not None and (
                ts < c[5] or ts == c[5] and (device < c[2] or device == c[2] and seq < c[6])
            ):
                disorder.add(key)
                cards[key] = gone
                continue
            if not before:
                before = None
            if not after:
                after = None
            text, v = c[0], c[1]
            if before is None:
                verbatim = text is None and v is None
            elif text is not None:
                verbatim = before == text or _same(before, text)
            elif v is None:
                verbatim = False
            elif c[9] is not None and c[9] not in before and (_LEECH_MEMORY in before or _LEECH_MEMORY_TRUE in before):
                verbatim = False  # a tuple state, ruled out: its last_review time is nowhere in ``before`` (as _differs)
            else:
                verbatim = same(c, before)
            if not verbatim and c[2] == device:
                last = c[3]
                if text is None and v is not None and last is not None and c[9] is not None and c[9] not in last \
                        and (_LEECH_MEMORY in last or _LEECH_MEMORY_TRUE in last):
                    pass  # ruled out as above
                else:
                    verbatim = same(c, last)
            if verbatim:
                new = after
                if after is not None and (text is not None or v is not None) and _NO_TEXT in after:
                    cur = text if text is not None else self.text(c) if v[TEXT] != "" else None
                    if cur is not None and _NO_TEXT not in cur:  # (else _keep_text gives ``after``)
                        new = _keep_text(after, cur)
                c[0], c[7] = new, obj if new is after else None
                if v is not None:  # (c[8] and c[9] are set only with c[1])
                    c[1] = c[8] = c[9] = None
            else:
                new = None
                if (sm2 and grade.__class__ is int and 0 <= grade <= 5 and day.__class__ is int and after is not None
                        and kind in _GRADE_KINDS and ts.__class__ is str and (ts[minute] in minutes or valid_ts(ts))
                        and (ts[second] in seconds or valid_ts(ts))):  # (their keys' lengths: 29 characters)
                    prev = v if v is not None else None if text is None else self.values(c)
                    needles = c[8]
                    if prev is not None and needles is None:
                        needles = c[8] = _needles(prev)
                    if needles is not None and needles[0] in after and after.endswith(needles[1]):
                        new = prev  # the same deck and text (see _needles)
                    else:
                        ident = _identity(after)
                        if ident is None:
                            pass
                        elif prev is None:
                            new = (None, ident[0], None, 250, None, 0, key, None, None, None, False, None, 0, False, ident[1])
                        else:  # a re-graded state without text keeps the text it had
                            new = (prev[0], ident[0], *prev[2:TEXT], ident[1] if ident[1] or not prev[TEXT] else prev[TEXT])
                        needles = c[8] = None
                    if new is not None:
                        bu, deck, due, cents, first, interval, k, lday, _, _, leech, mem, reps, susp, txt = new
                        if lday == day and due is not None:  # a same-day repeat (sm2_step's first case)
                            new = (bu, deck, due, cents, first, interval, k, lday, grade, ts, leech, mem, reps, susp, txt)
                        elif due is None or (interval.__class__ is int and reps.__class__ is int and cents.__class__ is int
                                             and interval >= 0 and reps >= 0):
                            new, reviewed = sm2_step(new, grade, day, ts)
                            if prev is not None and grade < LAPSE_BELOW and not prev[LEECH] and reviewed and prev[REPS] > 0 \
                                    and c[4] + 1 >= threshold:
                                suspend = new[SUSPENDED] or action_of(new[DECK]) == "suspend"
                                new = (*new[:LEECH], True, *new[LEECH + 1 : SUSPENDED], suspend, new[TEXT])
                        else:
                            new = None
                if new is None:
                    self.plain(c, Step(ts, device, seq, key, kind, before, after, grade, day))
                    c[5], c[6] = ts, seq
                    continue
                c[0] = None  # (c[7] left: it is read only with a c[0] set with it)
                c[1] = new
                c[9] = ts
            if grade is not None and grade < LAPSE_BELOW and kind == "review" and _lapse_before(before):
                c[4] += 1
            c[2] = device
            c[3] = after
            c[5] = ts
            c[6] = seq


_FIELDS, _OBJ = itemgetter(slice(0, 9)), itemgetter(9)


def with_objs(rows: list[tuple[Any, ...]]) -> tuple[Iterator[tuple[Any, ...]], Iterator[Any]]:
    """Rows of ``_COLUMNS`` with each one's decoded ``after`` (or None) as a tenth field, as _Fold.rows takes them:
    (the rows, the objects)."""
    return map(_FIELDS, rows), map(_OBJ, rows)


def _needles(v: Values) -> tuple[str, str] | None:
    """Two pieces of text that a state's JSON has if and only if its deck and text are those of ``v``: its
    deck field (a quote inside a JSON string is escaped, so ``"deck": `` is found only as the key), and
    its end (the text, sorting last). None if ``v``'s deck or text is not a string."""
    deck, text = v[DECK], v[TEXT]
    if type(deck) is not str or type(text) is not str:
        return None
    return f'"deck": {encode_basestring(deck)}, "due_day": ', f', "text": {encode_basestring(text)}}}'


def _values_of_data(data: Any, text: str) -> Values:
    """The values of a decoded state object (``text`` is its JSON): parse_values(text), without parsing."""
    if type(data) is dict and data.keys() == _KEYSET:
        v = tuple([data[k] for k in KEYS])
        cents = v[EASE]
        if type(cents) is int and 0 <= cents < 1_000_000 and type(v[SUSPENDED]) is bool and type(v[LEECH]) is bool:
            return v
    return parse_values(text)


def fold_log(db: sqlite3.Connection, rules: Rules) -> dict[str, Values | None]:
    """Every card state the store's events give (None: no state), as replay_steps(all_steps(db), rules)."""
    undone = {r[0] for r in db.execute("SELECT undoes_event FROM reviews WHERE kind = 'undo' AND undoes_event IS NOT NULL")}
    if db.execute("SELECT 1 FROM relinks l JOIN reviews r ON r.device = l.device AND r.seq = l.seq LIMIT 1").fetchone():
        from pyflash.core.review.events_io import all_steps  # an event id twice: the plain fold decides

        return {k: values_of(s) if s is not None else None for k, s in replay_steps(all_steps(db), rules).items()}
    linked: set[str] = set()
    relinks = db.execute("SELECT old_key, new_key FROM relinks").fetchall()
    if relinks:
        from pyflash.core.review.events_io import families  # deferred: import cycle

        linked = families(db, {k for pair in relinks for k in pair})
    from pyflash.core.events.foldsplit import fold_split  # deferred: only a whole log's replay

    out = fold_split(db, rules, linked, undone)
    if linked:
        out.update(_families(db, rules, linked))
    return out


def fold_part(
    db: sqlite3.Connection, rules: Rules, skip: set[str], undone: set[str], where: str = "", args: Iterable[Any] = ()
) -> dict[str, Values | None]:
    """The fast fold of the log's rows (those ``where`` selects, with ``args``), but the cards in ``skip``; a card
    whose rows go back in time in the table is folded again from its own rows, sorted."""
    fold = _Fold(rules)
    disorder: set[str] = set()
    collecting = gc.isenabled()
    gc.disable()  # the fold makes no cycles; the collector would only scan every card's list again and again
    try:
        fold.rows(db.execute(f"SELECT {_COLUMNS} FROM reviews {where}", tuple(args)), set(skip), undone, disorder)
        for key in disorder:
            del fold.cards[key]
        for marks, chunk in key_chunks(sorted(disorder)):
            rows = db.execute(f"SELECT {_COLUMNS} FROM reviews WHERE key IN ({marks})", chunk).fetchall()
            rows.sort(key=lambda r: (r[0], r[1], r[2]))
            fold.rows(rows, set(), undone, None)
        values = fold.values
        return {k: c[1] if c[1] is not None else values(c) for k, c in fold.cards.items()}
    finally:
        if collecting:
            gc.enable()


def _families(db: sqlite3.Connection, rules: Rules, keys: set[str]) -> dict[str, Values | None]:
    """The relink families, by the plain fold (with every undo of the log: an undo may name any event)."""
    from pyflash.core.review.events_io import steps_for  # deferred: import cycle

    undos = [Step(ts, device, seq, key, "undo", None, None, undoes=u) for key, ts, device, seq, u in db.execute(
        "SELECT key, ts, device, seq, undoes_event FROM reviews WHERE kind = 'undo'")]
    states = replay_steps([*steps_for(db, keys), *undos], rules)
    return {k: values_of(s) if s is not None else None for k, s in states.items() if k in keys}
