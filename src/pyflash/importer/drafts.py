"""Draft decks: parsed notes -> draft cards, grouped into one deck per section.

* one deck per top-level section (``##``; ``#`` when the file has several
  ``#`` headings), named ``PREFIX::Section``; text before the first section
  goes into a deck named ``PREFIX``;
* deeper headings become tags, and the question shows them as context;
* every heading with direct content becomes at least one card: one per
  non-empty code block (its answer the prose before it), else one for the prose;
* every card carries ``source`` (the heading path, joined by `` / ``) and a
  stable ``id`` derived from it;
* headings with nothing under them make no card and are listed.

Nothing is written here; see :mod:`pyflash.importer.yaml_writer`.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pyflash.importer.lang import clean_code, detect_lang, normalise_lang
from pyflash.importer.markdown import Block, BlockKind
from pyflash.importer.notes import SECTION_SEP, Heading, Notes

__all__ = ["TODO_ANSWER", "DraftCard", "DraftDeck", "Drafts", "build_drafts", "card_id"]

TODO_ANSWER = "TODO: the notes have no text here; write what this code shows."
TODO_EMPTY_CODE = "TODO: the notes have only an empty code block here."


@dataclass(frozen=True, slots=True)
class DraftCard:
    """One card of a draft deck (fields in the order they are written)."""

    id: str
    q: str
    a: str
    source: str
    code: str | None = None
    lang: str | None = None
    note: str | None = None
    tags: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class DraftDeck:
    filename: str  # e.g. ``01-shell-basics.yaml``
    deck: str  # the deck name, ``PREFIX::Section``
    description: str
    cards: tuple[DraftCard, ...]
    first_line: int  # where the section starts in the notes


@dataclass(frozen=True, slots=True)
class Drafts:
    """The draft decks for one notes file, and what the report says about it."""

    notes_name: str  # the notes file as given
    decks: tuple[DraftDeck, ...]  # only decks with cards, in notes order
    empty: tuple[Heading, ...]  # headings with no content and no subheadings
    untitled: tuple[Heading, ...]  # headings with no text
    relabelled: int  # code blocks whose label did not fit their content
    todo: int  # cards whose answer starts with TODO

    @property
    def card_count(self) -> int:
        return sum(len(d.cards) for d in self.decks)


def _slug(text: str, ascii_only: bool = False, limit: int = 48) -> str:
    text = unicodedata.normalize("NFKC", text).lower()
    if ascii_only:
        text = text.encode("ascii", "ignore").decode()
    slug = re.sub(r"[^\w]+", "-", text).strip("-_")
    return slug[:limit].strip("-_")


def card_id(prefix: str, source: str, n: int = 1) -> str:
    """A stable id from the deck prefix and the heading path (``-2``... for more)."""
    digest = hashlib.blake2b(f"{prefix}\x00{source}".encode(), digest_size=4).hexdigest()
    last = source.rsplit(SECTION_SEP, 1)[-1]
    base = f"{_slug(last, ascii_only=True, limit=32) or 'note'}-{digest}"
    return base if n == 1 else f"{base}-{n}"


def _question(plain_path: dict[int, str], skip: int) -> str:
    """The heading as it reads, after its parents below the section level."""
    parts = [plain_path[lvl] for lvl in sorted(plain_path) if plain_path[lvl]]
    parts = parts[skip:] or parts[-1:]
    return " › ".join(parts)


def _prose(blocks: Sequence[Block]) -> str:
    return "\n\n".join(b.text for b in blocks).strip()


@dataclass(frozen=True, slots=True)
class _Segment:
    """What one card is made of: prose, and the code block it explains (if any)."""

    prose: tuple[Block, ...]
    code: Block | None


def _segments(blocks: Sequence[Block]) -> tuple[list[_Segment], bool]:
    """One segment per non-empty code block (with the prose before it), else
    one for the prose; prose after the last code joins the last segment.
    Also whether any code block was empty."""
    segments: list[_Segment] = []
    pending: list[Block] = []
    empty_code = False
    for block in blocks:
        if block.kind == BlockKind.PROSE:
            pending.append(block)
        elif block.text.strip():
            segments.append(_Segment(tuple(pending), block))
            pending = []
        else:
            empty_code = True
    if pending:
        if segments:
            segments[-1] = _Segment(segments[-1].prose + tuple(pending), segments[-1].code)
        else:
            segments.append(_Segment(tuple(pending), None))
    if not segments:  # only empty code fences
        segments.append(_Segment((), None))
    return segments, empty_code


@dataclass(slots=True)
class _OpenDeck:
    """A deck while cards are added to it."""

    slug: str
    deck: str
    first_line: int
    cards: list[DraftCard] = field(default_factory=list)


class _Builder:
    """Walks the headings in order, keeping the current deck and the counts."""

    def __init__(self, prefix: str, section_level: int) -> None:
        self.prefix = prefix
        self.level = section_level
        self.decks: list[_OpenDeck] = []
        self.current: _OpenDeck | None = None
        self.plain_path: dict[int, str] = {}  # level -> plain heading text, section level and deeper
        self.used_ids: dict[str, int] = {}
        self.empty: list[Heading] = []
        self.untitled: list[Heading] = []
        self.relabelled = 0
        self.todo = 0

    def new_deck(self, name: str, title: str, line: int) -> _OpenDeck:
        deck = _OpenDeck(_slug(title) or "section", name, line)
        self.decks.append(deck)
        return deck

    def add_heading(self, h: Heading) -> None:
        for lvl in [lvl for lvl in self.plain_path if lvl >= h.level]:
            del self.plain_path[lvl]
        if h.level >= self.level and h.text:
            self.plain_path[h.level] = h.plain or h.text
        if h.level <= self.level and not self._enter_section(h):
            return
        if self.current is None:
            self.current = self.new_deck(self.prefix, self.prefix, h.line)
        if not h.text:
            self.untitled.append(h)
        if not h.blocks:
            if h.text and not h.has_children:
                self.empty.append(h)
            return
        source = h.source or h.text or self.prefix
        section_depth = 1 if h.level >= self.level else 0
        tags = tuple(_slug(p) for p in h.path[section_depth:] if _slug(p))
        q = _question(self.plain_path, section_depth) or h.plain or self.prefix
        self.add_cards(self.current, h.blocks, q, source, tags)

    def _enter_section(self, h: Heading) -> bool:
        """Start the deck of a section (or higher) heading; False for a title
        heading with nothing under it, which makes no deck and no card."""
        name = h.text.replace("::", ":") or f"Untitled (line {h.line})"
        if h.level < self.level:  # the title heading, or a heading above the sections
            name = self.prefix if not h.text or h.text == self.prefix else f"{self.prefix}::{name}"
            if h.text == self.prefix and not h.blocks:
                self.current = None
                return False
        else:
            name = f"{self.prefix}::{name}"
        self.current = self.new_deck(name, h.text or "untitled", h.line)
        return True

    def add_cards(self, deck: _OpenDeck, blocks: Sequence[Block], q: str, source: str, tags: tuple[str, ...]) -> None:
        """Cards for one heading's blocks."""
        segments, empty_code = _segments(blocks)
        for i, segment in enumerate(segments, start=1):
            question = q if len(segments) == 1 else f"{q} ({i}/{len(segments)})"
            self.used_ids[source] = self.used_ids.get(source, 0) + 1
            ident = card_id(self.prefix, source, self.used_ids[source])
            deck.cards.append(self._card(segment, ident, question, source, tags, empty_code and i == len(segments)))

    def _card(self, segment: _Segment, ident: str, q: str, source: str, tags: tuple[str, ...], empty_code: bool) -> DraftCard:
        answer = _prose(segment.prose)
        notes: list[str] = []
        code = lang = None
        if segment.code is not None:
            info = segment.code.info
            code, stripped = clean_code(segment.code.text, normalise_lang(info.split()[0] if info.split() else None))
            lang, why = detect_lang(code, info)
            if why:
                notes.append(why[0].upper() + why[1:])
                self.relabelled += 1
            if stripped:
                notes.append("Removed HTML tags pasted into the code.")
        if not answer:
            answer = TODO_ANSWER if segment.code is not None else TODO_EMPTY_CODE
            self.todo += 1
        if empty_code:
            notes.append("The notes have an empty code block here.")
        return DraftCard(ident, q, answer, source, code, lang, " ".join(notes) if notes else None, tags)

    def finish(self, notes_name: str, first_number: int) -> Drafts:
        name = Path(notes_name).name
        decks = tuple(
            DraftDeck(
                f"{number:02d}-{d.slug}.yaml",
                d.deck,
                f"Draft from {name} (section at line {d.first_line}). Curate before studying.",
                tuple(d.cards),
                d.first_line,
            )
            for number, d in enumerate((d for d in self.decks if d.cards), start=first_number)
        )
        return Drafts(notes_name, decks, tuple(self.empty), tuple(self.untitled), self.relabelled, self.todo)


def build_drafts(notes: Notes, notes_name: str, prefix: str | None = None) -> Drafts:
    """Draft decks for parsed notes (nothing is written).

    ``prefix`` names the decks (``PREFIX::Section``); by default the notes'
    title, else the file name's stem.
    """
    prefix = (prefix or notes.title or Path(notes_name).stem).replace("::", ":").strip() or "Notes"
    builder = _Builder(prefix, notes.section_level)
    if notes.preamble:
        builder.add_cards(builder.new_deck(prefix, prefix, 1), notes.preamble, prefix, prefix, ())
    for heading in notes.headings:
        builder.add_heading(heading)
    return builder.finish(notes_name, 0 if notes.preamble else 1)
