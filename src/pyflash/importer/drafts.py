"""Draft decks: parsed notes -> draft cards, grouped into one deck per section.

* one deck per top-level section (``##``; ``#`` when the file has several
  ``#`` headings), named ``PREFIX::Section``; text before the first section
  goes into a deck named ``PREFIX``;
* deeper headings become tags, and the question shows them as context;
* every heading with direct content becomes at least one card: one per
  non-empty code block, else one for the prose; a paragraph ending with ``:``
  leads into the next block, any other paragraph after a block is a remark
  on the block above it (nothing is dropped);
* a section that is one definition list (``- **term**: explanation``) gives
  one card per term;
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

from pyflash.importer.lang import clean_code, detect_lang
from pyflash.importer.markdown import Block
from pyflash.importer.notes import SECTION_SEP, Heading, Notes, Skipped
from pyflash.importer.sections import Definition
from pyflash.importer.segments import NUMBER_WORDS, Segment, is_byline, lead_question, prose, segments

__all__ = ["DRAFT_QUESTION", "TODO_ANSWER", "CodeChange", "DraftCard", "DraftDeck", "Drafts", "build_drafts", "card_id"]

DRAFT_QUESTION = "draft-question"  # the tag of a question the importer had to make up

TODO_ANSWER = "TODO: the notes have no text here; write what this code shows."
TODO_EMPTY_CODE = "TODO: the notes have only an empty code block here."


@dataclass(frozen=True, slots=True)
class DraftCard:
    """One card of a draft deck (fields in the order they are written).

    ``origin`` (the notes' lines of the prose in ``a``, as ``(first, end)``
    1-based, end excluded) and ``term`` (a definition's term, moved into
    ``q``) are not written; the fidelity tests read them.
    """

    id: str
    q: str
    a: str
    source: str
    code: str | None = None
    lang: str | None = None
    note: str | None = None
    tags: tuple[str, ...] = ()
    origin: tuple[tuple[int, int], ...] = ()
    term: str | None = None


@dataclass(frozen=True, slots=True)
class DraftDeck:
    filename: str  # e.g. ``01-shell-basics.yaml``
    deck: str  # the deck name, ``PREFIX::Section``
    description: str
    cards: tuple[DraftCard, ...]
    first_line: int  # where the section starts in the notes


@dataclass(frozen=True, slots=True)
class CodeChange:
    """A code block whose text on the card is not the notes' text, and why."""

    line: int
    why: str


@dataclass(frozen=True, slots=True)
class Drafts:
    """The draft decks for one notes file, and what the report says about it."""

    notes_name: str  # the notes file as given
    decks: tuple[DraftDeck, ...]  # only decks with cards, in notes order
    empty: tuple[Heading, ...]  # headings with no content and no subheadings
    untitled: tuple[Heading, ...]  # headings with no text
    relabelled: int  # code blocks whose label did not fit their content
    todo: int  # cards whose answer starts with TODO
    code_kept: int = 0  # code blocks whose text is on a card byte for byte
    code_changed: tuple[CodeChange, ...] = ()  # the others, with why (each card's note says it too)
    images: int = 0  # images carried into answers
    formulas: int = 0  # formula images carried as $TeX$
    skipped: tuple[Skipped, ...] = ()  # front matter, bylines, tables of contents
    draft_questions: int = 0  # cards tagged draft-question

    @property
    def card_count(self) -> int:
        return sum(len(d.cards) for d in self.decks)


def _slug(text: str, ascii_only: bool = False, limit: int = 48) -> str:
    text = unicodedata.normalize("NFKC", text).lower()
    if ascii_only:
        text = text.encode("ascii", "ignore").decode()
    slug = re.sub(r"[^\w]+", "-", text).strip("-_")
    return slug[:limit].strip("-_")


def card_id(prefix: str, source: str, n: int = 1, term: str | None = None) -> str:
    """A stable id from the deck prefix and the heading path (``-2``... for more).

    A definition's card adds its ``term``, so each term keeps its id when the
    others change.
    """
    key = f"{prefix}\x00{source}" if term is None else f"{prefix}\x00{source}\x00{term}"
    digest = hashlib.blake2b(key.encode(), digest_size=4).hexdigest()
    last = term if term is not None else source.rsplit(SECTION_SEP, 1)[-1]
    base = f"{_slug(last, ascii_only=True, limit=32) or 'note'}-{digest}"
    return base if n == 1 else f"{base}-{n}"


def _question(plain_path: dict[int, str], skip: int) -> str:
    """The heading as it reads, after its parents below the section level."""
    parts = [plain_path[lvl] for lvl in sorted(plain_path) if plain_path[lvl]]
    parts = parts[skip:] or parts[-1:]
    return " › ".join(parts)


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
        self.root: _OpenDeck | None = None  # the title's deck: text before the sections
        self.plain_path: dict[int, str] = {}  # level -> plain heading text, section level and deeper
        self.used_ids: dict[str, int] = {}
        self.empty: list[Heading] = []
        self.untitled: list[Heading] = []
        self.skipped: list[Skipped] = []
        self.changed: list[CodeChange] = []
        self.relabelled = 0
        self.todo = 0
        self.kept = 0
        self.images = 0
        self.formulas = 0
        self.draft_questions = 0

    def new_deck(self, name: str, title: str, line: int) -> _OpenDeck:
        deck = _OpenDeck(_slug(title) or "section", name, line)
        self.decks.append(deck)
        return deck

    def root_deck(self, line: int) -> _OpenDeck:
        if self.root is None:
            self.root = self.new_deck(self.prefix, self.prefix, line)
        return self.root

    def add_root(self, blocks: Sequence[Block], q: str, source: str, line: int) -> None:
        """Text before the first section (or under the title): bylines skipped."""
        kept: list[Block] = []
        for i, block in enumerate(blocks):
            if i < 2 and is_byline(block, first=i == 0):
                self.skipped.append(Skipped(block.line, "byline"))
            else:
                kept.append(block)
        if kept:
            self.add_cards(self.root_deck(line), kept, q, source, ())

    def ids(self, source: str, term: str | None = None) -> str:
        key = source if term is None else f"{source}\x00{term}"
        self.used_ids[key] = self.used_ids.get(key, 0) + 1
        return card_id(self.prefix, source, self.used_ids[key], term)

    def add_heading(self, h: Heading) -> None:
        for lvl in [lvl for lvl in self.plain_path if lvl >= h.level]:
            del self.plain_path[lvl]
        if h.level >= self.level and h.text:
            self.plain_path[h.level] = h.plain or h.text
        if h.level < self.level:  # the title: its text goes into the title's deck
            self.current = None
            if not h.text:
                self.untitled.append(h)
            if h.blocks:
                self.add_root(h.blocks, h.plain or h.text or self.prefix, h.source or h.text or self.prefix, h.line)
                self.current = self.root
            elif h.text and not h.has_children and not h.toc:
                self.empty.append(h)
            return
        if h.level == self.level:
            self._enter_section(h)
        if self.current is None:
            self.current = self.root_deck(h.line)
        if not h.text:
            self.untitled.append(h)
        if not h.blocks:
            if h.text and not h.has_children and not h.toc:
                self.empty.append(h)
            return
        source = h.source or h.text or self.prefix
        section_depth = 1 if h.level >= self.level else 0
        tags = tuple(_slug(p) for p in h.path[section_depth:] if _slug(p))
        q = _question(self.plain_path, section_depth) or h.plain or self.prefix
        if h.definitions:
            # the prose around the list (an introduction, a remark) is a card of its own
            lists = {d.node for d in h.definitions}
            rest = [b for b in h.blocks if b.line not in lists]
            if rest:
                self.add_cards(self.current, rest, q, source, tags)
            self.add_definitions(self.current, h.definitions, q, source, tags)
        else:
            self.add_cards(self.current, h.blocks, q, source, tags)

    def _enter_section(self, h: Heading) -> None:
        """Start the deck of a section heading (a second section of the same name gets ``(2)``)."""
        name = h.text.replace("::", ":") or f"Untitled (line {h.line})"
        deck = f"{self.prefix}::{name}"
        taken = {d.deck for d in self.decks}
        n = 2
        while deck in taken:
            deck = f"{self.prefix}::{name} ({n})"
            n += 1
        self.current = self.new_deck(deck, h.text or "untitled", h.line)

    def add_definitions(
        self, deck: _OpenDeck, items: Sequence[Definition], q: str, source: str, tags: tuple[str, ...]
    ) -> None:
        """One card per defined term: the term (in its section's context) asks, the explanation answers."""
        for item in items:
            self.images += item.images
            self.formulas += item.formulas
            deck.cards.append(
                DraftCard(
                    self.ids(source, item.term), f"{q} › {item.term}", item.text, source,
                    tags=tags, origin=((item.line, item.end),), term=item.term,
                )
            )

    def add_cards(self, deck: _OpenDeck, blocks: Sequence[Block], q: str, source: str, tags: tuple[str, ...]) -> None:
        """Cards for one heading's blocks."""
        parts, empty_code = segments(blocks)
        total = len(parts)
        leads = [lead_question(s.lead) for s in parts]
        for i, segment in enumerate(parts, start=1):
            question, card_tags = q, tags
            if total > 1:
                lead = leads[i - 1]
                if lead and leads.count(lead) == 1:
                    question = f"{q} › {lead}"
                else:
                    word = NUMBER_WORDS[total] if total < len(NUMBER_WORDS) else str(total)
                    question = f"{q} — {word} blocks: what does this code do? ({i}/{total})"
                    card_tags = (*tags, DRAFT_QUESTION)
                    self.draft_questions += 1
            card = self._card(segment, self.ids(source), question, source, card_tags, empty_code and i == total)
            deck.cards.append(card)

    def _card(self, segment: Segment, ident: str, q: str, source: str, tags: tuple[str, ...], empty_code: bool) -> DraftCard:
        answer = prose(segment.prose)
        notes: list[str] = []
        code = lang = None
        for block in segment.prose:
            self.images += block.images
            self.formulas += block.formulas
            self.kept += len(block.nested_code)
        if segment.code is not None:
            info = segment.code.info
            first = detect_lang(segment.code.text, info).lang
            code, removed = clean_code(segment.code.text, first) if not segment.code.from_html else (segment.code.text, ())
            lang, why = detect_lang(code, info)
            if why:
                notes.append(why[0].upper() + why[1:])
                self.relabelled += 1
            if segment.code.from_html:
                why = "the notes write this code as an HTML <pre> block: its text, tags removed and entities decoded"
                notes.append(f"The notes' code differs here: {why}.")
                self.changed.append(CodeChange(segment.code.line, why))
            elif removed:
                what = ", ".join(removed)
                why = f"removed editor markup that broke the Python (it parses only without it): {what}"
                notes.append(f"The notes' code differs here: {why}.")
                self.changed.append(CodeChange(segment.code.line, why))
            else:
                self.kept += 1
        if not answer:
            answer = TODO_ANSWER if segment.code is not None else TODO_EMPTY_CODE
            self.todo += 1
        if empty_code:
            notes.append("The notes have an empty code block here.")
        origin = tuple((b.line, b.end) for b in segment.prose)
        return DraftCard(ident, q, answer, source, code, lang, " ".join(notes) if notes else None, tags, origin)

    def finish(self, notes: Notes, notes_name: str) -> Drafts:
        name = Path(notes_name).name
        with_cards = [d for d in self.decks if d.cards]
        first_number = 0 if with_cards and with_cards[0] is self.root else 1
        decks = tuple(
            DraftDeck(
                f"{number:02d}-{d.slug}.yaml",
                d.deck,
                f"Draft from {name} (section at line {d.first_line}). Curate before studying.",
                tuple(d.cards),
                d.first_line,
            )
            for number, d in enumerate(with_cards, start=first_number)
        )
        skipped = tuple(sorted((*notes.skipped, *self.skipped), key=lambda s: s.line))
        return Drafts(
            notes_name, decks, tuple(self.empty), tuple(self.untitled), self.relabelled, self.todo,
            self.kept, tuple(self.changed), self.images, self.formulas, skipped, self.draft_questions,
        )


def build_drafts(notes: Notes, notes_name: str, prefix: str | None = None) -> Drafts:
    """Draft decks for parsed notes (nothing is written).

    ``prefix`` names the decks (``PREFIX::Section``); by default the notes'
    title, else the file name's stem. Text before the first section and text
    under the title go into one deck, named ``PREFIX``.
    """
    prefix = (prefix or notes.title or Path(notes_name).stem).replace("::", ":").strip() or "Notes"
    builder = _Builder(prefix, notes.section_level)
    if notes.preamble:
        builder.add_root(notes.preamble, prefix, prefix, 1)
    for heading in notes.headings:
        builder.add_heading(heading)
    return builder.finish(notes, notes_name)
