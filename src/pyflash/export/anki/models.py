"""The genanki objects of an export: pyflash's note types, and notes that keep their own mtime.

Fixed model ids (:mod:`.notetype`, :mod:`.variants`), so a re-export updates the same note types.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import genanki

from pyflash.export.anki import notetype, variants

__all__ = ["PyflashModel", "PyflashNote", "make_cloze_model", "make_model", "make_reverse_model"]


class PyflashModel(genanki.Model):  # type: ignore[misc]  # genanki has no type stubs
    def to_json(self, timestamp: float, deck_id: int) -> dict[str, Any]:
        data: dict[str, Any] = super().to_json(timestamp, deck_id)
        # The note type changes only when pyflash changes it, not per export.
        data["mod"] = notetype.STYLE_MTIME
        return data


class PyflashNote(genanki.Note):  # type: ignore[misc]  # genanki has no type stubs
    def __init__(self, model: PyflashModel, fields: list[str], tags: Sequence[str], guid: str, mtime: int) -> None:
        super().__init__(model=model, fields=fields, tags=tags, guid=guid)
        self.mtime = mtime

    # genanki < 0.14 (pinned in pyproject): these override its private write path.
    def _check_invalid_html_tags_in_fields(self) -> None:
        # Our fields are HTML we generated with everything user-written
        # escaped; genanki's heuristic would only cost time here.
        return None

    def write_to_db(self, cursor: sqlite3.Cursor, timestamp: float, deck_id: int, id_gen: Iterator[int]) -> None:
        # Each note carries its own modification time (see MtimeLedger).
        super().write_to_db(cursor, self.mtime, deck_id, id_gen)



def _model(
    model_id: int,
    name: str,
    fields: list[dict[str, Any]],
    templates: Sequence[Mapping[str, str]],
    css: str,
    sort_field: int,
    model_type: int = genanki.Model.FRONT_BACK,
) -> PyflashModel:
    return PyflashModel(
        model_id, name, fields=fields, templates=[dict(t) for t in templates], css=css,
        model_type=model_type, sort_field_index=sort_field,
    )


def make_model() -> PyflashModel:
    return _model(
        notetype.MODEL_ID, notetype.MODEL_NAME, notetype.field_specs(), notetype.TEMPLATES, notetype.CSS, notetype.SORT_FIELD
    )


def make_cloze_model() -> PyflashModel:
    """Anki's Cloze kind of note type: one card per cloze number of the Text field."""
    return _model(
        variants.CLOZE_MODEL_ID, variants.CLOZE_MODEL_NAME, variants.cloze_field_specs(), variants.CLOZE_TEMPLATES,
        variants.CLOZE_CSS, variants.CLOZE_SORT_FIELD, genanki.Model.CLOZE,
    )


def make_reverse_model() -> PyflashModel:
    """``pyflash v1``'s fields with two templates: Anki makes both cards of a `reverse: true` entry."""
    return _model(
        variants.REVERSE_MODEL_ID, variants.REVERSE_MODEL_NAME, notetype.field_specs(), variants.REVERSE_TEMPLATES,
        notetype.CSS, notetype.SORT_FIELD,
    )
