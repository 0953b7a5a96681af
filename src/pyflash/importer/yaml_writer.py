"""YAML writing: a draft deck as the text of a deck file.

Multi-line text is written as block scalars (``|``), trailing spaces removed,
so the drafts read like hand-written decks; tags are written in flow style
(``tags: [a, b]``). PyYAML quotes whatever would not read back as the same
string (``yes``, ``null``, ``0x1F``, a leading ``*``...), and falls back to a
quoted scalar where a block scalar cannot hold the text (a tab, for one).
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml
import yaml.emitter

from pyflash.importer.drafts import DraftCard, DraftDeck

__all__ = ["dump_deck"]

# Text a literal block scalar holds exactly: printable, no tabs, no carriage returns,
# no line starting with a space after an empty first line (PyYAML adds an
# indentation indicator for a leading space).
_BLOCK_SAFE = re.compile(r"[^\t\r\x00-\x08\x0b-\x1f\x7f\x85\u2028\u2029\ufeff]*")


class _Flow(list[str]):
    """A list written in flow style: ``tags: [a, b]``."""


class _DraftDumper(yaml.SafeDumper):
    """SafeDumper with block scalars for multi-line strings and flow-style tags.

    PyYAML will not write a block scalar whose lines end in spaces, although
    YAML keeps them; code is kept byte for byte, so such text is still
    written as a block scalar here (``| `` lines keep their spaces).
    """

    def analyze_scalar(self, scalar: str) -> yaml.emitter.ScalarAnalysis:
        analysis = super().analyze_scalar(scalar)
        if not analysis.allow_block and "\n" in scalar and _BLOCK_SAFE.fullmatch(scalar):
            analysis.allow_block = True
        return analysis


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


def _represent_flow(dumper: yaml.SafeDumper, value: _Flow) -> yaml.SequenceNode:
    return dumper.represent_sequence("tag:yaml.org,2002:seq", value, flow_style=True)


_DraftDumper.add_representer(str, _represent_str)
_DraftDumper.add_representer(_Flow, _represent_flow)


def _block_ready(value: str) -> str:
    """Multi-line text without empty lines around it, ending in exactly one newline.

    Spaces at the ends of lines are kept (in Markdown two of them are a line break).
    """
    if "\n" in value:
        value = value.strip("\n") + "\n"
    return value


def _card_mapping(card: DraftCard) -> dict[str, str | _Flow]:
    """The card's fields in the order they are written; unset ones left out.

    The code is written exactly as it is (it is the notes' text, byte for byte).
    """
    data: dict[str, str | _Flow] = {"id": card.id, "q": card.q, "a": card.a}
    if card.lang is not None:
        data["lang"] = card.lang
    if card.note is not None:
        data["note"] = card.note
    if card.tags:
        data["tags"] = _Flow(card.tags)
    data["source"] = card.source
    out = {k: _block_ready(v) if isinstance(v, str) else v for k, v in data.items()}
    if card.code is not None:
        out = {**dict(list(out.items())[:3]), "code": card.code, **dict(list(out.items())[3:])}
    return out


def dump_deck(deck: DraftDeck, notes_name: str) -> str:
    """The deck file's text: a header comment, then ``deck``, ``description``, ``cards``."""
    data = {
        "deck": deck.deck,
        "description": deck.description,
        "cards": [_card_mapping(card) for card in deck.cards],
    }
    header = (
        f"# Draft deck made by `pyflash import` from {Path(notes_name).name}.\n"
        "# Curate it: sharpen the questions, split long answers, fix the code.\n"
        "# Keep each card's `id` so its review history survives your edits.\n"
    )
    body = yaml.dump(data, Dumper=_DraftDumper, allow_unicode=True, sort_keys=False, width=10**9, default_flow_style=False)
    return header + body
