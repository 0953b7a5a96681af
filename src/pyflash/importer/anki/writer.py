"""Imported cards as YAML deck files: one file per Anki deck, checked to load back exactly.

Every text is written so that pyflash's loader reads back the same string:
multi-line text as a block scalar where YAML allows it, else quoted. Each
file is parsed again with the deck loader before anything is written, and
compared field by field; a file that would not give back its cards is
written with every text double-quoted instead (always exact).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from pyflash.core import PyflashError
from pyflash.core.decks.loader import parse_deck_file
from pyflash.importer.anki.convert import ImportedCard

__all__ = ["ImportedDeck", "deck_filename", "group_decks", "render_deck"]

_TEXT_KEYS = ("q", "a", "code", "lang", "output", "note", "source", "cloze")
_LIST_KEYS = ("tags", "requires", "accept", "lint")
_FLAGS = {"type": "type_in", "reverse": "reverse"}


@dataclass(frozen=True, slots=True)
class ImportedDeck:
    name: str
    filename: str
    description: str | None
    cards: tuple[ImportedCard, ...]


class _Flow(list[str]):
    """A list written in flow style: ``tags: [a, b]``."""


class _Quoted(str):
    """A string written double-quoted."""


class _Dumper(yaml.SafeDumper):
    pass


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|" if "\n" in value else None)


def _represent_quoted(dumper: yaml.SafeDumper, value: _Quoted) -> yaml.ScalarNode:
    return dumper.represent_scalar("tag:yaml.org,2002:str", str(value), style='"')


def _represent_flow(dumper: yaml.SafeDumper, value: _Flow) -> yaml.SequenceNode:
    return dumper.represent_sequence("tag:yaml.org,2002:seq", value, flow_style=True)


_Dumper.add_representer(str, _represent_str)
_Dumper.add_representer(_Quoted, _represent_quoted)
_Dumper.add_representer(_Flow, _represent_flow)

_UNSAFE = re.compile(r"[^\w]+")


def deck_filename(name: str, taken: set[str]) -> str:
    """``Lang::Python`` -> ``lang-python.yaml`` (a number added if taken)."""
    stem = _UNSAFE.sub("-", name.casefold()).strip("-_") or "deck"
    candidate, n = stem, 1
    while candidate + ".yaml" in taken:
        n += 1
        candidate = f"{stem}-{n}"
    taken.add(candidate + ".yaml")
    return candidate + ".yaml"


def group_decks(cards: Sequence[ImportedCard], descriptions: Mapping[str, str]) -> list[ImportedDeck]:
    """One deck per Anki deck, by name; cards in note order."""
    by_deck: dict[str, list[ImportedCard]] = {}
    for card in cards:
        by_deck.setdefault(card.deck, []).append(card)
    taken: set[str] = set()
    return [
        ImportedDeck(name, deck_filename(name, taken), descriptions.get(name), tuple(by_deck[name]))
        for name in sorted(by_deck)
    ]


def _mapping(card: ImportedCard, quoted: bool) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in card.fields.items():
        if isinstance(value, list | tuple):
            out[key] = _Flow([_Quoted(v) if quoted else v for v in value])
        elif quoted:
            out[key] = _Quoted(value)
        else:
            out[key] = value
    return out


def _dump(deck: ImportedDeck, source: str, quoted: bool) -> str:
    data: dict[str, Any] = {"deck": _Quoted(deck.name) if quoted else deck.name}
    if deck.description:
        data["description"] = _Quoted(deck.description) if quoted else deck.description
    data["cards"] = [_mapping(card, quoted) for card in entries(deck)]
    header = (
        f"# Imported by `pyflash import-anki` from {source}.\n"
        "# Keep each card's `id`: a later import of the same notes updates these cards,\n"
        "# and the review history imported with --with-history is stored under it.\n"
    )
    return header + yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=10**9)


def entries(deck: ImportedDeck) -> list[ImportedCard]:
    """The deck's entries: the cards of one entry (cloze numbers, a reverse) are written once."""
    seen: set[str] = set()
    out = []
    for card in deck.cards:
        entry = card.entry or card.key
        if entry not in seen:
            seen.add(entry)
            out.append(card)
    return out


def _differences(deck: ImportedDeck, target: Path, body: str) -> list[str]:
    """What the loader reads back differently from the cards meant (empty: exact)."""
    loaded = parse_deck_file(target, body.encode("utf-8"))
    if loaded.errors:
        return [str(e) for e in loaded.errors]
    got_by_key = {c.key: c for c in loaded.cards}
    meant_keys = [c.key for c in deck.cards]
    if sorted(got_by_key) != sorted(set(meant_keys)):
        missing = sorted(set(meant_keys) ^ set(got_by_key))
        return [f"keys read back differ: {', '.join(missing[:3])}"]
    problems = []
    for meant in deck.cards:
        got = got_by_key[meant.key]
        for key in _TEXT_KEYS:
            value = meant.fields.get(key)
            if key == "q":
                value = (value or "").strip()
            if getattr(got, key) != value:
                problems.append(f"card {got.position}, {key}")
        for key in _LIST_KEYS:
            if list(getattr(got, key, ())) != list(meant.fields.get(key) or []):
                problems.append(f"card {got.position}, {key}")
        for key, attr in _FLAGS.items():
            if bool(getattr(got, attr, False)) != (str(meant.fields.get(key) or "false").casefold() == "true"):
                problems.append(f"card {got.position}, {key}")
    return problems


def render_deck(deck: ImportedDeck, target: Path, source: str) -> str:
    """The deck file's text, verified to load back as exactly these cards."""
    body = _dump(deck, source, quoted=False)
    if not _differences(deck, target, body):
        return body
    body = _dump(deck, source, quoted=True)
    problems = _differences(deck, target, body)
    if problems:  # a card the deck format cannot hold as given: a bug here, never the user's
        raise PyflashError(f"internal error: {target} would not load back ({problems[0]}); please report this")
    return body
