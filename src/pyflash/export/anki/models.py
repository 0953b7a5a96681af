"""The genanki objects of an export: pyflash's note types, and notes that keep their own mtime.

Fixed model ids (:mod:`.notetype`, :mod:`.variants`), so a re-export updates the same note types.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, NamedTuple

import genanki

from pyflash.export.anki import notetype, variants

__all__ = ["NoteRow", "PyflashDeck", "PyflashModel", "make_cloze_model", "make_model", "make_reverse_model"]


class PyflashModel(genanki.Model):  # type: ignore[misc]  # genanki has no type stubs
    def to_json(self, timestamp: float, deck_id: int) -> dict[str, Any]:
        data: dict[str, Any] = super().to_json(timestamp, deck_id)
        # The note type changes only when pyflash changes it, not per export.
        data["mod"] = notetype.STYLE_MTIME
        return data


class NoteRow(NamedTuple):
    """One note of an export: what genanki's Note holds, without its per-note objects and checks."""

    model: PyflashModel
    fields: list[str]  # every field, Key first: HTML we generated, everything user-written escaped
    tags: Sequence[str]  # Anki-safe (no whitespace: see package.anki_tags)
    guid: str
    mtime: int  # the note's own modification time (see package.MtimeLedger)


class PyflashDeck(genanki.Deck):  # type: ignore[misc]  # genanki has no type stubs
    """A genanki Deck whose notes are :class:`NoteRow` s, written with one ``executemany`` per table.

    The rows are the ones genanki's ``Note.write_to_db`` writes (same ids from ``id_gen``, same
    columns, the same cards: a front/back note's from its model's ``req``, a cloze note's by genanki
    itself), without its Python objects per note and card (about half of the collection's build time).
    """

    def __init__(self, deck_id: int, name: str, description: str = "") -> None:
        super().__init__(deck_id, name, description=description)
        self.rows: list[NoteRow] = []
        self._wanted: dict[int, list[tuple[int, Any, list[int]]]] = {}  # model id -> its cards' field tests

    # genanki < 0.14 (pinned in pyproject): this overrides its private write path.
    def write_to_db(self, cursor: sqlite3.Cursor, timestamp: float, id_gen: Iterator[int]) -> None:
        self.write_head(cursor, timestamp, id_gen)
        self.write_cards(cursor, self.write_notes(cursor, self.rows, id_gen))

    def write_head(self, cursor: sqlite3.Cursor, timestamp: float, id_gen: Iterator[int]) -> None:
        """The deck and its note types (genanki's part; ``self.notes`` stays empty, so no id is taken)."""
        super().write_to_db(cursor, timestamp, id_gen)

    def write_notes(
        self, cursor: sqlite3.Cursor, rows: Sequence[NoteRow], id_gen: Iterator[int]
    ) -> list[tuple[object, ...]]:
        """Insert the notes of ``rows`` (ids from ``id_gen``: each note's, then its cards'); returns their card rows.

        The deck's notes may come in several calls, in order; its card rows go in after the last
        (:meth:`write_cards`): the same statements as one call, so the same database.
        """
        deck_id = self.deck_id
        notes: list[tuple[object, ...]] = []
        cards: list[tuple[object, ...]] = []
        wanted = self._wanted
        for model, fields, tags, guid, mtime in rows:
            if len(fields) != len(model.fields):
                raise ValueError(f"{model.name}: {len(model.fields)} fields, but a note has {len(fields)}")
            note_id = next(id_gen)
            notes.append((
                note_id, guid, model.model_id, mtime, -1, " " + " ".join(tags) + " ", "\x1f".join(fields),
                fields[model.sort_field_index], 0, 0, "",
            ))
            if model.model_type == genanki.Model.CLOZE:
                ords = [card.ord for card in genanki.Note(model=model, fields=fields).cards]
            else:
                req = wanted.get(model.model_id)
                if req is None:
                    req = wanted[model.model_id] = [(o, any if how == "any" else all, f) for o, how, f in model._req]
                ords = [o for o, test, need in req if test(fields[i] for i in need)]
            for card_ord in ords:
                cards.append((next(id_gen), note_id, deck_id, card_ord, mtime, -1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, ""))
        cursor.executemany("INSERT INTO notes VALUES(?,?,?,?,?,?,?,?,?,?,?);", notes)
        return cards

    @staticmethod
    def write_cards(cursor: sqlite3.Cursor, cards: Sequence[tuple[object, ...]]) -> None:
        """Insert the deck's card rows (:meth:`write_notes`'), once all its notes are in."""
        cursor.executemany("INSERT INTO cards VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?);", cards)


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
