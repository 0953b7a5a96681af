"""``pyflash import-anki``: read the package, convert, write the decks (and history), report.

Nothing is written to the output folder until every deck file has been
rendered and checked to load back: a malformed or password-protected package,
or a file that exists without ``--force``, leaves the folder untouched.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from pyflash.core import PyflashError
from pyflash.core.decks.model import in_deck
from pyflash.importer.anki.convert import Conversion, convert_notes, html_to_markdown
from pyflash.importer.anki.reader import AnkiPackage, read_package
from pyflash.importer.anki.writer import ImportedDeck, group_decks, render_deck
from pyflash.importer.command import exists_message, write_drafts

__all__ = ["AnkiImport", "import_anki", "report_lines"]

# Called with the package and the converted cards before the decks are written
# (the --with-history step: it may raise, and then nothing is written).
HistoryStep = Callable[[AnkiPackage, Conversion], list[str]]


@dataclass
class AnkiImport:
    package: Path
    out: Path
    decks: list[ImportedDeck]
    conversion: Conversion
    media: int
    media_copied: int | None  # None: --media not given
    notes: int
    history: list[str] = field(default_factory=list)  # the history step's report lines


_ID_LINE = re.compile(r"""^\s*(?:-\s+)?id:\s*["']?([^\s"'#]+)""", re.M)


def known_ids(out: Path) -> dict[str, str]:
    """Every suffix after a ``-`` of the ids already in ``out``'s decks -> that id (re-imports keep ids)."""
    known: dict[str, str] = {}
    if not out.is_dir():
        return known
    for path in sorted(out.glob("*.y*ml")):
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        for card_id in _ID_LINE.findall(text):
            parts = card_id.split("-")
            for i in range(1, len(parts)):
                known.setdefault("-".join(parts[i:]), card_id)
    return known


def _select(pkg: AnkiPackage, deck: str | None) -> AnkiPackage:
    if not deck:
        return pkg
    names = {n.deck for n in pkg.notes}
    chosen = next((name for name in sorted(names) if name.casefold() == deck.casefold()), None)
    parents = {p for name in names for p in _parents(name)}
    if chosen is None:
        chosen = next((p for p in sorted(parents) if p.casefold() == deck.casefold()), None)
    if chosen is None:
        listed = ", ".join(sorted(names)[:8]) or "none"
        raise PyflashError(f"{pkg.path}: no deck '{deck}' in the package (decks with cards: {listed})")
    notes = tuple(n for n in pkg.notes if in_deck(n.deck, chosen))
    return AnkiPackage(pkg.path, notes, pkg.descriptions, pkg.media, pkg.media_dir)


def _parents(name: str) -> list[str]:
    parts = name.split("::")
    return ["::".join(parts[: i + 1]) for i in range(len(parts))]


def import_anki(
    package: str | Path,
    out_dir: str | Path,
    *,
    deck: str | None = None,
    media_dir: str | Path | None = None,
    force: bool = False,
    history: HistoryStep | None = None,
    progress: Callable[[str, int, int], None] | None = None,
) -> AnkiImport:
    """Convert ``package`` into deck files in ``out_dir``. Raises PyflashError (nothing written)."""
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise PyflashError(f"{out}: exists and is not a folder (give -o a folder)")
    with read_package(package) as pkg:
        pkg = _select(pkg, deck)
        if not pkg.notes:
            raise PyflashError(f"{pkg.path}: the package has no notes; nothing written")
        conversion = convert_notes(pkg.notes, known_ids(out), progress)
        descriptions = {name: html_to_markdown(text) for name, text in pkg.descriptions.items()}
        decks = group_decks(conversion.cards, descriptions)
        rendered = [(out / d.filename, render_deck(d, out / d.filename, pkg.path.name)) for d in decks]
        if not force:
            for target, _ in rendered:
                if target.exists():
                    raise PyflashError(exists_message(target))
        lines = history(pkg, conversion) if history is not None else []
        write_drafts(out, rendered, force)
        copied = _copy_media(pkg, Path(media_dir), force) if media_dir is not None else None
        return AnkiImport(Path(package), out, decks, conversion, len(pkg.media), copied, len(pkg.notes), lines)


def _copy_media(pkg: AnkiPackage, dest: Path, force: bool) -> int:
    """Copy the media files; an existing file is kept unless ``force``. Returns how many were copied."""
    try:
        dest.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise PyflashError(f"{dest}: cannot create the media folder: {exc.strerror or exc}") from None
    copied = 0
    for name in pkg.media:
        target = dest / name
        if target.exists() and not force:
            continue
        try:
            shutil.copyfile(pkg.media_dir / name, target)
        except OSError as exc:
            raise PyflashError(f"{target}: cannot copy: {exc.strerror or exc}") from None
        copied += 1
    return copied


def report_lines(done: AnkiImport) -> list[str]:
    """What was written, then warnings and what to do next."""
    conv = done.conversion
    out = str(done.out).rstrip("/") + "/"
    lines = [
        f"imported {len(conv.cards)} card(s) from {done.notes} note(s) into {len(done.decks)} deck(s) in {out}"
    ]
    lines += [f"  {d.filename}: {d.name} ({len(d.cards)} card(s))" for d in done.decks]
    if conv.exact:
        lines.append(f"{conv.exact} card(s) came from a pyflash export and were given back exactly as written")
    if conv.edited:
        lines.append(f"{conv.edited} pyflash card(s) were edited in Anki: their HTML was converted to Markdown")
    if done.media_copied is None:
        lines.append(f"media: {done.media} file(s) in the package, not copied (add --media DIR to copy them)")
    else:
        lines.append(f"media: {done.media} file(s) in the package, {done.media_copied} copied")
    lines += done.history
    lines += [f"warning: {w}" for w in conv.warnings]
    lines.append(f"next: look the decks over, then run `pyflash check {out}`")
    return lines
