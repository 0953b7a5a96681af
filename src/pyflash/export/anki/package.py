"""Write pyflash cards as one Anki package (.apkg), with genanki.

* One note per card, of the ``pyflash v1`` note type (:mod:`.notetype`).
* GUID: a hash of ``"pyflash"`` and the card's key, so re-exports match.
* Deck ids: a hash of the deck name (Anki itself matches decks by name).
* Note mtime: the time the note's content last changed, from a small ledger in
  the data directory (see docs/anki-export.md). Anki updates a note on import
  only when the incoming mtime is newer, so edited cards must be newer and
  unchanged ones must keep their time.
* Local images go into the package as media; remote ones become links
  (:mod:`.media`).
* The package is reproducible: unchanged decks give a byte-identical file.
* The file is written atomically: a temporary file next to it, then a rename.
"""

from __future__ import annotations

import errno
import gc
import hashlib
import json
import os
import threading
import time
import zipfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import BinaryIO

import genanki

from pyflash.core import Card, PyflashError
from pyflash.core.fs import atomic_write
from pyflash.export.anki import notetype, variants
from pyflash.export.anki.collection import CollectionStream, collection_bytes, timestamp_is_now
from pyflash.export.anki.ledger import MtimeLedger
from pyflash.export.anki.media import Media, localise
from pyflash.export.anki.models import NoteRow, PyflashDeck, make_cloze_model, make_model, make_reverse_model
from pyflash.export.anki.payload import encode_key_field
from pyflash.export.anki.zipwrite import write_zip
from pyflash.export.parallel import Workers, render_all, settle, worker_count
from pyflash.export.render import NoteParts, RenderCache, Rendered, markdown

LEDGER_NAME = "anki-export.json"
RENDER_CACHE_NAME = "anki-render.bin"
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)

# progress(stage, done, total); stage is "render" (per card) or "write".
Progress = Callable[[str, int, int], None]


class ExportError(PyflashError):
    """The package cannot be written (bad path, no permission, disk full...)."""


# --------------------------------------------------------------------------
# Names, ids, tags


_BASE91 = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&()*+,-./:;<=>?@[]^_`{|}~"


def note_guid(key: str) -> str:
    """The Anki GUID of a card: stable for its key, namespaced to pyflash.

    The same value as ``genanki.guid_for("pyflash", key)`` (a test checks it),
    computed without genanki's per-byte loop.
    """
    n = int.from_bytes(hashlib.sha256(("pyflash__" + key).encode("utf-8")).digest()[:8], "big")
    out = []
    while n:
        n, r = divmod(n, 91)
        out.append(_BASE91[r])
    return "".join(reversed(out))


def deck_id(name: str) -> int:
    """A stable Anki deck id for a deck name, in genanki's range [2^30, 2^31)."""
    digest = hashlib.blake2b(("pyflash-deck\x00" + name).encode("utf-8"), digest_size=8).digest()
    return (1 << 30) + int.from_bytes(digest, "big") % (1 << 30)


def anki_tag(tag: str) -> str:
    """A tag Anki keeps as written: no whitespace, no empty ``::`` parts."""
    parts = ("_".join(part.split()) for part in tag.split("::"))
    return "::".join(p for p in parts if p)


def anki_tags(tags: Sequence[str]) -> list[str]:
    """Anki-safe tags, first spelling kept (Anki's tags ignore case)."""
    return list(_anki_tags(tuple(tags)))


@lru_cache(maxsize=4096)
def _anki_tags(tags: tuple[str, ...]) -> tuple[str, ...]:
    seen: dict[str, str] = {}
    for tag in tags:
        safe = anki_tag(tag)
        if safe:
            seen.setdefault(safe.casefold(), safe)
    return tuple(seen.values())


# --------------------------------------------------------------------------
# When each note last changed (the ledger itself: anki/ledger.py)


def _now() -> int:
    return int(time.time())


def content_digest(fields: Sequence[str], tags: Sequence[str], model_id: int = notetype.MODEL_ID) -> str:
    blob = "\x1f".join(fields) + "\x1e" + " ".join(tags) + "\x1e" + str(model_id)
    return hashlib.blake2b(blob.encode("utf-8", "surrogatepass"), digest_size=10).hexdigest()


def note_fields(card: Card, parts: Rendered) -> list[str]:
    """The note's fields after Key: a cloze note's are Text (the cloze HTML, rendered as Code), Question, Note, Source."""
    if card.cloze is not None:
        return [parts.code, parts.question, parts.note, parts.source]
    return list(parts)


def note_parts(card: Card, fields: Sequence[str]) -> NoteParts:
    """The note's Key field (with the card's text for import-anki), GUID and content digest (see MtimeLedger)."""
    key = card.note_key  # a cloze or reverse entry is one note, under its entry's key
    key_field = encode_key_field(card._replace(key=key, variant=""), fields)
    model_id = variants.CLOZE_MODEL_ID if card.cloze is not None else (
        variants.REVERSE_MODEL_ID if card.reverse else notetype.MODEL_ID
    )
    return key_field, note_guid(key), content_digest([key_field, *fields], anki_tags(card.tags), model_id)


def note_cards(cards: Sequence[Card]) -> list[Card]:
    """One card per Anki note: a reverse card and clozes c2, c3... belong to their entry's note."""
    return [c for c in cards if not c.is_reverse and c.cloze_number <= 1]


# --------------------------------------------------------------------------
# Output path checks and the atomic write


def check_output(path: str | os.PathLike[str], *, force: bool) -> Path:
    """Fail early, with one line, for an output path that cannot work."""
    out = Path(path).expanduser()
    if out.is_dir():
        raise ExportError(f"{out}: is a directory (give a file name, like {out / 'pyflash.apkg'})")
    if out.suffix.lower() != ".apkg":
        raise ExportError(f"{out}: an Anki package must end in .apkg (for example -o {out.with_suffix('.apkg').name})")
    parent = out.parent if str(out.parent) else Path(".")
    if not parent.exists():
        raise ExportError(f"{out}: folder {parent} does not exist (create it first, or choose another -o)")
    if not parent.is_dir():
        raise ExportError(f"{out}: {parent} is not a folder (choose another -o)")
    if out.exists() and not force:
        raise ExportError(f"{out}: already exists (add --force to replace it)")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise ExportError(f"{out}: cannot write in {parent}: permission denied (choose another -o)")
    return out


def _os_message(out: Path, exc: OSError) -> str:
    if exc.errno == errno.ENOSPC:
        return f"{out}: no space left on the device"
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return f"{out}: cannot write: permission denied (choose another -o)"
    return f"{out}: cannot write the package: {exc.strerror or exc}"


def _zip_entry(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    return info


def write_atomically(out: Path, collection: bytes, *, force: bool, media: Mapping[str, Path] | None = None) -> None:
    """Zip ``collection`` (and the ``media`` files, name -> file) into ``out``:
    a temporary file in the same folder, then a rename."""
    names = sorted(media or {})

    def write(fh: BinaryIO) -> None:
        index = json.dumps({str(i): name for i, name in enumerate(names)}, ensure_ascii=False, sort_keys=True)
        entries = [("collection.anki2", collection), ("media", index.encode("utf-8"))]
        entries += [(str(i), (media or {})[name].read_bytes()) for i, name in enumerate(names)]
        try:
            write_zip(fh, entries, workers=worker_count())  # the collection deflated on every core
            return
        except OverflowError:  # 4 GiB or more: zipfile writes it with ZIP64 (nothing was written yet)
            pass
        with zipfile.ZipFile(fh, "w", zipfile.ZIP_DEFLATED, compresslevel=1, allowZip64=True) as zf:
            for name, data in entries:
                zf.writestr(_zip_entry(name), data, compresslevel=1)

    try:
        atomic_write(
            out, write, replace=force, parents=False,
            exists_message=f"{out}: already exists (add --force to replace it)",
        )
    except FileExistsError as exc:
        raise ExportError(str(exc)) from None
    except OSError as exc:
        raise ExportError(_os_message(out, exc)) from None


# --------------------------------------------------------------------------
# The export


@dataclass
class ExportResult:
    path: Path
    notes: int
    decks: list[str]
    changed: int  # notes new or changed since the last export (Anki will add/update them)
    rendered: int  # cards rendered now (the rest came from the render cache)
    warnings: list[str] = field(default_factory=list)


def open_state(data_dir: Path, cache_dir: Path) -> tuple[MtimeLedger, RenderCache]:
    """The mtime ledger and render cache kept under pyflash's data and cache folders."""
    return MtimeLedger(data_dir / LEDGER_NAME), RenderCache(cache_dir / RENDER_CACHE_NAME)


class NoteBuilder:
    """:func:`build_package`'s steps, one card at a time, in card order (also used by anki/collection.py)."""

    def __init__(
        self,
        ledger: MtimeLedger,
        *,
        now: int,
        descriptions: Mapping[str, str] | None = None,
        cache: RenderCache | None = None,
        digests: Sequence[bytes] | None = None,
    ) -> None:
        self.models = {"": make_model(), "cloze": make_cloze_model(), "reverse": make_reverse_model()}
        self.ledger = ledger
        self.now = now
        self.descriptions = descriptions or {}
        self.cache = cache
        self.digests = digests
        self.decks: dict[str, PyflashDeck] = {}
        self.newest = notetype.STYLE_MTIME  # the package timestamp: the newest note mtime

    def add(self, i: int, card: Card, parts: Rendered, localised: bool) -> None:
        """The note of ``card`` (the ``i``-th card; ``localised``: its images were made Anki's), in its deck."""
        deck = self.decks.get(card.deck)
        if deck is None:
            desc = self.descriptions.get(card.deck)
            deck = PyflashDeck(deck_id(card.deck), card.deck, description=markdown(desc) if desc else "")
            self.decks[card.deck] = deck
        model = self.models["cloze" if card.cloze is not None else "reverse" if card.reverse else ""]
        if model.model_id not in deck.models:
            deck.add_model(model)
        fields = note_fields(card, parts)
        cache, digests = self.cache, self.digests
        digest = digests[i] if cache is not None and digests is not None and not localised else None
        known = cache.note_parts(digest) if cache is not None and digest is not None else None
        if known is None:
            known = note_parts(card, fields)
            if cache is not None and digest is not None:
                cache.put_note_parts(digest, known)
        key_field, guid, content = known
        mtime = self.ledger.stamp(card.note_key, content, self.now)
        if mtime > self.newest:
            self.newest = mtime
        deck.rows.append(NoteRow(model, [key_field, *fields], _anki_tags(tuple(card.tags)), guid, mtime))

    def package(self) -> genanki.Package:
        return genanki.Package([self.decks[name] for name in sorted(self.decks)])


def build_package(
    cards: Sequence[Card],
    rendered: Sequence[Rendered],
    ledger: MtimeLedger,
    *,
    descriptions: Mapping[str, str] | None = None,
    now: int | None = None,
    cache: RenderCache | None = None,
    digests: Sequence[bytes] | None = None,
    localised: Sequence[bool] | None = None,
) -> tuple[genanki.Package, int]:
    """The genanki Package for ``cards`` and the package timestamp.

    With ``cache`` and each card's render ``digests`` (:func:`render_all`), a
    note's Key field, GUID and content digest come from the card's cache entry
    when it has them, and are kept there otherwise; not for a card whose
    images were ``localised`` (its fields depend on the image files too).
    """
    builder = NoteBuilder(
        ledger, now=_now() if now is None else now, descriptions=descriptions, cache=cache, digests=digests
    )
    for i, (card, parts) in enumerate(zip(cards, rendered, strict=True)):
        builder.add(i, card, parts, bool(localised and localised[i]))
    return builder.package(), builder.newest


def export_anki(
    cards: Sequence[Card],
    out: str | os.PathLike[str],
    *,
    force: bool = False,
    descriptions: Mapping[str, str] | None = None,
    progress: Progress | None = None,
    ledger: MtimeLedger,
    cache: RenderCache,
    now: int | None = None,
    pool: Workers | None = None,
) -> ExportResult:
    """Write ``cards`` to the Anki package ``out``.

    ``ledger`` and ``cache`` are usually :func:`open_state`'s; pass
    ``MtimeLedger(None)`` / ``RenderCache(None)`` to keep no state. ``now``
    defaults to the clock (the CLI passes ``SOURCE_DATE_EPOCH`` when set). ``pool``: render
    workers started early (:func:`~pyflash.export.parallel.start_early`; the caller closes them).
    Raises :class:`ExportError` (one line) when the file cannot be written;
    nothing is left behind then.
    """
    out_path = check_output(out, force=force)
    # An export allocates some 100k objects that live to its end and makes next to no cycles: the cyclic
    # collector's passes over them (~8% of a cold export's main-thread CPU) are put off until it returns.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _export(cards, out_path, force=force, descriptions=descriptions, progress=progress,
                       ledger=ledger, cache=cache, now=now, pool=pool)
    finally:
        settle()  # the render workers, ended while the package was written
        if collecting:
            gc.enable()


def _export(
    cards: Sequence[Card],
    out_path: Path,
    *,
    force: bool,
    descriptions: Mapping[str, str] | None,
    progress: Progress | None,
    ledger: MtimeLedger,
    cache: RenderCache,
    now: int | None,
    pool: Workers | None,
) -> ExportResult:
    """:func:`export_anki` once the output path is checked."""
    cards = note_cards(cards)
    total = len(cards)
    now = _now() if now is None else now
    digests: list[bytes] = []
    # When the package timestamp is sure to be `now`, its notes are built and written deck by deck
    # while the rest are rendered (anki/collection.py); the same collection as afterwards.
    stream = None
    if timestamp_is_now(cards, ledger, now):
        builder = NoteBuilder(ledger, now=now, descriptions=descriptions, cache=cache, digests=digests)
        stream = CollectionStream(cards, builder, now)
    rendered = render_all(  # the misses on every core (parallel.py)
        cards, cache, progress=progress, digests=digests, ready=stream.ready if stream is not None else None, pool=pool
    )

    if progress is not None:
        progress("write", 0, 1)
    collection = stream.finish() if stream is not None else None
    # A stream that finished met no image (it stops at the first), so there is nothing to localise.
    html, media = (rendered, Media()) if collection is not None else localise(cards, rendered)
    if collection is None:
        localised = [a is not b for a, b in zip(html, rendered, strict=True)]
        package, timestamp = build_package(
            cards, html, ledger, descriptions=descriptions, now=now, cache=cache, digests=digests, localised=localised
        )
    # The render cache is saved while the package is built and deflated: SQLite and zlib release the GIL.
    saving = threading.Thread(target=cache.save, name="pyflash-render-cache", daemon=True)
    saving.start()
    try:
        if collection is None:
            collection = collection_bytes(package, timestamp)
        write_atomically(out_path, collection, force=force, media=media.files)
    finally:
        saving.join()
    if progress is not None:
        progress("write", 1, 1)

    warnings = list(media.warnings)
    problem = ledger.save()
    if problem:
        warnings.append(problem + " (the next export will mark every note as changed)")
    return ExportResult(
        path=out_path,
        notes=total,
        decks=sorted({c.deck for c in cards}),
        changed=ledger.changed,
        rendered=cache.misses,
        warnings=warnings,
    )
