"""The six grades: one table for their values, names, labels and meanings.

The UI, the docs and the SM-2 engine all read this table; a grade's enum
name is its label in capitals (``Grade.AGAIN`` is shown as "again").
"""

# No `from __future__ import annotations` here: a NamedTuple's string annotations are compiled one
# by one at import, at every start (tests/test_startup_imports.py).
from enum import IntEnum
from typing import NamedTuple


class Grade(IntEnum):
    """SM-2 quality of response, 0..5 (see :data:`GRADES` for what each means)."""

    AGAIN = 0
    WRONG = 1
    ALMOST = 2
    HARD = 3
    GOOD = 4
    EASY = 5

    @property
    def label(self) -> str:
        """The word shown for this grade ("again" ... "easy")."""
        return GRADES[self].label

    @property
    def meaning(self) -> str:
        """What the grade says about the answer."""
        return GRADES[self].meaning


class GradeInfo(NamedTuple):
    """One row of :data:`GRADES`."""

    grade: Grade
    label: str
    meaning: str


GRADES: tuple[GradeInfo, ...] = tuple(
    GradeInfo(grade, grade.name.lower(), meaning)
    for grade, meaning in zip(
        Grade,
        (
            "complete blackout",
            "wrong, but the answer felt familiar",
            "wrong, but the answer seemed easy once seen",
            "right, with serious difficulty",
            "right, after some hesitation",
            "perfect",
        ),
        strict=True,
    )
)
"""Every grade, in order: ``GRADES[g].label`` is what the UI shows for grade ``g``."""
