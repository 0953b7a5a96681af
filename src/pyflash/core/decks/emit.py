"""Writing a card as YAML text that the deck loader reads back as the same values.

Used by ``pyflash add`` (:mod:`pyflash.core.decks.add`), which appends the
text to a deck file and then reads the whole file again before writing it.

* Text on one line is written plain when that is safe (``q: How do you unzip
  a list?``), else in single quotes, else in double quotes with escapes.
* Text over several lines is a literal block scalar (``|``, ``|-`` or
  ``|+`` for its final line breaks, with an indentation indicator when its
  first line starts with a space).
* ``quote_all``: every value double-quoted, escapes for anything unusual; this
  always reads back exactly, and is the fallback when a styled value does not.
* Tags are a flow list: ``tags: [python, io]``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

__all__ = ["CardFields", "block_item", "double_quoted", "flow_item", "scalar_inline"]

# (key, value) in the order written: a text, or a list of texts (tags).
CardFields = Sequence[tuple[str, "str | tuple[str, ...]"]]

_NULLS = frozenset({"", "~", "null", "Null", "NULL"})
# Characters that YAML would not keep as they are in a plain or quoted scalar.
_UNUSUAL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff\ud800-\udfff]")
_PLAIN_FIRST = set("-?:,[]{}#&*!|>'\"%@`")
_FLOW_FORBIDDEN = set(",[]{}")
# Plain words other YAML readers take for a boolean, a number or a date: quoted, though pyflash reads text.
_LOOKS_TYPED = re.compile(
    r"(?i)y|n|yes|no|true|false|on|off|[-+]?\.(inf|nan)|[-+]?[0-9][0-9_.:eE+-]*|0x[0-9a-f_]+|0o[0-7_]+"
)


def double_quoted(text: str) -> str:
    """``text`` as a YAML double-quoted scalar on one line (always reads back exactly)."""
    out = ['"']
    for ch in text:
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ch == "\r":
            out.append("\\r")
        elif _UNUSUAL.match(ch) or ch == "\x85":
            code = ord(ch)
            out.append(f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def _plain_ok(text: str, *, flow: bool) -> bool:
    """True when ``text`` can be written as a plain scalar and read back as itself."""
    if text in _NULLS or text == "<<" or text != text.strip() or text[0] in _PLAIN_FIRST:
        return False
    if _LOOKS_TYPED.fullmatch(text):
        return False
    if "\n" in text or "\r" in text or "\t" in text or "\x85" in text or _UNUSUAL.search(text):
        return False
    if ": " in text or " #" in text or text.endswith(":"):
        return False
    return not (flow and (any(ch in _FLOW_FORBIDDEN for ch in text) or ":" in text or "#" in text))


def scalar_inline(text: str, *, flow: bool = False, quote_all: bool = False) -> str:
    """A one-line scalar: plain when safe, else single-quoted, else double-quoted."""
    if quote_all:
        return double_quoted(text)
    if text and _plain_ok(text, flow=flow):
        return text
    if "\n" not in text and "\r" not in text and "\t" not in text and "\x85" not in text and not _UNUSUAL.search(text):
        if text == text.strip():  # (single quotes would keep the spaces, but they are easy to miss)
            return "'" + text.replace("'", "''") + "'"
    return double_quoted(text)


def _block_ok(text: str) -> bool:
    return (
        "\n" in text
        and "\r" not in text
        and "\x85" not in text
        and "\t" not in text
        and not _UNUSUAL.search(text)
        and bool(text.strip())
    )


def _block(text: str, indent: str, newline: str) -> str:
    """`` |-`` and the indented lines of a literal block scalar (after ``key:``)."""
    if text.endswith("\n\n"):
        chomp = "+"
    elif text.endswith("\n"):
        chomp = ""
    else:
        chomp = "-"
    body = text[:-1] if text.endswith("\n") else text
    lines = body.split("\n")
    first = next((line for line in lines if line.strip()), "")
    indicator = "2" if first[:1] == " " or any(line.strip() == "" and line for line in lines) else ""
    rendered = [indent + line if line else "" for line in lines]
    return f" |{indicator}{chomp}{newline}" + newline.join(rendered)


def _value(value: str | tuple[str, ...], indent: str, newline: str, quote_all: bool) -> str:
    """What follows ``key:``: `` value``, `` [a, b]`` or a block scalar."""
    if isinstance(value, tuple):
        return " [" + ", ".join(scalar_inline(v, flow=True, quote_all=quote_all) for v in value) + "]"
    if not quote_all and _block_ok(value):
        return _block(value, indent, newline)
    return " " + scalar_inline(value, quote_all=quote_all)


def block_item(
    fields: CardFields, *, dash: str = "  - ", key_indent: int = 4, newline: str = "\n", quote_all: bool = False
) -> str:
    """One card as an item of a block list: ``dash`` before the first key, the
    other keys at ``key_indent`` spaces; ends with ``newline``."""
    pad = " " * key_indent
    lines = []
    for i, (key, value) in enumerate(fields):
        lead = dash if i == 0 else pad
        lines.append(f"{lead}{key}:{_value(value, pad + '  ', newline, quote_all)}")
    return newline.join(lines) + newline


def flow_item(fields: CardFields) -> str:
    """One card as a flow mapping, for a flow list (``cards: [...]``): ``{id: x, q: "..."}``."""
    parts = []
    for key, value in fields:
        if isinstance(value, tuple):
            rendered = "[" + ", ".join(scalar_inline(v, flow=True) for v in value) + "]"
        else:
            rendered = scalar_inline(value, flow=True) if "\n" not in value else double_quoted(value)
        parts.append(f"{key}: {rendered}")
    return "{" + ", ".join(parts) + "}"
