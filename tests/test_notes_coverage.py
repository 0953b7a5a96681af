"""Every non-empty entry of the notes is carried by a card in decks/.

An entry is a heading with text and direct content (prose, list items or
code before the next heading of any level). It is covered when some card's
`source` ends with the heading's text, verbatim. The notes are found through
PYFLASH_NOTES or at shared/notes/python-notes.md beside the repo (or beside a
parent folder, for a worktree; see conftest.find_notes); the tests skip,
saying so, only when neither exists.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from conftest import find_notes
from pyflash.core.decks.loader import explicit_sources, load_decks
from pyflash.importer.notes import parse_notes

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_NOTES = ROOT.parent / "shared" / "notes" / "python-notes.md"


@pytest.fixture(scope="module")
def notes_path() -> Path:
    env = os.environ.get("PYFLASH_NOTES")
    found = find_notes()
    if found is not None:
        return found
    reason = f"notes not found: PYFLASH_NOTES is {'unset' if not env else repr(env)} and {DEFAULT_NOTES} does not exist"
    print(reason)
    pytest.skip(reason)


def test_every_entry_is_on_a_card(notes_path, capsys):
    notes = parse_notes(notes_path.read_text(encoding="utf-8"))
    entries = notes.entries()
    assert entries, "no entries found in the notes"
    result = load_decks(explicit_sources([ROOT / "decks"]))
    sources = [c.source.strip() for c in result.cards if c.source]
    missing = [h for h in entries if not any(s.endswith(h.text) for s in sources)]
    with capsys.disabled():
        print(f"\nnotes coverage: {len(entries) - len(missing)}/{len(entries)} entries carried by {len(result.cards)} cards")
        for h in missing:
            print(f"  missing: {notes_path.name}:{h.line}: {h.source}")
    assert not missing, f"{len(missing)} of {len(entries)} entries have no card (listed above)"


# A plain line scanner, independent of markdown-it, for the same entry rule.
_FENCE = re.compile(r"^\s{0,3}(`{3,}|~{3,})")
_HEADING = re.compile(r"^(#{1,6})(?:\s+(.*?))?\s*#*\s*$")


def _scan(text: str) -> list[tuple[int, int, bool, str]]:
    lines = text.split("\n")
    start = 0
    if lines and lines[0].strip() == "---":
        for j in range(1, len(lines)):
            if lines[j].strip() == "---":
                start = j + 1
                break
    heads: list[list] = []  # [line, level, text, has_content]
    fence = None
    for n in range(start, len(lines)):
        line = lines[n]
        m = _FENCE.match(line)
        if fence:
            rest = line.strip()[len(m.group(1)) :].strip() if m else ""
            if m and m.group(1)[0] == fence[0] and len(m.group(1)) >= len(fence) and not rest:
                fence = None
            if heads:
                heads[-1][3] = True
            continue
        if m:
            fence = m.group(1)
            if heads:
                heads[-1][3] = True
            continue
        h = _HEADING.match(line)
        if h and (h.group(2) is None or line.startswith(h.group(1) + " ") or line == h.group(1)):
            heads.append([n + 1, len(h.group(1)), (h.group(2) or "").strip(), False])
            continue
        if line.strip() and heads:
            heads[-1][3] = True
    out = []
    stack: list[tuple[int, str]] = []
    for ln, level, text, content in heads:
        while stack and stack[-1][0] >= level:
            stack.pop()
        stack.append((level, text))
        path = " / ".join(t for lvl, t in stack if lvl >= 2 and t)
        out.append((ln, level, bool(content and text), path))
    return out


def test_parser_agrees_with_a_line_scanner(notes_path):
    text = notes_path.read_text(encoding="utf-8")
    notes = parse_notes(text)
    mine = [(h.line, h.level, bool(h.text and h.has_content), h.source) for h in notes.headings]
    assert mine == _scan(text)
