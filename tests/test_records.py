"""CardState behaves as the frozen slotted dataclass it was (its methods are written out: start-up time)."""

from __future__ import annotations

import copy
import pickle
from dataclasses import FrozenInstanceError, asdict, dataclass, fields, is_dataclass, replace

import pytest

from pyflash.core.review.records import CardState
from pyflash.core.scheduling.easiness import INITIAL_EASINESS, Easiness


@dataclass(frozen=True, slots=True)
class Reference:  # CardState as it was declared before
    key: str
    deck: str
    text: str = ""
    easiness: Easiness = INITIAL_EASINESS
    interval: int = 0
    repetitions: int = 0
    due_day: int | None = None
    suspended: bool = False
    buried_until: int | None = None
    last_review: str | None = None
    last_day: int | None = None
    last_grade: int | None = None
    first_day: int | None = None
    memory: str | None = None
    leech: bool = False


FULL: dict[str, object] = {
    "key": "k",
    "deck": "D",
    "text": "t",
    "easiness": Easiness.from_cents(236),
    "interval": 6,
    "repetitions": 2,
    "due_day": 17,
    "suspended": True,
    "buried_until": 18,
    "last_review": "2026-03-03T10:00:00.000+00:00",
    "last_day": 11,
    "last_grade": 4,
    "first_day": 10,
    "memory": '{"s": 1}',
    "leech": True,
}


def test_fields_defaults_and_positional_order_are_the_dataclass_s():
    assert is_dataclass(CardState)
    assert [f.name for f in fields(CardState)] == [f.name for f in fields(Reference)]
    assert CardState.__match_args__ == Reference.__match_args__
    assert asdict(CardState("k", "D")) == asdict(Reference("k", "D"))
    values = list(FULL.values())
    assert asdict(CardState(*values)) == asdict(Reference(*values)) == FULL
    assert asdict(CardState(**FULL)) == FULL
    with pytest.raises(TypeError):
        CardState("k")  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        CardState("k", "D", nope=1)  # type: ignore[call-arg]


def test_equality_hash_and_repr_are_the_dataclass_s():
    a, b = CardState(**FULL), CardState(**FULL)
    assert a == b and hash(a) == hash(b) and not (a != b)
    assert hash(a) == hash(Reference(**FULL))
    assert a != replace(a, interval=7) and a != replace(a, leech=False)
    assert a != Reference(**FULL)  # another class: not equal, as between two dataclasses
    assert (a == "k") is False
    assert repr(a) == repr(Reference(**FULL)).replace("Reference(", "CardState(")
    assert len({a, b, replace(a, text="u")}) == 2


def test_it_is_frozen_and_slotted():
    state = CardState("k", "D")
    with pytest.raises(FrozenInstanceError):
        state.interval = 3  # type: ignore[misc]
    with pytest.raises(FrozenInstanceError):
        del state.text
    with pytest.raises((AttributeError, TypeError)):
        state.extra = 1  # type: ignore[attr-defined]
    assert not hasattr(state, "__dict__")


def test_replace_copy_and_pickle_keep_every_field():
    state = CardState(**FULL)
    changed = replace(state, due_day=None, memory=None)
    assert asdict(changed) == {**FULL, "due_day": None, "memory": None}
    assert changed.is_new and not state.is_new
    assert copy.copy(state) == state and copy.deepcopy(state) == state
    assert pickle.loads(pickle.dumps(state)) == state
    assert CardState.from_json(state.to_json()) == state
