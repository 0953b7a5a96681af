"""Plain-text helpers for the TUI: Markdown for a card, dates, durations.

Nothing here imports Textual, so it is cheap to import and easy to test.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Mapping, Sequence

from rich.cells import cell_len

from pyflash.core import Card
from pyflash.core.clock import day_to_date
from pyflash.core.text import plural

# A deck file of three lines: what the "no decks" screen shows.
EXAMPLE_DECK = """\
deck: Python
cards:
  - {q: "What does `len('héllo')` return?", a: "`5`"}
"""


def fence(code: str, lang: str | None) -> str:
    """``code`` as a Markdown fenced block, safe for code that holds backticks."""
    longest = max((len(m) for m in re.findall(r"`+", code)), default=0)
    ticks = "`" * max(3, longest + 1)
    info = (lang or "text").strip().split()[0] if (lang or "").strip() else "text"
    return f"{ticks}{info}\n{code.rstrip()}\n{ticks}"


# Around a span of a fenced code block that the card view marks (a cloze): private-use
# characters, which no deck holds; ui.markdown's fence takes them out and styles the span.
MARK_OPEN, MARK_CLOSE = "\ue000", "\ue001"
_MARKDOWN_LANGS = frozenset({"markdown", "md"})


def marked(text: str, spans: Sequence[tuple[int, int]], open_: str, close: str) -> str:
    """``text`` with ``open_`` and ``close`` around each (start, end) span."""
    out: list[str] = []
    pos = 0
    for start, end in spans:
        out += [text[pos:start], open_, text[start:end], close]
        pos = end
    out.append(text[pos:])
    return "".join(out)


def cloze_markdown(card: Card, *, answer: bool) -> str:
    """A cloze card's text: a code fence with its spans marked, or Markdown (``lang: markdown``) in bold."""
    body, spans = card.cloze_view(answer=answer)
    if (card.lang or "").strip().lower() in _MARKDOWN_LANGS:
        return marked(body, spans, "**", "**")
    return fence(marked(body, spans, MARK_OPEN, MARK_CLOSE), card.lang or "text")


def question_markdown(card: Card) -> str:
    if card.cloze is not None:
        return "\n\n".join(p for p in (card.q.strip(), cloze_markdown(card, answer=False)) if p)
    if card.is_reverse:  # answer -> question
        return "\n\n".join(["*Reverse: which question has this answer?*", (card.a or "").strip()])
    parts = [card.q.strip()]
    if card.code:
        parts.append(fence(card.code, card.lang or "text"))
    return "\n\n".join(parts)


def answer_markdown(card: Card) -> str:
    """The answer, output and note as Markdown; the source is plain text (:func:`source_line`)."""
    parts: list[str] = []
    if card.cloze is not None:
        parts.append(cloze_markdown(card, answer=True))
    elif card.is_reverse:
        parts.append(question_markdown(card._replace(variant="")))
    elif card.a:
        parts.append(card.a.strip())
    if card.output is not None:
        parts.append("**Output**")
        parts.append(fence(card.output, "text"))
    if card.note:
        note = card.note.strip().splitlines()
        parts.append("\n".join(["> **Note** " + note[0], *("> " + line for line in note[1:])]))
    return "\n\n".join(parts) or "*(no answer)*"


def source_line(source: str | None) -> str:
    """A card's ``source``, shown as it is written (plain text, not Markdown): ``Source: a*b*c_d_``."""
    return f"Source: {source.strip()}" if source and source.strip() else ""


def when(day: int | None, today: int) -> str:
    """``today``, ``tomorrow · Tue 3 Mar 2026``, ``in 6 days · Sun 8 Mar 2026``."""
    if day is None:
        return "nothing scheduled yet"
    d = day_to_date(day)
    stamp = f"{d:%a} {d.day} {d:%b %Y}"
    delta = day - today
    if delta <= 0:
        return f"today · {stamp}"
    if delta == 1:
        return f"tomorrow · {stamp}"
    return f"in {delta} days · {stamp}"


def duration(seconds: float) -> str:
    s = int(round(seconds))
    if s < 60:
        return f"{s} s"
    m, s = divmod(s, 60)
    if m < 60:
        return f"{m} min {s:02d} s"
    h, m = divmod(m, 60)
    return f"{h} h {m:02d} min"


# Editors that understand ``+LINE file``.
_PLUS_LINE = {
    "vi", "vim", "nvim", "gvim", "view", "ex", "nano", "pico", "emacs", "emacsclient",
    "kak", "micro", "joe", "jed", "mg", "ne", "vis", "kate", "gedit", "mcedit",
}
# Editors that understand ``file:line``.
_COLON_LINE = {"hx", "helix", "subl", "sublime_text", "zed"}
# Editors that need ``--goto file:line`` (and ``--wait`` to block).
_GOTO = {"code", "codium", "code-insiders", "vscodium", "cursor"}


def editor_command(path: str, line: int, env: Mapping[str, str]) -> list[str] | None:
    """The command that opens ``path`` at ``line`` in ``$VISUAL``/``$EDITOR``.

    None when neither is set and no ``vi`` is installed.
    """
    raw = (env.get("VISUAL") or env.get("EDITOR") or "").strip()
    argv: Sequence[str]
    if raw:
        import shlex  # deferred: start-up time (for `e` only)

        try:
            argv = shlex.split(raw)
        except ValueError:
            argv = raw.split()
    elif shutil.which("vi"):
        argv = ["vi"]
    else:
        return None
    if not argv:
        return None
    name = os.path.basename(argv[0]).lower()
    for suffix in (".exe", ".cmd", ".bat"):
        name = name.removesuffix(suffix)
    line = max(1, int(line))
    if name in _PLUS_LINE:
        return [*argv, f"+{line}", path]
    if name in _COLON_LINE:
        return [*argv, f"{path}:{line}"]
    if name in _GOTO:
        extra = [] if {"-w", "--wait"} & set(argv) else ["--wait"]
        return [*argv, *extra, "--goto", f"{path}:{line}"]
    return [*argv, path]


_WORD = r"\S+\s*|\s+"
_PATH_BREAK = r"(?<=[/\\])"  # a long path may break after a separator
# (compiled by `re` at their first use, in the picker or the help: not on the first card)


def wrap_points(line: str, width: int) -> list[int]:
    """Where to break ``line`` into rows of at most ``width`` cells: between words, never inside one.

    A word wider than a whole row (a long path) starts where it is and breaks
    after a ``/``; only a part with no ``/`` that fits is cut at the width.
    """
    width = max(1, width)
    cuts: list[int] = []
    used = 0
    for m in re.finditer(_WORD, line):
        word = m.group().rstrip()
        if used and used + cell_len(word) > width and (cell_len(word) <= width or "/" not in word):
            cuts.append(m.start())
            used = 0
        pos = m.start()
        while used + cell_len(line[pos : m.start() + len(word)]) > width:  # longer than a row
            breaks = (x.start() for x in re.compile(_PATH_BREAK).finditer(line, pos + 1, m.end()))
            room = [p for p in breaks if cell_len(line[pos:p]) <= width - used]
            cut = room[-1] if room else pos + max(1, width - used)
            cuts.append(cut)
            pos, used = cut, 0
        used += cell_len(line[pos : m.end()])
    return [c for c in cuts if 0 < c < len(line)]


def deck_query(deck: str | None) -> str:
    """The search (docs/search.md) for ``deck`` and its subdecks: ``deck:"Python::Pandas"``; "" for every deck."""
    if not deck:
        return ""
    quoted = deck.replace("\\", "\\\\").replace('"', '\\"')
    return f'deck:"{quoted}"'


def card_place(card: Card) -> str:
    """``path:line`` of a card, the path relative to the working folder when it is inside it."""
    path = card.path
    try:
        relative = os.path.relpath(path)
    except ValueError:  # another drive (Windows)
        relative = path
    if not relative.startswith(os.pardir):
        path = relative
    return f"{path}:{card.line}"


def leech_notice(action: str | None, threshold: int) -> str | None:
    """What the study screen says when a grade made the card a leech (``action``: "tag" or "suspend"; None: nothing)."""
    if action is None:
        return None
    first = f"You have now forgotten this card {plural(threshold, 'time')}: it is a leech (search finds it with is:leech)."
    if action == "suspend":
        return f"{first} It is suspended: rewrite or split it, then unsuspend it (S). u undoes."
    return f"{first} Consider rewriting or splitting it. u undoes."
