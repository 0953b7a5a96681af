"""The package's collection.anki2 built deck by deck while the cards are still being rendered.

After the last card is rendered, a cold export used to build every note and write every row
into SQLite, with both cores idle but one. Here, as the render workers hand back their cards
(in card order, :func:`pyflash.export.parallel.render_all`'s ``ready``), the notes are built in
card order (:class:`~pyflash.export.anki.package.NoteBuilder`, the same steps as
``build_package``) and written to SQLite in the package's deck order (by name): the deck next
in that order gets its deck and note-type rows once its first note is built, then its notes as
they are built, chunk by chunk, then its cards once its last note is in; then the next deck.
The statements are the ones ``genanki.Package.write_to_db`` runs, in the same order, on the
same kind of database (a deck's notes in several ``executemany`` calls instead of one), so the
collection is the same byte for byte (tests compare it). A deck's note types are written with
its first rows, so they are the deck's own, known from its cards before any is rendered (each
card's kind: front/back, cloze or reverse), added in the order its notes will add them.

The note ids count from the package timestamp, the newest note mtime, known for sure only at
the end. So a stream is only started when that timestamp is certain to be ``now``
(:func:`timestamp_is_now`: some note is new to the mtime ledger, and no note has a time as
late as ``now``), and :meth:`CollectionStream.finish` checks it again. A card with an image
(its fields need :func:`~pyflash.export.anki.media.localise`, in card order over every card)
stops the stream; :meth:`~CollectionStream.finish` then returns None and the export builds
the package the usual way (the ledger's stamps are idempotent, so nothing is counted twice).
"""

from __future__ import annotations

import itertools
import os
import sqlite3
import tempfile
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import genanki

from pyflash.core import Card
from pyflash.export.anki import notetype
from pyflash.export.render import Rendered

if TYPE_CHECKING:  # (package.py imports this module)
    from pyflash.export.anki.ledger import MtimeLedger
    from pyflash.export.anki.package import NoteBuilder

__all__ = ["CollectionStream", "collection_bytes", "timestamp_is_now"]


def collection_bytes(package: genanki.Package, timestamp: int) -> bytes:
    """The package's collection.anki2, built in memory."""
    conn = sqlite3.connect(":memory:")
    try:
        cursor = conn.cursor()
        package.write_to_db(cursor, timestamp, itertools.count(timestamp * 1000))
        conn.commit()
        if hasattr(conn, "serialize"):
            return conn.serialize()
    finally:
        conn.close()
    # Python built against an SQLite without serialize(): go through a file.
    fd, name = tempfile.mkstemp(suffix=".anki2")
    os.close(fd)
    try:
        conn = sqlite3.connect(name)
        try:
            package.write_to_db(conn.cursor(), timestamp, itertools.count(timestamp * 1000))
            conn.commit()
        finally:
            conn.close()
        return Path(name).read_bytes()
    finally:
        os.unlink(name)


def timestamp_is_now(cards: Sequence[Card], ledger: MtimeLedger, now: int) -> bool:
    """Whether the package timestamp (the newest note mtime) will be ``now``, whatever the cards render to.

    A note new to the ledger gets ``now``; a changed one ``max(now, old + 1)``, which is ``now``
    when every time in the ledger is older than ``now``; an unchanged one its older time.
    """
    if now < notetype.STYLE_MTIME:
        return False
    entries = ledger.entries
    if not any(card.note_key not in entries for card in cards):
        return False
    return all(int(entry[1]) < now for entry in entries.values())


class CollectionStream:
    """collection.anki2 for ``cards`` (one per note, in export order), built as their HTML arrives."""

    def __init__(self, cards: Sequence[Card], builder: NoteBuilder, timestamp: int) -> None:
        self.cards = cards
        self.builder = builder
        self.timestamp = timestamp
        self.done = 0  # cards[:done] are built into notes
        self.left = Counter(card.deck for card in cards)  # notes of each deck not built yet
        self.order = sorted(self.left)  # the package's deck order (genanki writes decks in list order)
        self.written = 0  # decks of self.order written to SQLite
        self.kinds: dict[str, list[str]] = {}  # deck -> its note types (NoteBuilder.models keys), in order of use
        for card in cards:
            kind = "cloze" if card.cloze is not None else "reverse" if card.reverse else ""
            used = self.kinds.setdefault(card.deck, [])
            if kind not in used:
                used.append(kind)
        self.flushed = -1  # notes of the deck being written (self.order[self.written]) in SQLite; -1: not begun
        self.pending: list[tuple[object, ...]] = []  # its card rows, written after its last note
        self.stopped = False
        self._conn: sqlite3.Connection | None = None
        self._cursor: sqlite3.Cursor | None = None
        self._ids = itertools.count(timestamp * 1000)  # the id counter build_package's caller passes genanki

    def ready(self, rendered: Sequence[Rendered | None]) -> None:
        """Build the notes of the cards now rendered (None: not yet) after the last built, and write complete decks."""
        if self.stopped:
            return
        i, total, cards, builder, left = self.done, len(rendered), self.cards, self.builder, self.left
        while i < total:
            parts = rendered[i]
            if parts is None:
                break
            if "<img" in parts.question or "<img" in parts.answer or "<img" in parts.note:  # media.localise's test
                self.stop()
                return
            card = cards[i]
            builder.add(i, card, parts, False)
            left[card.deck] -= 1
            i += 1
        self.done = i
        self._flush()

    def _flush(self) -> None:
        """Write what is built of the decks next in the package's order: whole decks, then the next one's notes."""
        order, left, decks = self.order, self.left, self.builder.decks
        while self.written < len(order):
            name = order[self.written]
            deck = decks.get(name)
            if deck is None:  # none of its notes built yet
                return
            cursor = self._cursor
            if cursor is None:
                self._conn = sqlite3.connect(":memory:")
                cursor = self._cursor = self._conn.cursor()
                genanki.Package([]).write_to_db(cursor, self.timestamp, self._ids)  # the schema and the col row
            if self.flushed < 0:
                models = self.builder.models
                for kind in self.kinds[name]:  # the note types its notes will add, in the same order
                    if models[kind].model_id not in deck.models:
                        deck.add_model(models[kind])
                deck.write_head(cursor, self.timestamp, self._ids)
                self.flushed = 0
            rows = deck.rows
            if len(rows) > self.flushed:
                self.pending += deck.write_notes(cursor, rows[self.flushed :], self._ids)
                self.flushed = len(rows)
            if left[name]:
                return
            deck.write_cards(cursor, self.pending)
            self.pending = []
            self.flushed = -1
            self.written += 1

    def stop(self) -> None:
        """Give up: the export builds the package the usual way."""
        self.stopped = True
        if self._conn is not None:
            self._conn.close()
            self._conn = self._cursor = None

    def finish(self) -> bytes | None:
        """The collection's bytes, or None when the stream stopped or its timestamp turned out wrong."""
        conn = self._conn
        if (
            self.stopped
            or conn is None
            or self.written != len(self.order)
            or self.builder.newest != self.timestamp
            or not hasattr(conn, "serialize")
        ):
            self.stop()
            return None
        conn.commit()
        data = conn.serialize()
        self.stop()
        return data
