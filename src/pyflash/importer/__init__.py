"""``pyflash import``: turn a Markdown notes file into draft YAML decks.

One concern a module, each importing only those before it:

* :mod:`~pyflash.importer.images`: images and formulas (``image_markdown``);
* :mod:`~pyflash.importer.markdown`: Markdown to card fields (``Block``);
* :mod:`~pyflash.importer.sections`: tables of contents, definition lists;
* :mod:`~pyflash.importer.notes`: notes parsing (``parse_notes`` -> ``Notes``);
* :mod:`~pyflash.importer.lang`: language detection (``detect_lang``);
* :mod:`~pyflash.importer.segments`: which prose goes with which code block;
* :mod:`~pyflash.importer.drafts`: draft decks and card ids (``build_drafts``);
* :mod:`~pyflash.importer.yaml_writer`: YAML writing (``dump_deck``);
* :mod:`~pyflash.importer.command`: the command (``import_notes``, ``report_lines``).

See docs/import.md for the rules. This package never imports textual and never
executes anything from the notes.
"""

from __future__ import annotations

from pyflash.importer.command import ImportReport, import_notes, read_notes, report_lines
from pyflash.importer.drafts import DraftCard, DraftDeck, Drafts, build_drafts, card_id
from pyflash.importer.lang import clean_code, detect_lang, normalise_lang
from pyflash.importer.markdown import Block, BlockKind
from pyflash.importer.notes import Heading, Notes, parse_notes, split_front_matter
from pyflash.importer.yaml_writer import dump_deck

__all__ = [
    "Block",
    "BlockKind",
    "DraftCard",
    "DraftDeck",
    "Drafts",
    "Heading",
    "ImportReport",
    "Notes",
    "build_drafts",
    "card_id",
    "clean_code",
    "detect_lang",
    "dump_deck",
    "import_notes",
    "normalise_lang",
    "parse_notes",
    "read_notes",
    "report_lines",
    "split_front_matter",
]
