"""Read an Anki package (.apkg or .colpkg) with the ``anki`` package, into plain data.

How: the package is checked as a zip first (not a zip, password-protected,
no collection inside: one-line errors), then Anki's own backend unpacks it
into a temporary folder (``import_collection_package``: the zstd-compressed
``collection.anki21b`` of Anki 2.1.50+, or the older ``collection.anki21`` /
``collection.anki2``, and the media), and the collection is opened read-only
in spirit with ``anki.collection.Collection``. Nothing is read from the
package's SQLite by hand, so every schema Anki itself reads works, and the
day numbers are Anki's own (``col.sched.today``).

Everything is copied into the frozen records below, and the collection is
closed before this module returns: the rest of the import never sees Anki.
"""

from __future__ import annotations

import os
import tempfile
import time
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pyflash.core import PyflashError

__all__ = ["AnkiCard", "AnkiNote", "AnkiPackage", "PackageError", "Revlog", "read_package"]

_COLLECTIONS = ("collection.anki21b", "collection.anki21", "collection.anki2")


class PackageError(PyflashError):
    """The package cannot be read (not a zip, encrypted, damaged, no anki package installed)."""


@dataclass(frozen=True, slots=True)
class Revlog:
    """One row of Anki's review log (``revlog``)."""

    id_ms: int  # when, in milliseconds since the epoch
    ease: int  # 1 again, 2 hard, 3 good, 4 easy (0: a manual reschedule)
    ivl: int  # the new interval: days if > 0, seconds if < 0 (a learning step)
    last_ivl: int
    factor: int  # ease factor in permille (2500 = 2.5)
    time_ms: int  # answer time
    kind: int  # 0 learn, 1 review, 2 relearn, 3 filtered, 4 manual, 5 rescheduled


@dataclass(frozen=True, slots=True)
class AnkiCard:
    id: int
    ord: int
    deck: str
    type: int  # 0 new, 1 learning, 2 review, 3 relearning
    queue: int  # -3/-2 buried, -1 suspended, 0 new, 1/3 learning, 2 review
    due_in: int | None  # days from Anki's today until it is due (None: a new card)
    ivl: int
    factor: int
    reps: int
    lapses: int
    revlog: tuple[Revlog, ...]

    @property
    def suspended(self) -> bool:
        return self.queue == -1

    @property
    def buried(self) -> bool:
        return self.queue in (-2, -3)


@dataclass(frozen=True, slots=True)
class AnkiNote:
    id: int
    guid: str
    notetype: str  # the note type's name
    cloze: bool  # a cloze note type
    field_names: tuple[str, ...]
    fields: tuple[str, ...]
    tags: tuple[str, ...]
    cards: tuple[AnkiCard, ...]  # by template (ord) order
    templates: tuple[tuple[str, str], ...] = ()  # the note type's card templates: (front, back), by ord

    @property
    def deck(self) -> str:
        return self.cards[0].deck if self.cards else "Default"


@dataclass(frozen=True, slots=True)
class AnkiPackage:
    path: Path
    notes: tuple[AnkiNote, ...]
    descriptions: dict[str, str]  # deck name -> description (HTML)
    media: tuple[str, ...]  # media file names
    media_dir: Path  # where the media are while the package is open


def _anki() -> Any:
    try:
        from anki.collection import Collection  # deferred: optional dependency, heavy (only import-anki)
    except ImportError:
        raise PackageError(
            "import-anki needs the `anki` package: pip install 'pyflash[anki]' (or pip install 'anki>=26.9,<26.10')"
        ) from None
    try:
        import markdownify  # noqa: F401  # deferred: optional dependency (only import-anki)
    except ImportError:
        raise PackageError("import-anki needs the `markdownify` package: pip install 'pyflash[anki]'") from None
    return Collection


def check_zip(path: Path) -> None:
    """One-line errors for what is not an Anki package at all."""
    if not path.exists():
        raise PackageError(f"{path}: no such file (give an .apkg or .colpkg file)")
    if path.is_dir():
        raise PackageError(f"{path}: is a folder (give an .apkg or .colpkg file)")
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
    except zipfile.BadZipFile:
        raise PackageError(f"{path}: not an Anki package (not a zip file; export it again from Anki)") from None
    except OSError as exc:
        raise PackageError(f"{path}: cannot read: {exc.strerror or exc}") from None
    if any(info.flag_bits & 0x1 for info in infos):
        raise PackageError(
            f"{path}: the package is password-protected (encrypted); export it from Anki again without a password"
        )
    names = {info.filename for info in infos}
    if not names.intersection(_COLLECTIONS):
        raise PackageError(f"{path}: not an Anki package (no collection inside; export it again from Anki)")


@contextmanager
def read_package(path: str | os.PathLike[str]) -> Iterator[AnkiPackage]:
    """The package's notes, cards, review logs and media; the media folder lives until exit."""
    pkg = Path(path)
    check_zip(pkg)
    collection_cls = _anki()
    from anki._backend import RustBackend  # deferred: optional dependency (only import-anki)

    with tempfile.TemporaryDirectory(prefix="pyflash-anki-") as tmp:
        col_path = os.path.join(tmp, "collection.anki2")
        media_dir = Path(tmp, "media")
        try:
            RustBackend().import_collection_package(
                col_path=col_path, backup_path=str(pkg.resolve()),
                media_folder=str(media_dir), media_db=os.path.join(tmp, "media.db"),
            )
            col = collection_cls(col_path)
        except Exception as exc:  # anki raises its own error types, all plain Exceptions
            first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            raise PackageError(f"{pkg}: cannot read the Anki package: {first} (export it again from Anki)") from None
        try:
            notes, descriptions = _read(col)
        finally:
            col.close()
        media = tuple(sorted(p.name for p in media_dir.iterdir() if p.is_file())) if media_dir.is_dir() else ()
        yield AnkiPackage(pkg, notes, descriptions, media, media_dir)


def _read(col: Any) -> tuple[tuple[AnkiNote, ...], dict[str, str]]:
    today = int(col.sched.today)
    now = int(time.time())
    decks: dict[int, str] = {}
    descriptions: dict[str, str] = {}
    for entry in col.decks.all_names_and_ids():
        decks[int(entry.id)] = entry.name
        desc = (col.decks.get(entry.id) or {}).get("desc") or ""
        if desc.strip():
            descriptions[entry.name] = desc
    models: dict[int, tuple[str, bool, tuple[str, ...], tuple[tuple[str, str], ...]]] = {}
    for model in col.models.all():
        templates = tuple((str(t.get("qfmt") or ""), str(t.get("afmt") or "")) for t in model.get("tmpls") or ())
        models[int(model["id"])] = (
            model["name"], model.get("type") == 1, tuple(f["name"] for f in model["flds"]), templates
        )

    revlogs: dict[int, list[Revlog]] = {}
    for rid, cid, ease, ivl, last_ivl, factor, taken, kind in col.db.all(
        "SELECT id, cid, ease, ivl, lastIvl, factor, time, type FROM revlog ORDER BY id"
    ):
        revlogs.setdefault(int(cid), []).append(Revlog(rid, ease, ivl, last_ivl, factor, taken, kind))

    cards: dict[int, list[AnkiCard]] = {}
    for cid, nid, did, ord_, ctype, queue, due, ivl, factor, reps, lapses, odue, odid in col.db.all(
        "SELECT id, nid, did, ord, type, queue, due, ivl, factor, reps, lapses, odue, odid FROM cards ORDER BY nid, ord"
    ):
        home = odid or did  # a card in a filtered deck belongs to its original deck
        day = odue if odid else due
        cards.setdefault(int(nid), []).append(
            AnkiCard(
                cid, ord_, decks.get(home, "Default"), ctype, queue, _due_in(ctype, day, today, now),
                ivl, factor, reps, lapses, tuple(revlogs.get(int(cid), ())),
            )
        )

    notes = []
    for nid, guid, mid, tags, flds in col.db.all("SELECT id, guid, mid, tags, flds FROM notes ORDER BY id"):
        name, cloze, field_names, templates = models.get(int(mid), ("?", False, (), ()))
        values = tuple(flds.split("\x1f"))
        names = field_names if len(field_names) == len(values) else tuple(f"Field {i + 1}" for i in range(len(values)))
        notes.append(
            AnkiNote(
                nid, guid, name, cloze, names, values, tuple(tags.split()), tuple(cards.get(int(nid), ())), templates
            )
        )
    return tuple(notes), descriptions


def _due_in(ctype: int, due: int, today: int, now: int) -> int | None:
    """Days from today until the card is due, from Anki's ``due`` (a day number or a time stamp)."""
    if ctype == 0:
        return None  # new: ``due`` is its position in the new queue
    if due > 1_000_000_000:  # learning steps: seconds since the epoch
        return max(0, (due - now) // 86_400)
    return due - today
