"""The event files of the sync working copy: ``events/<device-id>/<yyyy-mm>.jsonl``.

Each device appends only to its own folder, one line per event, so two
devices never write the same file and git merges never conflict.

* :class:`OwnFiles`: this device's files. What is pending is every event of
  the store's outbox after the last sequence number found here, so a write
  that was cut short is completed on the next sync, without duplicates; a
  half-written last line is cut off first (its event is still in the store).
* :func:`read_new`: the lines other devices added since the last sync, from
  byte offsets kept per file; a line that does not decode is reported as
  ``file:line`` and skipped, and reported again on every sync until it is fixed.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from pyflash.sync.events import Event, EventError, decode, encode, read_line

__all__ = ["EVENTS", "FileMark", "NewLines", "OwnFiles", "month_of", "read_new"]

EVENTS = "events"
_TAIL = 64 * 1024
_MONTH = re.compile(r"^(\d{4})-(\d{2})")


def month_of(ts: object) -> str:
    """``yyyy-mm`` of an event's time stamp (ISO 8601 text, or seconds / milliseconds since 1970, UTC)."""
    if isinstance(ts, str):
        m = _MONTH.match(ts)
        if m:
            return f"{m.group(1)}-{m.group(2)}"
    if isinstance(ts, datetime):
        return ts.astimezone(UTC).strftime("%Y-%m")
    if isinstance(ts, int | float) and not isinstance(ts, bool):
        seconds = ts / 1000 if ts > 1e11 else ts
        return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m")
    return "undated"


class OwnFiles:
    """This device's event files, under ``root/events/<device>/``."""

    def __init__(self, root: Path, device: str) -> None:
        self.root = root
        self.device = device
        self.folder = root / EVENTS / device

    def files(self) -> list[Path]:
        return sorted(self.folder.glob("*.jsonl")) if self.folder.is_dir() else []

    def repair(self) -> list[Path]:
        """Cut a half-written last line off each file (an interrupted write); the files repaired."""
        repaired = []
        for path in self.files():
            with path.open("rb+") as fh:
                size = fh.seek(0, os.SEEK_END)
                if size == 0:
                    continue
                fh.seek(size - 1)
                if fh.read(1) == b"\n":
                    continue
                start = max(0, size - _TAIL)
                while True:
                    fh.seek(start)
                    chunk = fh.read(size - start)
                    cut = chunk.rfind(b"\n")
                    if cut >= 0 or start == 0:
                        break
                    start = max(0, start - _TAIL)
                fh.truncate(start + cut + 1 if cut >= 0 else 0)
                fh.flush()
                os.fsync(fh.fileno())
            repaired.append(path)
        return repaired

    def last_seq(self) -> int:
        """The highest sequence number written so far (0: none)."""
        best = 0
        for path in self.files():
            best = max(best, _last_seq_of(path))
        return best

    def append(self, events: Iterable[Event]) -> dict[Path, int]:
        """Append ``events`` (in order) to their month's file, each file synced to disk; lines per file."""
        return self.append_lines((event.ts, encode(event)) for event in events)

    def append_lines(self, lines: Iterable[tuple[object, str]]) -> dict[Path, int]:
        """:meth:`append` of events given as (time stamp, encoded line)."""
        months: dict[str, list[str]] = {}
        for ts, line in lines:
            months.setdefault(month_of(ts), []).append(line)
        if months:
            self.folder.mkdir(parents=True, exist_ok=True)
        written: dict[Path, int] = {}
        for month, text in months.items():
            path = self.folder / f"{month}.jsonl"
            with path.open("ab") as fh:
                fh.write(("\n".join(text) + "\n").encode("utf-8"))
                fh.flush()
                os.fsync(fh.fileno())
            written[path] = len(text)
        return written


def _last_seq_of(path: Path) -> int:
    """The sequence number of the last line of ``path`` that decodes (walking back past bad ones)."""
    with path.open("rb") as fh:
        size = fh.seek(0, os.SEEK_END)
        start = max(0, size - _TAIL)
        while True:
            fh.seek(start)
            chunk = fh.read(size - start)
            for raw in reversed(chunk.split(b"\n")[1 if start else 0 :]):
                event = _quiet_decode(raw)
                if event is not None:
                    return event.seq
            if start == 0:
                return 0
            start = max(0, start - 4 * _TAIL)


def _quiet_decode(raw: bytes) -> Event | None:
    if not raw.strip():
        return None
    try:
        return decode(raw.decode("utf-8"), where="")
    except (UnicodeDecodeError, EventError):
        return None


@dataclass
class FileMark:
    """How far a file of another device has been read: bytes, lines, and its bad lines (1-based)."""

    offset: int = 0
    lines: int = 0
    bad: list[int] = field(default_factory=list)


@dataclass
class NewLines:
    """What :func:`read_new` found: the events, the problems (``file:line: ...``), the new marks."""

    events: list[Event]
    problems: list[str]
    marks: dict[str, FileMark]
    files: int = 0  # files that had new lines
    # texts[i]: the stored texts of events[i]'s states when its line was read by read_line (Store.ingest_decoded)
    texts: list[tuple[str | None, str] | None] = field(default_factory=list)


def others(root: Path, own: str) -> Iterator[Path]:
    """Every event file of the other devices."""
    top = root / EVENTS
    if not top.is_dir():
        return
    for device in sorted(p for p in top.iterdir() if p.is_dir() and p.name != own):
        yield from sorted(device.glob("*.jsonl"))


def read_new(root: Path, own: str, marks: dict[str, FileMark]) -> NewLines:
    """The lines other devices added since ``marks`` (keyed by path relative to ``root``)."""
    found = NewLines([], [], dict(marks))
    for path in others(root, own):
        key = path.relative_to(root).as_posix()
        mark = marks.get(key, FileMark())
        size = path.stat().st_size
        if mark.bad or size < mark.offset:  # bad lines: read it all again (a fix is seen); shorter: rewritten
            mark = FileMark()
        if size == mark.offset:
            continue
        with path.open("rb") as fh:
            fh.seek(mark.offset)
            data = fh.read(size - mark.offset)
        found.files += 1
        found.marks[key] = _scan(path, data, mark, found)
    return found


def _scan(path: Path, data: bytes, mark: FileMark, found: NewLines) -> FileMark:
    """Decode the complete lines of ``data`` (read from ``mark.offset``); the mark after them."""
    offset, lineno, bad = mark.offset, mark.lines, list(mark.bad)
    pos = 0
    while pos < len(data):
        end = data.find(b"\n", pos)
        if end < 0:  # no newline yet: left unread, and said, until the line is whole
            found.problems.append(
                f"{path}:{lineno + 1}: the last line has no newline (an interrupted write?); skipped until it is whole"
            )
            break
        lineno += 1
        raw = data[pos:end]
        pos = end + 1
        offset += len(raw) + 1
        if not raw.strip():
            continue
        try:
            line = raw.decode("utf-8")
            known = read_line(line)  # the common shape, with its states' stored texts (else decode says)
            if known is not None:
                found.events.append(known[0])
                found.texts.append(known[1:])
                continue
            where = f"{path}:{lineno}"
            found.events.append(decode(line, where=where))
            found.texts.append(None)
        except UnicodeDecodeError:
            where = f"{path}:{lineno}"
            bad.append(lineno)
            found.problems.append(f"{where}: not UTF-8 text; line skipped (fix or delete it on the device that wrote it)")
        except EventError as exc:
            bad.append(lineno)
            found.problems.append(_located(str(exc), where))
    return FileMark(offset, lineno, bad)


def _located(message: str, where: str) -> str:
    return message if message.startswith(where) else f"{where}: {message}"


def dump_marks(marks: dict[str, FileMark]) -> dict[str, list[object]]:
    return {k: [m.offset, m.lines, m.bad] for k, m in marks.items()}


def load_marks(raw: object) -> dict[str, FileMark]:
    marks: dict[str, FileMark] = {}
    if isinstance(raw, dict):
        for key, value in raw.items():
            if isinstance(key, str) and isinstance(value, list) and len(value) == 3:
                offset, lines, bad = value
                if isinstance(offset, int) and isinstance(lines, int) and isinstance(bad, list):
                    marks[key] = FileMark(offset, lines, [b for b in bad if isinstance(b, int)])
    return marks


