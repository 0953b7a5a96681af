"""Replay: card states from events, deterministically and whatever order they arrived in.

A card's state is the fold of its events sorted by ``(ts, device, seq)``. An
undone event and the ``undo`` event itself are left out (an undo names the
one event it takes back). For each other event:

* **its recorded ``before`` is the state replayed so far**, or **the card's
  previous event came from the same device and left exactly the state that
  device recorded** (so whatever that device did to its own projection in
  between, such as a change of scheduler, is its own): the new state is the
  recorded ``after``, verbatim. A single device's history therefore replays bit
  for bit, imported Anki history and FSRS memory included;
* otherwise the event is a **conflict** (another device's event came in
  between): a grade is graded again by the scheduler, from the replayed state,
  on the event's own day and time, with the same leech rule as a live grade;
  bury, unbury, suspend and unsuspend set only their flag; forget resets the
  schedule.

A ``relink`` moves a card's state to its edited card's key (when the old key
has a state and the new one none, as :meth:`Store.relink` does); relinks of
one cloze renumbering (``rekey``: same time and device) move together, so a
swap of two numbers works.

:func:`replay` is pure: states in, events in, states out.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any, NamedTuple

from pyflash.core.events import FLAG_KINDS, GRADE_KINDS, STATE_FIELDS, Event, canonical_ts
from pyflash.core.review.records import FORGOTTEN, CardState
from pyflash.core.review.rules import Rules
from pyflash.core.review.statetext import dump, dump_textless, quick

if TYPE_CHECKING:
    pass

__all__ = ["Prior", "Rules", "Step", "complete_state", "replay", "replay_steps", "state_json", "step_of"]

LAPSE_BELOW = 3  # as core/review/leech.py: a grade below this, of a card that had passed, is a lapse


class Step(NamedTuple):
    """An event as replay reads it: states as CardState JSON (compared as text, parsed only when needed)."""

    ts: str
    device: str
    seq: int
    card: str
    kind: str
    before: str | None
    after: str | None
    grade: int | None = None
    day: int | None = None
    undoes: str | None = None  # undo: the id of the event taken back
    new: str | None = None  # relink: the new key
    text: str | None = None  # relink: the identity text under the new key
    rekey: bool = False  # relink: part of a cloze renumbering
    after_data: Mapping[str, Any] | None = None  # ``after`` as its decoded object, when the event had one (not parsed again)

    @property
    def id(self) -> str:
        return f"{self.device}-{self.seq}"


_ALL = frozenset(STATE_FIELDS)
_ALL_NO_TEXT = _ALL - {"text"}


def state_json(value: Mapping[str, Any] | None) -> str | None:
    """An event's state object as the store's JSON (CardState.to_json), or None."""
    if value is None:
        return None
    text = quick(value)  # the common case: a decoded event's complete state
    if text is not None:
        return text
    keys = value.keys()
    if keys == _ALL:  # complete (decode checked the types): already what to_json writes
        return dump(value)
    if keys == _ALL_NO_TEXT:  # complete but for its text (a synced event's): to_json's, with text ""
        return dump_textless(value)
    return CardState.from_data(dict(value)).to_json()


def step_of(event: Event) -> Step:
    d = event.data
    after = d.get("after")
    return Step(
        canonical_ts(event.ts), event.device, event.seq, event.card, event.kind,
        state_json(d.get("before")), state_json(after),
        d.get("grade"), d.get("day"), d.get("undoes"), d.get("new"), d.get("text"), bool(d.get("rekey")),
        after if isinstance(after, Mapping) else None,
    )


def replay(
    events: Iterable[Event], rules: Rules | None = None, states: Mapping[str, CardState] | None = None
) -> dict[str, CardState | None]:
    """The state of every card the events touch, after them (None: no state row), from ``states``."""
    return replay_steps([step_of(e) for e in events], rules or Rules(), states)


def _parse(text: str | None) -> CardState | None:
    return CardState.from_json(text) if text is not None else None


def _after(step: Step) -> CardState | None:
    """The recorded ``after`` of ``step``, from its decoded object when it has one."""
    if step.after_data is not None and step.after is not None:
        return CardState.from_data(dict(step.after_data))
    return _parse(step.after)


def _after_fields(step: Step) -> Mapping[str, Any] | None:
    """The recorded ``after`` of ``step`` as its JSON object (None: none recorded)."""
    if step.after is None:
        return None
    if step.after_data is not None:
        return step.after_data
    data: dict[str, Any] = json.loads(step.after)
    return data


def _with_deck_text(state: CardState, deck: str, text: str) -> CardState:
    """``replace(state, deck=deck, text=text)``, field by field (CardState's fields in order: the
    replay's conflicts call it thousands of times; tests/test_sm2_fast.py checks the fields)."""
    return CardState(
        state.key, deck, text, state.easiness, state.interval, state.repetitions, state.due_day, state.suspended,
        state.buried_until, state.last_review, state.last_day, state.last_grade, state.first_day, state.memory,
        state.leech,
    )


def complete_state(text: str) -> bool:
    """Whether ``text`` is a state's JSON as to_json writes it now (not an old row's, without later fields)."""
    return '"leech": ' in text and '"memory": ' in text


# A state's text (its card's question, for re-linking an edited card) is this machine's own: events
# synced without ``sync.include_decks`` carry none (pyflash/sync/private.py). So states are compared
# with their text aside, and a replayed state without text keeps the text of the card's row.
_TEXT = re.compile(r'"text": "(?:[^"\\]|\\.)*"')  # to_json's one "text" field (sorted keys, default separators)
_NO_TEXT = '"text": ""'
_TEXT_FIELD = '"text": "'


def _same(a: str | None, b: str | None) -> bool:
    """The same state, the card's text aside."""
    if a == b:
        return True
    if a is None or b is None:
        return False
    if complete_state(a) and complete_state(b):  # to_json's text is one per state: compare it textless
        # "text" sorts last: the states are the same up to it. A quote inside a value is escaped, so the
        # first '"text": "' is the field itself, and no '", "' after it means no field follows it.
        i, j = a.find(_TEXT_FIELD), b.find(_TEXT_FIELD)
        if i >= 0 and j >= 0 and a.find('", "', i) < 0 and b.find('", "', j) < 0:
            return i == j and a[:i] == b[:j]
        return _TEXT.sub(_NO_TEXT, a, count=1) == _TEXT.sub(_NO_TEXT, b, count=1)
    return replace(CardState.from_json(a), text="") == replace(CardState.from_json(b), text="")


_NO_TEXT_END = ", " + _NO_TEXT + "}"


def _keep_text(new: str | None, cur: str | None) -> str | None:
    """``new``, with the text of ``cur`` when ``new`` carries none."""
    if new is None or cur is None or _NO_TEXT not in new or _NO_TEXT in cur:
        return new
    if new.endswith(_NO_TEXT_END) and complete_state(new) and complete_state(cur):
        # to_json's text field sorts last: splice cur's in (the same bytes as parsing both and writing
        # new's state with cur's text). As in _same, the first '"text": "' is the field, and no '", "'
        # after it means no field follows it.
        i, j = new.find(_TEXT_FIELD), cur.find(_TEXT_FIELD)
        if i == len(new) - len(_NO_TEXT_END) + 2 and j >= 0 and cur.find('", "', j) < 0 and cur.endswith('"}'):
            return new[:i] + cur[j:]
    state = CardState.from_json(new)
    return new if state.text else replace(state, text=CardState.from_json(cur).text).to_json()


@dataclass(frozen=True)
class Prior:
    """What came before the start states, for a replay that continues a card's history (the store's
    append path): its last applied event's (device, recorded after), and its logged lapses."""

    last: Callable[[str], tuple[str, str | None] | None]
    lapses: Callable[[str], int]


class _Replay:
    def __init__(
        self, rules: Rules, states: Mapping[str, CardState], prior: Prior | None = None, texts: Mapping[str, str] | None = None
    ) -> None:
        self.rules = rules
        self.grader = rules.grader()
        self.cur: dict[str, str | None] = dict(texts) if texts is not None else {k: s.to_json() for k, s in states.items()}
        self.parsed: dict[str, CardState] = dict(states)  # cur's states already parsed (or computed)
        self.recorded: dict[str, Step] = {}  # key -> the step whose ``after`` (text and object) cur holds
        self.last: dict[str, tuple[str, str | None]] = {}  # key -> (device, what it recorded) of the last event
        self.lapses: dict[str, int] = {}
        self.prior = prior
        self.unasked = set(states) if prior is not None else set()  # keys whose prior is not read yet

    def _ask(self, key: str) -> None:
        if key in self.unasked and self.prior is not None:
            self.unasked.discard(key)
            last = self.prior.last(key)
            if last is not None:
                self.last.setdefault(key, last)
            self.lapses[key] = self.lapses.get(key, 0) + self.prior.lapses(key)

    def continuous(self, key: str, device: str) -> bool:
        self._ask(key)
        last = self.last.get(key)
        return last is not None and last[0] == device and _same(last[1], self.cur.get(key))

    def apply(self, step: Step) -> None:
        key, cur = step.card, self.cur.get(step.card)
        verbatim = _same(step.before, cur) or self.continuous(key, step.device)
        if verbatim:
            new = _keep_text(step.after, cur)
            self.parsed.pop(key, None)
            if new is step.after and step.after_data is not None:
                self.recorded[key] = step
        else:
            prev = self.state(key)
            state = self._recompute(step, prev)
            if state is not None and not state.text and prev is not None and prev.text:
                state = _with_deck_text(state, state.deck, prev.text)
            new = state.to_json() if state is not None else None
            if state is not None:
                self.parsed[key] = state
        if step.kind == "review" and step.grade is not None and step.grade < LAPSE_BELOW:
            before = _parse(step.before)
            if before is not None and before.repetitions > 0:
                self._ask(key)
                self.lapses[key] = self.lapses.get(key, 0) + 1
        self.cur[key] = new
        self.last[key] = (step.device, step.after)

    def state(self, key: str) -> CardState | None:
        state = self.parsed.get(key)
        if state is None:
            text = self.cur.get(key)
            step = self.recorded.pop(key, None)
            state = _after(step) if step is not None and step.after is text else _parse(text)
            if state is not None:
                self.parsed[key] = state
        return state

    def _recompute(self, step: Step, cur: CardState | None) -> CardState | None:
        if step.kind in GRADE_KINDS and step.grade is not None and step.day is not None:
            recorded = _after_fields(step)  # only its deck and text are needed (not a CardState)
            if recorded is None:
                return cur
            deck, text = recorded["deck"], recorded.get("text", "")
            base = cur or CardState(key=step.card, deck=deck, text=text)
            current = base if base.deck == deck and base.text == text else _with_deck_text(base, deck, text)
            try:
                result = self.grader.review(current, step.grade, day=step.day, now=datetime.fromisoformat(step.ts))
            except ValueError:
                return _after(step)  # a grade this scheduler does not know: keep what was recorded
            new = result.after
            if cur is not None and not cur.leech and result.kind == "review" and step.grade < LAPSE_BELOW:
                self._ask(step.card)
                if cur.repetitions > 0 and self.lapses.get(step.card, 0) + 1 >= self.rules.leech_threshold:
                    action = self.rules.leech_action(new.deck)
                    new = replace(new, leech=True, suspended=new.suspended or action == "suspend")
            return new
        after = _after(step)
        if after is None:
            return cur
        base = cur or CardState(key=step.card, deck=after.deck, text=after.text)
        if step.kind in FLAG_KINDS:
            field = "suspended" if step.kind.endswith("suspend") else "buried_until"
            return replace(base, **{field: getattr(after, field)})
        if step.kind == "forget":
            return replace(cur, **FORGOTTEN) if cur is not None else None
        return after

    def relink(self, batch: list[Step]) -> None:
        """Move states: one relink (old has a state, new none), or a cloze renumbering's moves at once."""
        if not batch[0].rekey:
            step = batch[0]
            old, new = step.card, step.new
            if new is None or self.cur.get(old) is None or self.cur.get(new) is not None:
                return
            batch = [step]
        for s in batch:
            self._ask(s.card)
        moving = [(s, self.state(s.card), self.continuous(s.card, s.device), self.lapses.pop(s.card, 0)) for s in batch]
        for s, *_ in moving:
            self.cur[s.card] = None
            self.parsed.pop(s.card, None)
            self.last.pop(s.card, None)
        for s, old_state, continuous, lapses in moving:
            if old_state is None or s.new is None:
                continue
            state = replace(old_state, key=s.new, text=s.text if s.text is not None else old_state.text)
            moved = state.to_json()
            self.cur[s.new] = moved
            self.parsed[s.new] = state
            if continuous:
                self.last[s.new] = (s.device, moved)
            else:
                self.last.pop(s.new, None)
            if lapses:
                self.lapses[s.new] = self.lapses.get(s.new, 0) + lapses


def replay_steps(
    steps: Iterable[Step],
    rules: Rules,
    states: Mapping[str, CardState] | None = None,
    prior: Prior | None = None,
    texts: Mapping[str, str] | None = None,
) -> dict[str, CardState | None]:
    """:func:`replay` over steps (the store reads its rows as steps, without building events).

    ``prior``: the history before ``states``, read only when an event needs it; ``texts``: the
    states' ``to_json`` (when the caller has it), for the same keys."""
    ordered = sorted(steps, key=lambda s: (s.ts, s.device, s.seq))
    undone = {s.undoes for s in ordered if s.kind == "undo" and s.undoes is not None}
    run = _Replay(rules, states or {}, prior, texts)
    seen: set[str] = set()
    i = 0
    while i < len(ordered):
        step = ordered[i]
        i += 1
        ident = step.id
        if ident in seen:
            continue
        seen.add(ident)
        if step.kind == "undo" or ident in undone:
            run.cur.setdefault(step.card, None)
            continue
        if step.kind == "relink":
            batch = [step]
            while step.rekey and i < len(ordered):
                nxt = ordered[i]
                if nxt.kind != "relink" or not nxt.rekey or (nxt.ts, nxt.device) != (step.ts, step.device):
                    break
                if nxt.id not in undone and nxt.id not in seen:
                    batch.append(nxt)
                seen.add(nxt.id)
                i += 1
            run.cur.setdefault(step.card, None)
            if step.new is not None:
                run.cur.setdefault(step.new, None)
            run.relink(batch)
            continue
        run.apply(step)
    return {k: run.state(k) for k in run.cur}
