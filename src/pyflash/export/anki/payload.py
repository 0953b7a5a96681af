"""The card's own text, carried in its Anki note so ``import-anki`` gets it back exactly.

An exported note holds HTML, and HTML does not convert back to the Markdown
it came from character for character. So the note's Key field also carries
the card's fields as written in the deck, in an HTML comment after the key::

    zip-unzip<!--pyflash:2:<digest>:{"id":"zip-unzip","q":...}-->

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

_VERSION = "2"  # 2: JSON as is (the package's deflate compresses it); 1: base64 of zlib'd JSON
_COMMENT = re.compile(r"<!--pyflash:(\d+):([0-9a-f]{16}):([^<>&-]*)-->\s*\Z")
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))  # built once: json.dumps(**kw) builds one a call


def _escaped(text: str) -> str:
    """JSON text with the characters that could end the comment or read as HTML as JSON escapes."""
    return text.replace("-", "\\u002d").replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


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
    # Written out rather than looped over: this runs for every card of every export.
    items = (
        ("id", card.id), ("q", card.q), ("a", card.a), ("code", card.code), ("lang", card.lang),
        ("output", card.output), ("note", card.note), ("source", card.source), ("cloze", card.cloze),
        ("variant", card.variant or None), ("deck", card.deck),
        ("tags", list(card.tags) or None), ("requires", list(card.requires) or None),
        ("accept", list(card.accept) or None), ("lint", list(card.lint) or None),
        ("type", "true" if card.type_in else None), ("reverse", "true" if card.reverse else None),
    )
    packed = _escaped(_ENCODER.encode({k: v for k, v in items if v is not None}))
    return f"{html.escape(card.key, quote=False)}<!--pyflash:{_VERSION}:{fields_digest(rendered)}:{packed}-->"


def decode_key_field(value: str) -> Payload:
    """The key and, when present and intact, the card's fields, from a Key field's text."""
    match = _COMMENT.search(value)
    if match is None:
        return Payload(html.unescape(_strip_tags(value)).strip(), None, None)
    key = html.unescape(_strip_tags(value[: match.start()])).strip()
    try:
        if match.group(1) == _VERSION:
            data = json.loads(match.group(3))
        elif match.group(1) == "1":
            data = json.loads(zlib.decompress(base64.b64decode(match.group(3), validate=True)).decode("utf-8"))
        else:
            return Payload(key, None, None)
    except (ValueError, zlib.error, UnicodeDecodeError):
        return Payload(key, None, None)
    if not isinstance(data, dict) or not isinstance(data.get("q", ""), str):
        return Payload(key, None, None)
    return Payload(key, data, match.group(2))


_TAG = re.compile(r"<[^>]*>")


def _strip_tags(text: str) -> str:
    return _TAG.sub("", text)
