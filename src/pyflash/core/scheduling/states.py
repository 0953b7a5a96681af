"""Named states, instead of bare strings.

They are ``StrEnum``s, so each member *is* its string: it compares equal to
``"new"``, is written to SQLite as ``'new'``, and old log rows read back as
plain strings still match.
"""

from __future__ import annotations

from enum import StrEnum


class QueueKind(StrEnum):
    """Why a card is in today's study queue."""

    NEW = "new"  # never reviewed
    RELEARN = "relearn"  # graded below the pass mark earlier today: comes back today
    REVIEW = "review"  # learned and due


class ReviewKind(StrEnum):
    """What one grade or action did (the ``kind`` of a review log row)."""

    REVIEW = "review"  # the first grade of the day: the schedule changed
    REPEAT = "repeat"  # a later grade the same day: logged, schedule kept
    UNDO = "undo"  # took back an earlier grade or action
    CRAM = "cram"  # a cram grade: nothing written (never in the log)
    BURY = "bury"  # hidden until tomorrow (no grade)
    SUSPEND = "suspend"  # hidden until unsuspended (no grade)
    UNBURY = "unbury"
    UNSUSPEND = "unsuspend"
    FORGET = "forget"  # put back to new (no grade; the earlier rows stay in the log)


class CardStatus(StrEnum):
    """A card's status on a day, as the store counts it (``Store.key_sets``)."""

    SUSPENDED = "suspended"  # hidden until unsuspended
    BURIED = "buried"  # hidden until a later day
    LEARNED = "learned"  # reviewed at least once
    DUE = "due"  # learned, due by that day and not yet graded that day
