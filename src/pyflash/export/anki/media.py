"""Images in exported cards: local files go into the package as media, remote ones stay links.

A card's Markdown image ``![alt](src)`` is rendered as ``<img src alt>``. Here:

* a **local** image (a path, relative to the card's deck file, or absolute)
  that exists is added to the package under a name made from its content
  (``pyflash-<16 hex digits>.png``), so the same picture is stored once and
  re-exports give the same package; the ``src`` becomes that name, as Anki's
  media folder expects;
* a **remote** image (``http://``, ``https://``, ``//``) becomes a link,
  ``[image: alt]``, to its address: Anki does not fetch it, and the card
  still says what was there;
* a ``data:`` image stays as it is;
* a local image that is missing becomes the text ``[image: alt] src`` and a
  warning names the card.
"""

from __future__ import annotations

import hashlib
import html
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote

from pyflash.core import Card
from pyflash.export.render import Rendered

__all__ = ["Media", "localise"]

_IMG = re.compile(r"<img\b[^>]*>", re.I)
_ATTR = re.compile(r'([a-zA-Z-]+)="([^"]*)"')
_REMOTE = re.compile(r"^(?:https?:)?//", re.I)
_FIELDS = ("question", "answer", "note")  # the rendered fields that hold Markdown


@dataclass
class Media:
    """The files to put into the package (name -> file), and what could not be found."""

    files: dict[str, Path] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    _names: dict[Path, str] = field(default_factory=dict)

    def add(self, path: Path) -> str | None:
        """The media name of a local file (added once), or None if it cannot be read."""
        try:
            path = path.resolve()
            name = self._names.get(path)
            if name is None:
                digest = hashlib.blake2b(path.read_bytes(), digest_size=8).hexdigest()
                name = f"pyflash-{digest}{path.suffix.lower()}"
                self._names[path] = name
                self.files[name] = path
        except OSError:
            return None
        return name


def _image_html(tag: str, card: Card, media: Media) -> str:
    attrs = {k.lower(): html.unescape(v) for k, v in _ATTR.findall(tag)}
    src, alt = attrs.get("src", ""), attrs.get("alt", "")
    label = html.escape(f"[image: {alt or 'image'}]", quote=False)
    if not src or src.startswith("data:"):
        return tag
    if _REMOTE.match(src):
        return f'<a href="{html.escape(src, quote=True)}">{label}</a>'
    path = Path(unquote(src.split("#", 1)[0].split("?", 1)[0]))
    if not path.is_absolute():
        path = Path(card.path).parent / path
    name = media.add(path) if path.is_file() else None
    if name is None:
        media.warnings.append(f"{card.path}:{card.line}: image {src} not found (the card shows it as text)")
        return f"{label} {html.escape(src, quote=False)}"
    return f'<img src="{html.escape(name, quote=True)}" alt="{html.escape(alt, quote=True)}">'


def _localise_field(text: str, card: Card, media: Media) -> str:
    return _IMG.sub(lambda m: _image_html(m.group(0), card, media), text)


def localise(cards: Sequence[Card], rendered: Sequence[Rendered]) -> tuple[list[Rendered], Media]:
    """The rendered cards with their images made Anki's (see the module doc), and the media."""
    media = Media()
    out: list[Rendered] = []
    for card, parts in zip(cards, rendered, strict=True):
        if "<img" not in parts.question and "<img" not in parts.answer and "<img" not in parts.note:  # = _FIELDS
            out.append(parts)
            continue
        out.append(parts._replace(**{f: _localise_field(getattr(parts, f), card, media) for f in _FIELDS}))
    return out, media
