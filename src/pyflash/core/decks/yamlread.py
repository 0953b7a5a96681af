"""From a deck file's bytes to a YAML node tree, or located errors.

Decks are parsed with PyYAML's safe composer (libyaml's ``CSafeLoader`` when
present) into a node tree; nothing is ever *constructed* from it here. PyYAML
itself is imported only when a file has to be parsed: ``pyflash decks`` on a
warm cache never imports it.
"""

from __future__ import annotations

import functools
import re
from typing import TYPE_CHECKING, Any

from pyflash.core.decks.nodes import MAP, MERGE, NULL, SEQ, STR, Problems
from pyflash.core.errors import utf8_error_position

if TYPE_CHECKING:
    from yaml.error import YAMLError
    from yaml.nodes import Node

_NULLS = frozenset({"", "~", "null", "Null", "NULL"})
# What YAML refuses in a stream (its "printable" set, inverted).
_NOT_PRINTABLE = "[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]"


@functools.cache
def _loader_class() -> type[Any]:
    """The safe loader (libyaml's when present) with a lean tag resolver.

    pyflash reads every plain scalar as the text written (``a: yes`` is
    "yes"), so the only implicit tags it needs are str, null and merge;
    PyYAML's regex resolver (a third of the parse time) is skipped. Explicit
    tags are left as written and refused by the validation.
    """
    import yaml  # deferred: start-up time (not needed on a warm cache)

    base: type[Any] = getattr(yaml, "CSafeLoader", None) or yaml.SafeLoader
    scalar, sequence = yaml.ScalarNode, yaml.SequenceNode

    def resolve(self: object, kind: type[Node], value: str, implicit: tuple[bool, bool]) -> str:
        if kind is scalar:
            if implicit[0]:
                if value in _NULLS:
                    return NULL
                if value == "<<":
                    return MERGE
            return STR
        return SEQ if kind is sequence else MAP

    def no_path_resolvers(self: object, *args: object) -> None:
        pass

    return type(
        "DeckLoader",
        (base,),
        {"resolve": resolve, "descend_resolver": no_path_resolvers, "ascend_resolver": no_path_resolvers},
    )


def decode(data: bytes, problems: Problems) -> str | None:
    """The text of a deck file (UTF-8, a BOM dropped), or None and an error."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line, col = utf8_error_position(data, exc)
        problems.at_pos(
            line,
            col,
            f"file is not valid UTF-8 (byte 0x{data[exc.start]:02x}); re-save it as UTF-8",
        )
        return None
    if text.startswith("\ufeff"):
        text = text[1:]
    return text


def compose(text: str, problems: Problems) -> Node | None:
    """The node tree of ``text``, or None (with an error, unless it holds no document)."""
    import yaml  # deferred: start-up time (not needed on a warm cache)

    try:
        return yaml.compose(text, Loader=_loader_class())
    except yaml.reader.ReaderError as exc:
        line, col = _unreadable_position(text, exc.position)
        problems.at_pos(line, col, f"YAML syntax error: {str(exc).splitlines()[0]}")
    except yaml.YAMLError as exc:
        _syntax_error(exc, problems, text)
    except (RecursionError, MemoryError):
        problems.at_pos(1, 1, "YAML is nested too deeply to be a deck")
    except Exception as exc:  # libyaml may raise odd errors on odd input
        problems.at_pos(1, 1, f"cannot parse YAML: {exc}")
    return None


def _unreadable_position(text: str, position: object) -> tuple[int, int]:
    """The 1-based line and column of the first character YAML refuses (a NUL byte...)."""
    found = re.search(_NOT_PRINTABLE, text)
    if found is not None:
        index = found.start()
    elif isinstance(position, int) and 0 <= position <= len(text):
        index = position
    else:
        return 1, 1
    line_start = text.rfind("\n", 0, index) + 1
    return text.count("\n", 0, index) + 1, index - line_start + 1


def _syntax_error(exc: YAMLError, problems: Problems, text: str) -> None:
    """Report a YAML syntax error at its mark, with a hint at the usual cause."""
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    context = getattr(exc, "context", None)
    context_mark = getattr(exc, "context_mark", None)
    message = f"YAML syntax error: {problem}"
    if context:
        message += f" ({context})"
    lowered = message.lower()
    lines = text.split("\n")
    line_text = lines[mark.line] if mark is not None and mark.line < len(lines) else ""
    if "end of stream" in lowered and "quoted scalar" in lowered and context_mark is not None:
        mark = context_mark
        message += "; a quote opened here is never closed"
    elif "\t" in line_text[: max(mark.column, 0) + 1 if mark is not None else 0] or line_text.startswith("\t"):
        message += "; indent with spaces, not tabs"
    elif "mapping values are not allowed" in lowered:
        message += "; check the indentation, or quote text that contains ': '"
    elif "expected a single document" in lowered:
        message += "; a deck file holds one document (remove the extra `---`)"
    elif "found character" in lowered and "cannot start any token" in lowered:
        message += "; quote text that starts with this character"
    elif "expected" in lowered:
        message += "; check the indentation of this line and the one above"
    if mark is not None:
        problems.at_pos(mark.line + 1, mark.column + 1, message)
    else:
        problems.at_pos(1, 1, message)
