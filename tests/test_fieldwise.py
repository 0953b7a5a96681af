"""The start-up path's plain classes compare and print field by field, as the dataclasses they replaced."""

import pytest

from pyflash.core.decks.duplicates import Claims
from pyflash.core.decks.loader import LoadResult
from pyflash.core.review.actions import Action, Done


def test_equal_by_fields_and_class() -> None:
    assert LoadResult(all_keys={"a"}) == LoadResult(all_keys={"a"})
    assert LoadResult(all_keys={"a"}) != LoadResult(all_keys={"b"})
    assert Done(Action.GRADE, None, grade=4) == Done(Action.GRADE, None, grade=4)
    assert Done(Action.GRADE, None, grade=4) != Done(Action.GRADE, None, grade=3)
    assert Claims({}, {}) == Claims({}, {})
    assert Claims({}, {}, winners={}) != Claims({"k": []}, {})
    assert Claims({}, {}) != LoadResult()  # another class never compares equal


def test_unhashable_like_a_mutable_dataclass() -> None:
    for value in (LoadResult(), Done(Action.BURY, None), Claims({}, {})):
        with pytest.raises(TypeError):
            hash(value)


def test_repr_names_every_field_in_order() -> None:
    assert repr(Claims({}, {})) == "Claims(by_key={}, originals={}, winners={}, errors=[])"
    assert repr(Done(Action.BURY, None)) == (
        "Done(action=<Action.BURY: 'bury'>, item=None, review_ids=[], position=0, grade=0, again=False, removed=[], added=[])"
    )
    assert repr(LoadResult()).startswith("LoadResult(files=[], errors=[], searched=[], all_keys=set(), shadowed=[], claims=None")
