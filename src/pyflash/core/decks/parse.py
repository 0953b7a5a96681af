"""Parsing and validating one deck file into a :class:`DeckFile`.

Decks are parsed with PyYAML's safe composer into a node tree (see
:mod:`pyflash.core.decks.yamlread`), and pyflash builds its cards from the
nodes itself. Nothing is ever *constructed* from a YAML tag, so
``!!python/object/apply`` and friends are refused with an error instead of
being run. Every error carries the ``path:line:col`` of the node it is about.

Checks that need more than one file (an ``id`` used in two files) are made by
:mod:`pyflash.core.decks.loader`.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from pyflash.core.decks import cloze
from pyflash.core.decks.model import CARD_KEYS, DECK_KEYS, LINT_RULES, Card, CardKind, DeckFile, derived_key
from pyflash.core.decks.nodes import (
    MAP,
    NULL,
    SEQ,
    Problems,
    bad_tag,
    did_you_mean,
    kind_of,
    mapping_items,
    text_list,
    text_of,
    value_position,
)
from pyflash.core.decks.sources import DeckReadError, read_deck_bytes
from pyflash.core.decks.yamlread import compose, decode
from pyflash.core.typable import SHORT_ANSWER, is_short_answer

if TYPE_CHECKING:
    from yaml.nodes import Node

__all__ = ["parse_deck_file"]

# Card keys whose value is a list of texts, with the example shown when it is not.
_LIST_KEYS = {
    "tags": "tags: [python, io]",
    "requires": "requires: [numpy]",
    "accept": "accept: [forty-two, 42]",
    "lint": "lint: [long-line]",
}
_QA, _OUTPUT = CardKind.QA, CardKind.OUTPUT  # (module globals: an enum's attributes are slow to look up)


def parse_deck_file(
    path: str | os.PathLike[str], data: bytes | None = None, *, keep_duplicates: bool = False
) -> DeckFile:
    """Parse and validate one deck file (read from ``path`` unless ``data`` is given).

    Never raises for bad content: the problems are in the result's ``errors``.
    Two cards of the file with one key: the later one is reported and left
    out; with ``keep_duplicates`` (the loader, which lets the review history
    decide which card keeps the key, see ``duplicates``) both are kept.
    """
    spath = str(path)
    problems = Problems(spath)
    cards: list[Card] = []
    result = DeckFile(spath, Path(spath).stem, cards=cards, errors=problems.errors)
    if data is None:
        try:
            data = read_deck_bytes(spath)
        except DeckReadError as exc:
            problems.at_pos(1, 1, str(exc))
            return result
    root, source = _root(data, problems)
    if root is None:
        return result
    cards_node = _deck_settings(root, result, problems)
    if cards_node is None:
        return result
    bad = bad_tag(cards_node)
    if bad:
        problems.at(cards_node, f"'cards': {bad}")
    elif cards_node.tag == SEQ:
        _parse_cards(cards_node.value, result, cards, problems, keep_duplicates, source)
    elif cards_node.tag != NULL:
        problems.at(cards_node, f"'cards' must be a list of cards (each starting with `- q:`), found {kind_of(cards_node)}")
    return result


def _root(data: bytes, problems: Problems) -> tuple[Node | None, str]:
    """The top mapping of a deck file, or None (and an error); and the file's text."""
    text = decode(data, problems)
    if text is None:
        return None, ""
    if not text.strip():
        problems.at_pos(1, 1, "file is empty; a deck needs at least `cards:` with one card (see docs/deck-format.md)")
        return None, text
    before = len(problems.errors)
    root = compose(text, problems)
    if root is None:
        if len(problems.errors) == before:
            problems.at_pos(1, 1, "file holds only comments; a deck needs at least `cards:` with one card")
        return None, text
    bad = bad_tag(root)
    if bad:
        problems.at(root, bad)
        return None, text
    if root.tag != MAP:
        problems.at(
            root,
            f"a deck file must be a mapping with a `cards:` list, found {kind_of(root)} "
            "(start the file with `deck: Name` and `cards:`)",
        )
        return None, text
    return root, text


def _deck_settings(root: Node, result: DeckFile, problems: Problems) -> Node | None:
    """Read the deck-level keys into ``result``; return the `cards:` node, or None."""
    cards_node = None
    before = len(problems.errors)
    for key, value in mapping_items(root, "deck", problems, DECK_KEYS):
        if key == "deck":
            name = text_of(value, "'deck'", problems)
            if name is not None:
                parts = name.strip().split("::")
                if not name.strip() or any(not p.strip() for p in parts):
                    problems.at(value, "'deck' must be a name like `Python` or `Python::Basics` (no empty parts around ::)")
                else:
                    result.deck = "::".join(p.strip() for p in parts)
        elif key == "description":
            result.description = text_of(value, "'description'", problems)
        elif key == "lang":
            lang = text_of(value, "'lang'", problems)
            result.lang = lang.strip() if lang and lang.strip() else None
        elif key == "tags":
            result.tags = text_list(value, "'tags'", "tags: [python, basics]", problems) or ()
        elif key == "cards":
            cards_node = value
    if cards_node is None and len(problems.errors) == before:
        # (with an error already, e.g. `card:` misspelt, that error says it all)
        problems.at(root, "the deck has no `cards:` list (add `cards:` with at least one card)")
    return cards_node


# A card's keys as read: texts (None where null) and lists of texts (None on error).
_Texts = dict[str, str | None]
_Lists = dict[str, tuple[str, ...] | None]


def _read_fields(node: Node, where: str, problems: Problems, values: dict[str, Node]) -> tuple[_Texts, _Lists]:
    """The keys of one card node; blank ``a`` and ``output`` read as absent (``values``: the value nodes)."""
    texts: _Texts = {}
    lists: _Lists = {}
    for key, value in mapping_items(node, where, problems, CARD_KEYS):
        values[key] = value
        label = f"{where}, key '{key}'"
        example = _LIST_KEYS.get(key)
        if example is not None:
            lists[key] = text_list(value, label, example, problems)
            if key == "lint" and lists[key] is not None:
                _check_lint_rules(value, label, problems)
            continue
        text = text_of(value, label, problems)
        if key in ("q", "a", "output") and text is not None and not text.strip():
            text = None if key != "q" else ""
        texts[key] = text
    return texts, lists


def _check_lint_rules(node: Node, label: str, problems: Problems) -> None:
    """An error at each entry of `lint:` that names no lint rule."""
    for item in node.value:
        name = item.value.strip()
        if name and name not in LINT_RULES:
            hint = did_you_mean(name, LINT_RULES).replace("allowed keys", "lint rules")
            problems.at(item, f"{label}: unknown lint rule '{name}'{hint}")


def _check_card(node: Node, where: str, texts: _Texts, problems: Problems) -> str | None:
    """Report what a card lacks; return its stripped ``id`` (or None)."""
    q = texts.get("q")
    if texts.get("cloze") is not None:
        _check_cloze_card(node, where, texts, problems)
    elif q is None:
        problems.at(node, f"{where}: 'q' is missing (every card needs a question: `q: ...`)")
    elif not q.strip():
        problems.at(node, f"{where}: 'q' is empty (write the question after `q:`)")
    kind = _QA if texts.get("output") is None else _OUTPUT
    if texts.get("cloze") is not None:
        pass
    elif kind is _QA:
        if texts.get("a") is None and q:
            problems.at(node, f"{where}: needs an answer: add `a:` (or `output:` for a predict-the-output card)")
    elif texts.get("code") is None:
        problems.at(node, f"{where}: 'output' needs the `code:` that prints it")
    card_id = texts.get("id")
    if card_id is not None:
        card_id = card_id.strip()
        if not card_id:
            problems.at(node, f"{where}, key 'id': is empty (remove it, or give a stable name)")
    return card_id


def _check_cloze_card(node: Node, where: str, texts: _Texts, problems: Problems) -> None:
    """A cloze card's answer is its hidden text: no `a`, `code`, `output` or `reverse` beside `cloze`."""
    for key, why in (("a", "its answer is the hidden text"), ("code", "the code goes in `cloze:` itself"),
                     ("output", "a cloze is not a predict-the-output card"), ("reverse", "a cloze has no reverse")):
        if texts.get(key) is not None:
            problems.at(node, f"{where}: a `cloze:` card takes no '{key}' ({why}; remove it, or make two cards)")


def _reverse_of(node: Node, where: str, texts: _Texts, problems: Problems) -> bool:
    """The card's `reverse:` flag (true/false, yes/no); an error for anything else or a card that cannot turn."""
    raw = texts.get("reverse")
    if raw is None:
        return False
    flag = raw.strip().lower()
    if flag not in _FLAGS:
        problems.at(node, f"{where}, key 'reverse': must be true or false, found '{raw}'")
        return False
    if _FLAGS[flag] and texts.get("output") is not None:
        problems.at(node, f"{where}, key 'reverse': an output card cannot be reversed (only a `q:`/`a:` card)")
        return False
    return _FLAGS[flag]


_FLAGS = {"true": True, "yes": True, "on": True, "false": False, "no": False, "off": False}


def _cloze_spans(value: Node, where: str, text: str, problems: Problems, source: str) -> list[int]:
    """The cloze numbers of a `cloze:` text, or [] (and errors at each bad marker, inside the text)."""
    spans, errors = cloze.parse(text)
    for error in errors:
        line, col = value_position(value, error.offset, source)
        problems.at_pos(line, col, f"{where}, key 'cloze': {error.message}")
    return [] if errors else cloze.numbers(spans)


def _parse_cards(
    nodes: list[Node], result: DeckFile, cards: list[Card], problems: Problems, keep_duplicates: bool,
    source: str = "",
) -> None:
    """Validate every card node and append the good cards to ``cards``."""
    path = result.path
    seen_keys: dict[str, int] = {}
    for index, node in enumerate(nodes, start=1):
        where = f"card {index}"
        bad = bad_tag(node)
        if bad:
            problems.at(node, f"{where}: {bad}")
            continue
        if node.tag != MAP:
            problems.at(node, f"{where} must be a mapping with `q:` and `a:`, found {kind_of(node)}")
            continue
        before = len(problems.errors)
        values: dict[str, Node] = {}
        texts, lists = _read_fields(node, where, problems, values)
        if len(problems.errors) != before:
            continue  # a key already has an error; don't pile "missing" on top
        card_id = _check_card(node, where, texts, problems)
        if "type" in texts or lists.get("accept"):
            _check_typing(node, where, texts, lists, problems)
        reverse = _reverse_of(node, where, texts, problems)
        cloze_text = texts.get("cloze")
        variants = [""]
        if cloze_text is not None and len(problems.errors) == before:
            variants = [f"c{n}" for n in _cloze_spans(values["cloze"], where, cloze_text, problems, source)]
        elif reverse:
            variants = ["", "r"]
        if len(problems.errors) != before:
            continue
        q = texts.get("q") or ""
        note_key = card_id or derived_key(result.deck, q, texts.get("code") if cloze_text is None else cloze_text)
        for variant in variants:
            key = f"{note_key}#{variant}" if variant else note_key
            other = seen_keys.get(key)
            if other is not None and not keep_duplicates:
                at = f"{path}:{_line_of(cards, other)}"
                if card_id:
                    problems.at(node, f"{where}: duplicate id '{card_id}' (also card {other} at {at}); ids must be unique")
                else:
                    problems.at(node, f"{where}: same question and code as card {other} at {at}; merge them or give one an `id`")
                break
            seen_keys.setdefault(key, index)
            cards.append(_card(key, card_id, q, texts, lists, result, node, index)._replace(variant=variant, reverse=reverse))


def _card(
    key: str, card_id: str | None, q: str, texts: _Texts, lists: _Lists, deck: DeckFile, node: Node, index: int
) -> Card:
    """The card of a validated node; deck-level ``tags`` and ``lang`` filled in."""
    tags = lists.get("tags") or ()
    if deck.tags:
        tags = tuple(dict.fromkeys(deck.tags + tags))
    get = texts.get
    lang = get("lang")
    lang = lang.strip() if lang else deck.lang
    mark = node.start_mark
    return Card(
        key,
        card_id or None,
        deck.deck,
        q.strip(),
        get("a"),
        get("code"),
        lang or None,
        get("output"),
        get("note"),
        tags,
        get("source"),
        lists.get("requires") or (),
        deck.path,
        mark.line + 1,
        mark.column + 1,
        index,
        (get("type") or "").casefold() in _TRUE,
        lists.get("accept") or (),
        lists.get("lint") or (),
        get("cloze"),
    )


_TRUE = ("true", "yes", "on")
_FALSE = ("false", "no", "off")


def _check_typing(node: Node, where: str, texts: _Texts, lists: _Lists, problems: Problems) -> None:
    """``type`` is true or false; a typed q/a answer is one short line; ``accept`` needs ``type: true``."""
    spots = {k.value: (k, v) for k, v in node.value if isinstance(k.value, str) and k.value in ("type", "accept")}
    flag = (texts.get("type") or "false").strip().casefold()
    if "type" in spots and flag not in _TRUE + _FALSE:
        problems.at(spots["type"][1], f"{where}, key 'type': must be true or false (`type: true` to type the answer)")
        return
    typed = flag in _TRUE
    accept = lists.get("accept") or ()
    output = texts.get("output") is not None
    cloze = texts.get("cloze") is not None  # typed: each hidden span is checked as it is written
    if accept and (output or cloze or not typed):
        fix = (
            f"{'an output' if output else 'a cloze'} card is checked against its {'output' if output else 'hidden text'}; "
            "remove 'accept'" if output or cloze else "add `type: true`, or remove 'accept'"
        )
        problems.at(spots["accept"][0], f"{where}, key 'accept': lists other typed answers of a q/a card ({fix})")
        return
    if typed and not output and not cloze and not is_short_answer(texts.get("a")):
        problems.at(
            spots["type"][0],
            f"{where}, key 'type': `type: true` needs an answer of one short line (at most {SHORT_ANSWER} columns) "
            "to check typing against; shorten 'a', or remove 'type'",
        )
        return
    for item in accept:
        if not is_short_answer(item):
            problems.at(spots["accept"][1], f"{where}, key 'accept': each answer must be one short line (at most {SHORT_ANSWER} columns)")
            return


def _line_of(cards: list[Card], position: int) -> int:
    for card in cards:
        if card.position == position:
            return card.line
    return 0
