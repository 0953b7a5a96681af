"""Reading values out of a composed YAML node tree, with located errors.

pyflash never *constructs* anything from YAML: it walks the nodes that
:mod:`pyflash.core.decks.yamlread` composed and takes the text of each scalar
as written. Every problem is recorded with the ``line:col`` of its node, and
an explicit tag (``!!python/object/apply`` and friends) is refused.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

from pyflash.core.errors import DeckError

if TYPE_CHECKING:
    from yaml.nodes import Node

STR = "tag:yaml.org,2002:str"
NULL = "tag:yaml.org,2002:null"
SEQ = "tag:yaml.org,2002:seq"
MAP = "tag:yaml.org,2002:map"
MERGE = "tag:yaml.org,2002:merge"
# Scalars whose text we take as written: `a: yes` is the text "yes".
PLAIN_SCALARS = frozenset(
    {
        STR,
        "tag:yaml.org,2002:int",
        "tag:yaml.org,2002:float",
        "tag:yaml.org,2002:bool",
        "tag:yaml.org,2002:timestamp",
    }
)

# Names people write for a key, and the key pyflash means.
_ALIASES = {
    "question": "q",
    "front": "q",
    "answer": "a",
    "back": "a",
    "notes": "note",
    "tag": "tags",
    "language": "lang",
    "snippet": "code",
    "stdout": "output",
    "name": "deck",
    "title": "deck",
    "require": "requires",
    "key": "id",
}


class Problems:
    """Collects the errors of one file."""

    __slots__ = ("path", "errors")

    def __init__(self, path: str) -> None:
        self.path = path
        self.errors: list[DeckError] = []

    def at(self, node: Node, message: str) -> None:
        mark = node.start_mark
        self.errors.append(DeckError(self.path, mark.line + 1, mark.column + 1, message))

    def at_pos(self, line: int, col: int, message: str) -> None:
        self.errors.append(DeckError(self.path, line, col, message))


def did_you_mean(key: str, choices: Sequence[str]) -> str:
    """`` (did you mean 'q'?)`` or an empty string."""
    lowered = key.lower()
    if lowered in choices and lowered != key:
        return f" (did you mean '{lowered}'?)"
    alias = _ALIASES.get(lowered)
    if alias in choices:
        return f" (did you mean '{alias}'?)"
    import difflib  # deferred: start-up time (only needed for a misspelt key)

    close = difflib.get_close_matches(lowered, choices, n=1, cutoff=0.6)
    if close:
        return f" (did you mean '{close[0]}'?)"
    for near in difflib.get_close_matches(lowered, list(_ALIASES), n=3, cutoff=0.75):
        if _ALIASES[near] in choices:
            return f" (did you mean '{_ALIASES[near]}'?)"
    return f" (allowed keys: {', '.join(choices)})"


def kind_of(node: Node) -> str:
    """What a node holds, as the messages name it."""
    tag = node.tag
    if tag == MAP:
        return "a mapping"
    if tag == SEQ:
        return "a list"
    if tag == NULL:
        return "nothing (null)"
    return "text"


def bad_tag(node: Node) -> str | None:
    """The error for an explicit tag that is not plain data, else None."""
    tag = node.tag
    if tag in PLAIN_SCALARS or tag in (NULL, SEQ, MAP):
        return None
    shown = tag.replace("tag:yaml.org,2002:", "!!")
    return (
        f"YAML tag '{shown}' is not allowed: decks are plain data and pyflash never "
        "constructs objects from tags (remove the tag)"
    )


def text_of(node: Node, what: str, problems: Problems) -> str | None:
    """The text of a scalar node, or None (and an error) if it is not one."""
    bad = bad_tag(node)
    if bad:
        problems.at(node, f"{what}: {bad}")
        return None
    tag = node.tag
    if tag in PLAIN_SCALARS:
        text: str = node.value
        return text
    if tag == NULL:
        return None
    problems.at(node, f"{what}: must be text, found {kind_of(node)} (quote it, or use `|` for several lines)")
    return None


def text_list(node: Node, what: str, example: str, problems: Problems) -> tuple[str, ...] | None:
    """The stripped, de-duplicated texts of a list node (``()`` for null), or None on error."""
    bad = bad_tag(node)
    if bad:
        problems.at(node, f"{what}: {bad}")
        return None
    if node.tag == NULL:
        return ()
    if node.tag != SEQ:
        problems.at(node, f"{what}: must be a list of strings, e.g. `{example}`")
        return None
    items: list[str] = []
    ok = True
    for item in node.value:
        bad = bad_tag(item)
        if bad:
            problems.at(item, f"{what}: {bad}")
            ok = False
        elif item.tag in PLAIN_SCALARS:
            value = item.value.strip()
            if value:
                items.append(value)
        else:
            problems.at(item, f"{what}: must be a list of strings, found {kind_of(item)} in it, e.g. `{example}`")
            ok = False
    return tuple(dict.fromkeys(items)) if ok else None


def mapping_items(
    node: Node, where: str, problems: Problems, allowed: Sequence[str]
) -> Iterator[tuple[str, Node]]:
    """Yield (key, value_node) of a mapping, reporting bad and duplicate keys."""
    seen: dict[str, Node] = {}
    for key_node, value_node in node.value:
        if key_node.tag == MERGE:
            problems.at(key_node, f"{where}: YAML merge keys (<<) are not supported; write the keys out")
            continue
        if key_node.tag not in PLAIN_SCALARS:
            bad = bad_tag(key_node)
            problems.at(key_node, f"{where}: {bad or 'keys must be plain words'}")
            continue
        key: str = key_node.value
        if key not in allowed:
            problems.at(key_node, f"{where}: unknown key '{key}'{did_you_mean(key, allowed)}")
            continue
        if key in seen:
            first = seen[key].start_mark
            problems.at(
                key_node,
                f"{where}: key '{key}' appears twice (first at line {first.line + 1}); keep one",
            )
            continue
        seen[key] = key_node
        yield key, value_node


def value_position(node: Node, offset: int, source: str) -> tuple[int, int]:
    """The 1-based ``(line, col)`` in the file of character ``offset`` of a scalar's value.

    ``source`` is the file's text. The characters at ``offset`` (to the end of
    their line, at most 8) are looked up in the node's own range of the source,
    at the same occurrence as in the value: exact for block scalars (``|``,
    ``>``) and for quoted or plain scalars without escapes; else the node's start.
    """
    value: str = node.value
    start, end = node.start_mark, node.end_mark
    here = value[offset:]
    snippet = here[: min(8, len(here.split("\n", 1)[0]))]
    if snippet:
        lines = source.splitlines(keepends=True)
        first = sum(len(line) for line in lines[: start.line]) + start.column
        last = sum(len(line) for line in lines[: end.line]) + end.column
        nth = value.count(snippet, 0, offset) if len(snippet) == 1 else _occurrences(value, snippet, offset)
        at = first - 1
        for _ in range(nth + 1):
            at = source.find(snippet, at + 1, last)
            if at < 0:
                break
        if at >= 0:
            return source.count("\n", 0, at) + 1, at - source.rfind("\n", 0, at)
    return start.line + 1, start.column + 1


def _occurrences(text: str, snippet: str, before: int) -> int:
    """How many times ``snippet`` starts in ``text`` before ``before`` (overlaps counted)."""
    count = 0
    at = text.find(snippet)
    while 0 <= at < before:
        count += 1
        at = text.find(snippet, at + 1)
    return count
