"""``pyflash import``: read the notes, write the draft decks, report.

Kept out of ``pyflash.cli`` so the command stays a few lines there. Every draft
is rendered and validated with the deck loader before anything is written, and
each file is written atomically, so a failure never leaves a partial draft.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pyflash.core.decks.loader import parse_deck_file
from pyflash.core.errors import PyflashError, utf8_error_position
from pyflash.core.fs import atomic_write_text
from pyflash.importer.drafts import DRAFT_QUESTION, Drafts, build_drafts
from pyflash.importer.notes import parse_notes
from pyflash.importer.yaml_writer import dump_deck

__all__ = ["ImportReport", "fidelity_line", "fidelity_report", "import_notes", "read_notes", "report_lines"]


@dataclass(frozen=True, slots=True)
class ImportReport:
    """What ``import_notes`` wrote, and where."""

    drafts: Drafts
    out_dir: str


def read_notes(notes_path: Path) -> str:
    """The notes' text; raises :class:`PyflashError` if it cannot be read as UTF-8."""
    try:
        data = notes_path.read_bytes()
    except FileNotFoundError:
        raise PyflashError(f"{notes_path}: no such file (give a Markdown notes file)") from None
    except IsADirectoryError:
        raise PyflashError(f"{notes_path}: is a folder (give a Markdown notes file)") from None
    except OSError as exc:
        raise PyflashError(f"{notes_path}: cannot read: {exc.strerror or exc}") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line, col = utf8_error_position(data, exc)
        raise PyflashError(f"{notes_path}:{line}:{col}: not valid UTF-8 (re-save the notes as UTF-8)") from None


def _render(drafts: Drafts, out: Path) -> list[tuple[Path, str]]:
    """Each draft's target file and text, checked to load without errors."""
    rendered: list[tuple[Path, str]] = []
    for deck in drafts.decks:
        target = out / deck.filename
        body = dump_deck(deck, drafts.notes_name)
        check = parse_deck_file(target, body.encode("utf-8"))
        if check.errors:  # a bug in the importer, never the user's notes
            raise PyflashError(f"internal error: draft {target} does not load: {check.errors[0]} (please report this)")
        for card, loaded in zip(deck.cards, check.cards, strict=False):
            if card.code is not None and loaded.code != card.code:
                raise PyflashError(f"internal error: draft {target}: the code of card {card.id} does not read back byte for byte (please report this)")
        rendered.append((target, body))
    return rendered


def exists_message(target: Path) -> str:
    return f"{target}: already exists (use --force to overwrite, or -o another folder)"


def write_drafts(out: Path, rendered: list[tuple[Path, str]], force: bool) -> None:
    """Write every draft atomically; without ``force``, never over an existing file."""
    if not force:
        for target, _ in rendered:
            if target.exists():
                raise PyflashError(exists_message(target))
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise PyflashError(f"{exc.filename or out}: cannot write: {exc.strerror or exc}") from None
    for target, body in rendered:
        try:
            atomic_write_text(target, body, replace=force)
        except FileExistsError:  # appeared since the check above
            raise PyflashError(exists_message(target)) from None
        except OSError as exc:
            # An error with a file name (the temporary file's) is about this
            # draft; one without (a full disk) is about the folder, as before.
            raise PyflashError(f"{target if exc.filename else out}: cannot write: {exc.strerror or exc}") from None


def import_notes(notes_path: str | Path, out_dir: str | Path, *, force: bool = False, prefix: str | None = None) -> ImportReport:
    """Read notes, write one draft deck per section into ``out_dir``.

    Raises :class:`PyflashError` (nothing written) if the notes cannot be read
    or a draft file exists and ``force`` is false.
    """
    notes_path = Path(notes_path)
    out = Path(out_dir)
    text = read_notes(notes_path)
    if out.exists() and not out.is_dir():
        raise PyflashError(f"{out}: exists and is not a folder (give -o a folder)")
    drafts = build_drafts(parse_notes(text), str(notes_path), prefix)
    if not drafts.decks:
        raise PyflashError(f"{notes_path}: nothing to import (no text under any heading); no files written")
    write_drafts(out, _render(drafts, out), force)
    return ImportReport(drafts, str(out))


def fidelity_line(drafts: Drafts) -> str:
    """One line: what of the notes was carried into the drafts as it is."""
    return (
        f"fidelity: {drafts.code_kept} code block(s) kept byte for byte, {len(drafts.code_changed)} changed"
        f" (each card's note says why), {drafts.images} image(s) and {drafts.formulas} formula(s) carried,"
        f" {len(drafts.skipped)} section(s) skipped"
    )


def fidelity_report(drafts: Drafts) -> list[str]:
    """The lines of ``pyflash import --report``: each change and each skip, with ``path:line``."""
    name = Path(drafts.notes_name).name
    lines = [f"fidelity report for {name}:"]
    lines.append(f"  code blocks kept byte for byte: {drafts.code_kept}")
    lines.append(f"  code blocks changed: {len(drafts.code_changed)}")
    lines += [f"    {name}:{c.line}: {c.why}" for c in drafts.code_changed]
    lines.append(f"  images carried: {drafts.images} (as ![alt](src))")
    lines.append(f"  formulas carried: {drafts.formulas} (as $TeX$)")
    lines.append(f"  sections skipped: {len(drafts.skipped)}")
    lines += [f"    {name}:{s.line}: {s.what}" for s in drafts.skipped]
    terms = sum(1 for d in drafts.decks for c in d.cards if c.term is not None)
    lines.append(f"  cards from definition lists: {terms}")
    lines.append(f"  questions made up by the importer (tag {DRAFT_QUESTION}): {drafts.draft_questions}")
    return lines


def report_lines(report: ImportReport, *, full: bool = False) -> list[str]:
    """The lines ``pyflash import`` prints: what was written, then what needs a look.

    ``full`` (``--report``) adds the fidelity report.
    """
    drafts = report.drafts
    name = Path(drafts.notes_name).name
    out = report.out_dir.rstrip("/") + "/"
    lines = [f"wrote {len(drafts.decks)} draft deck(s), {drafts.card_count} card(s) to {out}"]
    lines += [f"  {d.filename}: {d.deck} ({len(d.cards)} card(s))" for d in drafts.decks]
    if drafts.relabelled:
        lines.append(f"{drafts.relabelled} code block(s) had a language label that did not fit; their cards say so in `note`")
    if drafts.todo:
        lines.append(f"{drafts.todo} card(s) had no text in the notes to answer with; their answer starts with TODO")
    if drafts.untitled:
        where = ", ".join(str(h.line) for h in drafts.untitled)
        word = "line" if len(drafts.untitled) == 1 else "lines"
        lines.append(f"{len(drafts.untitled)} heading(s) with no text were skipped ({name} {word} {where})")
    if drafts.empty:
        lines.append(f"{len(drafts.empty)} empty heading(s), no card made:")
        lines += [f"  {name}:{h.line}: {h.source or h.text}" for h in drafts.empty]
    else:
        lines.append("no empty headings")
    if drafts.skipped:
        lines.append(f"{len(drafts.skipped)} part(s) of the notes skipped, no card made:")
        lines += [f"  {name}:{s.line}: {s.what}" for s in drafts.skipped]
    if drafts.draft_questions:
        lines.append(
            f"{drafts.draft_questions} question(s) say only what the card shows (tag {DRAFT_QUESTION});"
            f" `pyflash check --lint {out}` lists them"
        )
    lines.append(fidelity_line(drafts))
    if full:
        lines += fidelity_report(drafts)
    lines.append(f"next: edit the drafts, then run `pyflash check {out}`")
    return lines
