"""Card text to HTML for Anki: Markdown with markdown-it-py, code with pygments.

Everything the user wrote is escaped: raw HTML in Markdown is shown as text
(``html`` is off), code goes through pygments' escaping, and the output of a
predict-the-output card is escaped verbatim. So ``<``, ``&`` and ``{{`` in a
deck reach the Anki card exactly as written.

Highlighted code uses pygments' short CSS classes (``<span class="k">``); the
colours live in the note type's CSS (see :mod:`pyflash.export.anki.notetype`), so
the same HTML works in Anki's light and night modes.

The lexer and formatter objects are built once and cached. Lexing itself
still costs a few hundred microseconds per snippet, so :class:`RenderCache`
keeps rendered cards across exports, keyed by a digest of everything that
goes into them (an unchanged card is never rendered twice).
"""

from __future__ import annotations

import hashlib
import html
import re
from collections.abc import Sequence
from functools import cache, lru_cache
from pathlib import Path
from typing import NamedTuple

from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict
from pygments.lexer import Lexer
from pygments.lexers import get_lexer_by_name
from pygments.token import STANDARD_TYPES, _TokenType
from pygments.util import ClassNotFound

from pyflash.core import Card
from pyflash.core.decks import cloze
from pyflash.core.markup import markdown_parser
from pyflash.export import cachefile
from pyflash.export.fastlex import speed_up
from pyflash.export.quickmd import quick_blocks, quick_markdown
from pyflash.export.spans import highlight_tokens

# Bump when the HTML produced for the same card changes (the versions of
# pygments and markdown-it-py are part of the cache key already).
RENDER_FORMAT = "2"  # 2: a leading byte-order mark is kept


class Rendered(NamedTuple):
    """The HTML of one card's fields, in note type order (Key is added later)."""

    question: str
    code: str
    answer: str
    output: str
    note: str
    source: str


@lru_cache(maxsize=64)
def _lexer(lang: str | None) -> Lexer | None:
    """A cached lexer for a deck's ``lang`` (or a fence's info), or None for plain text."""
    if not lang:
        return None
    name = lang.strip().lower()
    if name in ("text", "plain", "plaintext", "txt", "output", "none"):
        return None
    try:
        return speed_up(get_lexer_by_name(name, stripnl=False))  # the same tokens, found faster (fastlex.py)
    except ClassNotFound:
        return None


_LANG_CLASS = re.compile(r"[^A-Za-z0-9_+#.-]")


def highlight(code: str, lang: str | None) -> str:
    """``<pre class="pf-hl"><code class="language-x">...</code></pre>`` for a snippet."""
    code = code.rstrip("\n")
    lexer = _lexer(lang)
    if lexer is None:
        body = html.escape(code, quote=False)
    else:
        body = highlight_tokens(lexer, code)  # what pygments' HtmlFormatter(nowrap=True) writes (spans.py)
        if body.endswith("\n"):  # the lexer ends the text with a newline
            body = body[:-1]
        if code.startswith("\ufeff"):  # pygments drops a leading byte-order mark; keep every character
            body = "\ufeff" + body
    cls = _LANG_CLASS.sub("", lang or "") or "text"
    return f'<pre class="pf-hl"><code class="language-{cls}">{body}</code></pre>'


def _render_code_block(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    token = tokens[idx]
    lang = env.get("lang")
    if token.type == "fence" and token.info:
        info = token.info.strip().split(None, 1)
        lang = info[0] if info else lang
    return highlight(token.content, lang) + "\n"


@cache
def _markdown() -> MarkdownIt:
    # Raw HTML off: `<b>` in a card is shown as `<b>`.
    md = markdown_parser()
    md.add_render_rule("fence", _render_code_block)
    md.add_render_rule("code_block", _render_code_block)
    return md


def markdown(text: str | None, lang: str | None = None) -> str:
    """Markdown to HTML; fenced code is highlighted (default language: ``lang``)."""
    if not text or not text.strip():
        return ""
    stripped = text.rstrip(" \n")
    quick = quick_markdown(stripped)  # one plain line: the same HTML without markdown-it (quickmd.py)
    if quick is None and "\n" in stripped:  # paragraphs, fenced code, simple lists (quickmd.py)
        quick = quick_blocks(stripped, highlight, lang)
    if quick is not None:
        return quick
    rendered: str = _markdown().render(text, {"lang": lang})
    return rendered.rstrip("\n")


_URL = re.compile(r"https?://[^\s<>\"]+")


def source_html(source: str | None) -> str:
    """A card's ``source``: a bare URL becomes a link, anything else inline Markdown."""
    if not source or not source.strip():
        return ""
    text = source.strip()
    if _URL.fullmatch(text):
        url = html.escape(text, quote=True)
        return f'<a href="{url}">{url}</a>'
    inline: str = _markdown().renderInline(text, {"lang": None})
    return inline


def output_html(output: str | None) -> str:
    """The expected stdout of an output card, verbatim."""
    if output is None:
        return ""
    return f'<pre class="pf-out"><code>{html.escape(output.rstrip(chr(10)), quote=False)}</code></pre>'


def render_card(card: Card) -> Rendered:
    lang = card.lang
    if card.cloze is not None:  # a cloze note: the cloze text (with Anki's markers) stands for the code
        return Rendered(
            markdown(card.q, lang), cloze_html(card.cloze, lang), "", "", markdown(card.note, lang),
            source_html(card.source),
        )
    return Rendered(
        markdown(card.q, lang),
        highlight(card.code, lang) if card.code and card.code.strip() else "",
        markdown(card.a, lang),
        output_html(card.output),
        markdown(card.note, lang),
        source_html(card.source),
    )


# --------------------------------------------------------------------------
# A cloze's text as Anki cloze HTML (the note types are in anki/variants.py)


def _css_class(ttype: _TokenType) -> str:
    """pygments' short CSS class of a token type (as its HtmlFormatter writes it)."""
    found: _TokenType | None = ttype
    while found is not None and found not in STANDARD_TYPES:
        found = found.parent
    return STANDARD_TYPES[found] if found is not None else ""


def _escape(text: str, *, hidden: bool) -> str:
    """HTML-escaped text in which Anki can see no cloze marker: braces (and, hidden, colons) as entities."""
    out = html.escape(text, quote=False).replace("{", "&#123;").replace("}", "&#125;")
    return out.replace(":", "&#58;") if hidden else out


def cloze_html(text: str, lang: str | None) -> str:
    """The Text field of a cloze note: the code highlighted, with Anki's ``{{cN::...}}`` around each span.

    The markers sit between pygments' token spans (a token that a marker cuts
    is split in two), so each cloze is well-formed HTML. Braces and colons of
    the code are written as entities, so ``}}`` or ``::`` in the code never
    ends a cloze in Anki. ``lang: markdown`` renders the text as Markdown.
    """
    spans, _ = cloze.parse(text)
    plain, where = cloze.filled(text, spans)
    trimmed = plain.rstrip("\n")
    if all(end <= len(trimmed) for _, end, _ in where):
        plain = trimmed
    opens: dict[int, list[str]] = {}
    closes: dict[int, list[str]] = {}
    for start, end, span in where:
        opens.setdefault(start, []).append(f"{{{{c{span.number}::")
        hint = f"::{_escape(span.hint, hidden=True)}" if span.hint else ""
        closes.setdefault(end, []).insert(0, hint + "}}")
    if (lang or "").strip().lower() in ("markdown", "md"):
        return _markdown_cloze(plain, where)
    lexer = _lexer(lang)
    tokens = [(0, "", plain)] if lexer is None else [
        (i, _css_class(t), v) for i, t, v in lexer.get_tokens_unprocessed(plain)
    ]
    cuts = set(opens) | set(closes)
    ordered = sorted(cuts)
    out: list[str] = []
    inside = 0

    def markers(at: int) -> None:
        nonlocal inside
        out.extend(closes.get(at, ()))
        out.extend(opens.get(at, ()))
        inside += len(opens.get(at, ())) - len(closes.get(at, ()))

    if 0 in cuts:
        markers(0)
    for index, cls, value in tokens:
        end = index + len(value)
        pos = index
        for cut in [c for c in ordered if index < c < end] + [end]:
            piece = plain[pos:cut]
            if piece:
                esc = _escape(piece, hidden=inside > 0)
                out.append(f'<span class="{cls}">{esc}</span>' if cls else esc)
            if cut in cuts:
                markers(cut)
            pos = cut
    body = "".join(out).rstrip("\n")
    cls = _LANG_CLASS.sub("", lang or "") or "text"
    return f'<pre class="pf-hl"><code class="language-{cls}">{body}</code></pre>'


def _markdown_cloze(plain: str, where: list[tuple[int, int, cloze.Span]]) -> str:
    """A Markdown cloze: each span stands in as a private-use token while the text is rendered."""
    out: list[str] = []
    pos = 0
    for i, (start, end, _) in enumerate(where):
        out += [plain[pos:start], f"\ue000{i}\ue001"]
        pos = end
    out.append(plain[pos:])
    rendered = markdown("".join(out)).replace("{", "&#123;").replace("}", "&#125;")
    for i, (_, _, span) in enumerate(where):
        hint = f"::{_escape(span.hint, hidden=True)}" if span.hint else ""
        rendered = rendered.replace(f"\ue000{i}\ue001", f"{{{{c{span.number}::{_escape(span.hidden, hidden=True)}{hint}}}}}")
    return rendered


# --------------------------------------------------------------------------
# A cache of rendered cards, so re-exports only render what changed.


@cache
def _versions() -> str:
    from importlib.metadata import PackageNotFoundError, version  # deferred: start-up time (once per export)

    parts = [RENDER_FORMAT]
    for dist in ("pygments", "markdown-it-py"):
        try:
            parts.append(version(dist))
        except PackageNotFoundError:  # pragma: no cover - both are dependencies
            parts.append("?")
    return "/".join(parts)


def render_digest(card: Card) -> bytes:
    """A digest of everything :func:`render_card` reads, and of what an exported note carries besides its HTML
    (key, id, deck, tags...: the Key field's payload, the GUID), so that a cache entry can hold the whole note."""
    text = "\x1f".join(
        (
            _versions(),
            card.q,
            card.a if card.a is not None else "\x00",
            card.code if card.code is not None else "\x00",
            card.lang or "",
            card.output if card.output is not None else "\x00",
            card.note if card.note is not None else "\x00",
            card.source if card.source is not None else "\x00",
        )
    )
    if card.cloze is not None:  # (only then: other cards keep their digests)
        text += "\x1fcloze\x1f" + card.cloze
    # What the note carries besides its HTML (anki/payload.py, package.py): repr keeps the parts apart.
    text += "\x1e" + repr((card.note_key, card.id, card.deck, card.tags, card.requires, card.accept, card.lint,
                           card.type_in, card.reverse))
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()


_CACHE_FORMAT = "pyflash-anki-render/4"  # 4: cachefile.py's segments; 3: the note's Key field, GUID, digest kept too
# Entries kept beyond those used by the latest export (other --deck exports).
_KEEP_EXTRA = 50_000
# An export that changed at most 1/_APPEND_SHARE of the entries read appends them to the file (cachefile.py),
# up to _MAX_SEGMENTS segments; otherwise the file is rewritten (which also drops unused entries).
_APPEND_SHARE = 10
_MAX_SEGMENTS = 16


_PARTS = len(Rendered._fields)
NoteParts = tuple[str, str, str]  # the note's Key field, its GUID and its content digest (anki/package.py)


class RenderCache:
    """Rendered cards by :func:`render_digest`, in one file (:mod:`pyflash.export.cachefile`).

    An entry is the card's six HTML fields and, once the card has been
    exported, the rest of its note that costs time to compute (:data:`NoteParts`:
    the Key field with its JSON payload, the GUID, the content digest), so an
    unchanged card costs a lookup. A missing, corrupt or foreign file is
    ignored (and rewritten); the cache only ever saves time, it never changes
    what is exported.
    """

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._old: dict[bytes, tuple[str, ...]] = {}
        self._used: dict[bytes, tuple[str, ...]] = {}
        self.hits = 0
        self.misses = 0
        self.added = 0  # note parts added to entries
        self._segments = 0  # segments of the file read (0: none, or unreadable)
        self._stored = 0  # entries stored in them
        if path is not None:
            found = cachefile.read(path, _CACHE_FORMAT)
            self._old, self._segments, self._stored = found.entries, found.segments, found.stored

    def lookup(self, card: Card) -> tuple[Rendered | None, bytes]:
        """The card's cached HTML (None: not cached, counted as a miss) and its digest."""
        digest = render_digest(card)
        hit = self._used.get(digest) or self._old.get(digest)
        if hit is not None and len(hit) in (_PARTS, _PARTS + 3):
            self.hits += 1
            self._used[digest] = hit
            return Rendered._make(hit[:_PARTS]), digest
        self.misses += 1
        return None, digest

    def put(self, digest: bytes, parts: Sequence[str]) -> Rendered:
        """Keep a card's HTML (and maybe its :data:`NoteParts` after it), rendered here or in a worker."""
        self._used[digest] = tuple(parts)
        return Rendered._make(parts[:_PARTS])

    def empty(self) -> bool:
        """Nothing cached: no file, an empty one, or one of another format; nothing looked up or put yet."""
        return not self._old and not self._used

    def put_miss(self, digest: bytes, parts: Sequence[str]) -> Rendered:
        """:meth:`put` for a card rendered without a :meth:`lookup` (counted as a miss)."""
        self.misses += 1
        return self.put(digest, parts)

    def note_parts(self, digest: bytes) -> NoteParts | None:
        """The note parts kept with a card's HTML (None: not yet)."""
        entry = self._used.get(digest)
        if entry is None or len(entry) != _PARTS + 3:
            return None
        return entry[_PARTS], entry[_PARTS + 1], entry[_PARTS + 2]

    def put_note_parts(self, digest: bytes, parts: NoteParts) -> None:
        """Keep a note's parts with its card's HTML (only for an entry looked up or put in this export)."""
        entry = self._used.get(digest)
        if entry is not None:
            self._used[digest] = (*entry[:_PARTS], *parts)
            self.added += 1

    def render(self, card: Card) -> Rendered:
        hit, digest = self.lookup(card)
        if hit is not None:
            return hit
        return self.put(digest, render_card(card))

    def save(self) -> None:
        """Store what was rendered now (keeping older entries up to a limit); errors are ignored.

        A few changed entries are appended to the file; otherwise it is rewritten (cachefile.py).
        """
        if self.path is None or (self.misses == 0 and self.added == 0):
            return
        old = self._old
        new = {digest: value for digest, value in self._used.items() if old.get(digest) is not value}
        try:
            if (
                0 < self._segments < _MAX_SEGMENTS
                and len(new) * _APPEND_SHARE <= len(old)
                and self._stored <= len(old) + _KEEP_EXTRA
            ):
                cachefile.append(self.path, new)
                return
            entries = dict(self._used)
            for digest, value in old.items():
                if len(entries) >= len(self._used) + _KEEP_EXTRA:
                    break
                entries.setdefault(digest, value)
            cachefile.write(self.path, _CACHE_FORMAT, entries)
        except OSError:
            pass  # a cache that cannot be saved only costs speed
