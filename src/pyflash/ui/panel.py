"""Helpers shared by the text panels (the summary and "nothing due" screens)."""

from __future__ import annotations

from textual.content import Content

from pyflash.core import StudySession


def deck_label(session: StudySession) -> str:
    return session.deck or "all decks"


def row(label: str, value: Content | str, width: int = 15) -> Content:
    """``label`` in bold, padded to ``width``, then ``value``."""
    return Content.assemble((label.ljust(width), "bold"), value)
