"""The card's own text, carried in its Anki note so ``import-anki`` gets it back exactly.

An exported note holds HTML, and HTML does not convert back to the Markdown
it came from character for character. So the note's Key field also carries
the card's fields as written in the deck, in an HTML comment after the key::

    zip-unzip<!--pyflash:1:<digest>:<base64 of zlib'd JSON>-->

Anki ignores comments (its duplicate check and the browser strip them), the
Key field is collapsed in Anki's editor and no template shows it. ``digest``
is a hash of the note's rendered fields (Question ... Source): when someone
edits the note in Anki, the digest no longer matches, and ``import-anki``
converts the edited HTML instead of using the stored text (docs/import-anki.md).
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import re
import zlib
from collections.abc import Sequence
from typing import Any, NamedTuple

from pyflash.core import Card

__all__ = ["Payload", "decode_key_field", "encode_key_field", "fields_digest"]

_VERSION = "1"
_COMMENT = re.compile(r"<!--pyflash:(\d+):([0-9a-f]{16}):([A-Za-z0-9+/=]*)-->\s*\Z")
# The Card fields carried (the deck is used when Anki made no card of the note; the key follows from these).
_TEXT_KEYS = ("id", "q", "a", "code", "lang", "output", "note", "source", "cloze", "variant", "deck")
_LIST_KEYS = ("tags", "requires", "accept", "lint")
_FLAG_KEYS = {"type": "type_in", "reverse": "reverse"}  # deck key -> Card field (true when set)


class Payload(NamedTuple):
    """What :func:`decode_key_field` found in a Key field."""

    key: str  # the card key (the visible part of the field)
    fields: dict[str, Any] | None  # the card's fields as written, or None (no comment, or damaged)
    digest: str | None  # the rendered fields' digest when exported


def fields_digest(rendered: Sequence[str]) -> str:
    """A digest of a note's rendered fields (every field after Key), to notice edits in Anki."""
    blob = "\x1f".join(rendered).encode("utf-8", "surrogatepass")
    return hashlib.blake2b(blob, digest_size=8).hexdigest()


def encode_key_field(card: Card, rendered: Sequence[str]) -> str:
    """The Key field: the escaped key, then the comment holding the card's fields."""
    data: dict[str, Any] = {k: getattr(card, k, None) for k in _TEXT_KEYS if getattr(card, k, None) is not None}
    for k in _LIST_KEYS:
        if getattr(card, k, None):
            data[k] = list(getattr(card, k))
    if not data.get("variant"):
        data.pop("variant", None)
    for k, attr in _FLAG_KEYS.items():
        if getattr(card, attr, False):
            data[k] = "true"
    raw = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8", "surrogatepass")
    packed = base64.b64encode(zlib.compress(raw, 6)).decode("ascii")
    return f"{html.escape(card.key, quote=False)}<!--pyflash:{_VERSION}:{fields_digest(rendered)}:{packed}-->"


def decode_key_field(value: str) -> Payload:
    """The key and, when present and intact, the card's fields, from a Key field's text."""
    match = _COMMENT.search(value)
    if match is None:
        return Payload(html.unescape(_strip_tags(value)).strip(), None, None)
    key = html.unescape(_strip_tags(value[: match.start()])).strip()
    if match.group(1) != _VERSION:
        return Payload(key, None, None)
    try:
        data = json.loads(zlib.decompress(base64.b64decode(match.group(3), validate=True)).decode("utf-8"))
    except (ValueError, zlib.error, UnicodeDecodeError):
        return Payload(key, None, None)
    if not isinstance(data, dict) or not isinstance(data.get("q", ""), str):
        return Payload(key, None, None)
    return Payload(key, data, match.group(2))


_TAG = re.compile(r"<[^>]*>")


def _strip_tags(text: str) -> str:
    return _TAG.sub("", text)
