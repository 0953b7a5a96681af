"""Anki notes to pyflash cards: fields by note type, HTML to Markdown, ids from GUIDs.

* A ``pyflash v1`` note (a pyflash export) whose fields are as exported gives
  back the card exactly as written, from the text its Key field carries
  (:mod:`pyflash.export.anki.payload`). Edited in Anki, its HTML is converted.
* Basic (fields Front, Back): ``q`` from Front, ``a`` from Back; a note with a
  reverse card (Basic (and reversed card), Basic (optional reversed card) with
  'Add Reverse' filled) is one card with ``reverse: true`` (its reverse card,
  ``ID#r``, takes the Anki reverse card's history); Basic (type in the answer)
  gives ``type: true``.
* Cloze: one card per cloze number: ``q`` shows that deletion as ``[...]``
  (or its hint), ``a`` gives the hidden text and the Back Extra (a warning per
  note type: pyflash has no cloze key yet).
* Any other note type: ``q`` from the first field, ``a`` from the rest (a
  warning per note type).

HTML becomes Markdown with markdownify; a ``<pre>`` block in the question
becomes the card's ``code``, with the language from its class
(``language-python``) or detected (:func:`pyflash.importer.lang.detect_lang`);
``<pre>`` blocks elsewhere become fenced blocks with a language.
"""

from __future__ import annotations

import hashlib
import re
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from pyflash.core.answers import SHORT_ANSWER, is_short_answer
from pyflash.core.decks.model import derived_key
from pyflash.export.anki.notetype import FIELDS as PYFLASH_FIELDS
from pyflash.export.anki.package import anki_tags
from pyflash.export.anki.payload import decode_key_field, fields_digest
from pyflash.export.anki.variants import CLOZE_FIELDS
from pyflash.importer.anki.reader import AnkiCard, AnkiNote
from pyflash.importer.lang import detect_lang, normalise_lang

__all__ = ["ImportedCard", "Conversion", "convert_notes", "html_to_markdown", "note_token"]

CardFields = dict[str, Any]  # q, a, code, ... as written in the deck (str, or list of str for tags)


@dataclass(frozen=True, slots=True)
class ImportedCard:
    deck: str
    fields: CardFields  # id first, then the keys in deck-format order
    key: str  # the pyflash card key (its id, or the derived key)
    anki: AnkiCard | None  # the Anki card whose history and schedule this card takes
    exact: bool = False  # taken verbatim from a pyflash export
    entry: str = ""  # the deck entry's key (``key`` without ``#c1``/``#r``): cards of one entry are written once


@dataclass
class Conversion:
    cards: list[ImportedCard] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    by_type: dict[str, int] = field(default_factory=dict)  # note type -> notes
    exact: int = 0  # pyflash notes given back verbatim
    edited: int = 0  # pyflash notes edited in Anki (converted from HTML)


# --------------------------------------------------------------------------
# HTML


_PRE = re.compile(r"<pre\b[^>]*>.*?</pre>", re.S | re.I)
_LANG_CLASS = re.compile(r"""class\s*=\s*["']?([^"'>]*)""", re.I)
_BLANKS = re.compile(r"\n{3,}")


def _class_lang(tag_html: str) -> str | None:
    for classes in _LANG_CLASS.findall(tag_html):
        for cls in classes.split():
            name = cls.removeprefix("language-").removeprefix("lang-")
            lang = normalise_lang(name)
            if lang and cls not in ("pf-hl", "pf-out"):
                return lang
    return None


def _pre_text(pre_html: str) -> tuple[str, str | None]:
    """The text of a ``<pre>`` block and the language its classes name."""
    from bs4 import BeautifulSoup  # deferred: start-up time (markdownify's dependency, only import-anki)

    soup = BeautifulSoup(pre_html, "html.parser")
    for br in soup.find_all("br"):
        br.replace_with("\n")
    text = soup.get_text().replace("\xa0", " ")
    return text.strip("\n"), _class_lang(pre_html)


def _lang_for(code: str, label: str | None) -> str:
    return detect_lang(code, label).lang


def html_to_markdown(value: str) -> str:
    """An Anki field's HTML as Markdown (code blocks fenced, with a language)."""
    from markdownify import MarkdownConverter  # deferred: optional dependency (only import-anki)

    def language(el: Any) -> str:
        code, label = _pre_text(str(el))
        return _lang_for(code, label)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # bs4 warns when a field's text looks like a file name or URL
        text = MarkdownConverter(
            heading_style="ATX", bullets="-", escape_underscores=False, newline_style="backslash",
            code_language_callback=language,
        ).convert(value)
    text = text.replace("\xa0", " ")
    lines = [line.rstrip() if not line.endswith("\\") else line for line in text.split("\n")]
    return _BLANKS.sub("\n\n", "\n".join(lines)).strip()


def split_code(value: str) -> tuple[str, str | None, str | None]:
    """(the rest as Markdown, the first ``<pre>`` block's code, its language)."""
    match = _PRE.search(value)
    if match is None:
        return html_to_markdown(value), None, None
    code, label = _pre_text(match.group(0))
    rest = value[: match.start()] + value[match.end() :]
    if not code.strip():
        return html_to_markdown(value), None, None
    return html_to_markdown(rest), code, _lang_for(code, label)


# --------------------------------------------------------------------------
# Ids


_SAFE = re.compile(r"[A-Za-z0-9_-]+")
_WORD = re.compile(r"[^\W_]+")


def note_token(guid: str) -> str:
    """An id-safe token for a note GUID: the GUID itself when it is one, else a hash of it."""
    if _SAFE.fullmatch(guid) and len(guid) <= 24:
        return guid
    return hashlib.blake2b(guid.encode("utf-8"), digest_size=6).hexdigest()


def slug(text: str) -> str:
    words = [w.lower() for w in _WORD.findall(text) if w.isascii()][:5]
    return "-".join(words)[:40].strip("-") or "anki"


def card_id(note: AnkiNote, question: str, known: Mapping[str, str]) -> str:
    """``slug-token``; the id already used for this note in the output folder wins (a re-import)."""
    token = note_token(note.guid)
    return known.get(token) or f"{slug(question)}-{token}"


# --------------------------------------------------------------------------
# Note types


def _kind(note: AnkiNote) -> str:
    names = tuple(n.casefold() for n in note.field_names)
    if note.field_names == PYFLASH_FIELDS and note.notetype.startswith("pyflash"):
        return "pyflash"
    if note.field_names == CLOZE_FIELDS and note.notetype.startswith("pyflash"):  # exact unless edited in Anki
        payload = decode_key_field(note.fields[0])
        if payload.fields is not None and payload.digest == fields_digest(note.fields[1:]):
            return "pyflash"
    if note.cloze:
        return "cloze"
    if names[:2] == ("front", "back"):
        return "basic"
    return "other"


_ORDER = ("id", "q", "a", "code", "lang", "output", "note", "tags", "source", "requires", "type", "accept", "lint",
          "cloze", "reverse")


def _ordered(data: Mapping[str, Any]) -> CardFields:
    order = _ORDER
    return {k: data[k] for k in order if data.get(k) not in (None, "", [], ())}


def _tags(note: AnkiNote) -> list[str]:
    return [t for t in note.tags if t.casefold() != "leech"] if note.tags else []


def _qa(note: AnkiNote, q_html: str, a_parts: Sequence[str], known: Mapping[str, str]) -> CardFields:
    q, code, lang = split_code(q_html)
    answer = "\n\n".join(part for part in (html_to_markdown(p) for p in a_parts) if part)
    data: CardFields = {
        "q": q or ("What does this code do?" if code else "(empty in Anki)"),
        "a": answer or "(empty in Anki)",
        "code": code,
        "lang": lang if code else None,
        "tags": _tags(note),
    }
    data["id"] = card_id(note, data["q"], known)
    return _ordered(data)


def _pyflash(note: AnkiNote, conv: Conversion, known: Mapping[str, str]) -> list[ImportedCard]:
    payload = decode_key_field(note.fields[0])
    anki = note.cards[0] if note.cards else None
    stored = payload.fields
    if stored is not None and payload.digest == fields_digest(note.fields[1:]):
        data = dict(stored)
        tags = [str(t) for t in data.get("tags") or []]
        if anki_tags(tags) != list(note.tags) and sorted(anki_tags(tags)) != sorted(note.tags):
            tags = _tags(note)  # the tags were changed in Anki: Anki's win
        data["tags"] = tags
        variant = str(data.get("variant") or "")
        # The note's deck in Anki (moved there, maybe); a note Anki made no card of keeps its own.
        deck = note.deck if note.cards else str(data.get("deck") or note.deck)
        fields = _ordered(data)
        conv.exact += 1
        text = fields.get("code") if fields.get("cloze") is None else fields.get("cloze")
        entry = str(fields.get("id") or derived_key(deck, str(fields.get("q") or ""), text))
        key = f"{entry}#{variant}" if variant else entry
        if variant or (fields.get("cloze") is None and not fields.get("reverse")):
            return [ImportedCard(deck, fields, key, anki, exact=True, entry=entry)]
        return _entry_cards(note, deck, fields, entry)
    # Edited in Anki (or an old export): convert the HTML, keep the card's key as its id.
    conv.edited += 1
    by_name = dict(zip(note.field_names, note.fields, strict=True))
    q, _, _ = split_code(by_name["Question"])
    code, lang = (None, None)
    if by_name["Code"].strip():
        code, lang = _pre_text(by_name["Code"])
        lang = _lang_for(code, lang)
    output = _pre_text(by_name["Output"])[0] if by_name["Output"].strip() else None
    key = payload.key.split("#", 1)[0] or card_id(note, q, known)  # a cloze or reverse card: its entry
    data = {
        "id": key,
        "q": q or "(empty in Anki)",
        "a": html_to_markdown(by_name["Answer"]) or (None if output is not None else "(empty in Anki)"),
        "code": code, "lang": lang, "output": output,
        "note": html_to_markdown(by_name["Note"]) or None,
        "tags": _tags(note),
        "source": html_to_markdown(by_name["Source"]) or None,
    }
    return [ImportedCard(note.deck, _ordered(data), key, anki)]


def _entry_cards(note: AnkiNote, deck: str, fields: CardFields, entry: str) -> list[ImportedCard]:
    """A whole entry in one note (pyflash cloze v1, pyflash reverse v1): its cards, each with its Anki card."""
    from pyflash.core.decks import cloze  # deferred: only for cloze and reverse notes

    text = fields.get("cloze")
    if isinstance(text, str):
        suffixes = [f"c{n}" for n in cloze.numbers(cloze.parse(text)[0])]  # card ord n-1 is cloze n
    else:
        suffixes = ["", "r"]  # ord 0 forward, ord 1 reverse
    by_ord = {c.ord: c for c in note.cards}
    return [
        ImportedCard(deck, fields, f"{entry}#{s}" if s else entry, by_ord.get(i), exact=True, entry=entry)
        for i, s in enumerate(suffixes)
    ]


def _shows(template: str, field_name: str, *, typed: bool = False) -> bool:
    """Whether a card template shows the field (``{{Back}}``; ``typed``: a type-in box, ``{{type:Back}}``)."""
    prefix = r"type:" if typed else r"(?:[\w-]+:)*"  # {{text:Back}}, {{furigana:Back}}... show it too
    return re.search(r"\{\{\s*" + prefix + re.escape(field_name) + r"\s*\}\}", template) is not None


def _basic(note: AnkiNote, known: Mapping[str, str], warn: Callable[[str, str, str], None]) -> list[ImportedCard]:
    """A Basic-like note (Front, Back...): one card, with ``reverse: true`` when the note has a reverse card
    (Basic (and reversed card); Basic (optional reversed card) with 'Add Reverse' filled) and ``type: true``
    when its card asks to type the answer (Basic (type in the answer)). Each Anki card keeps its history."""
    front, back = note.field_names[0], note.field_names[1]
    templates = note.templates
    by_ord = {c.ord: c for c in note.cards}
    data = _qa(note, note.fields[0], note.fields[1:2], known)
    # A second template asking for the Back (and answering with the Front) is a reverse card.
    reverse_ord = next(
        (i for i, (q, a) in enumerate(templates) if i > 0 and _shows(q, back) and _shows(a, front)), None
    )
    optional = next((i for i, name in enumerate(note.field_names) if name.casefold() == "add reverse"), None)
    reverse = reverse_ord is not None and (
        reverse_ord in by_ord or (optional is not None and bool(html_to_markdown(note.fields[optional]).strip()))
    )
    others = [c for c in note.cards if c.ord not in (0, reverse_ord)]
    if others:
        warn("reverse", note.notetype, f"note type '{note.notetype}': only the Front -> Back card"
             f"{' and its reverse' if reverse_ord is not None else ''} of each note were imported; "
             "the cards of its other templates were left out")
    if templates and (_shows(templates[0][0], back, typed=True) or _shows(templates[0][1], back, typed=True)):
        if is_short_answer(str(data.get("a") or "")):
            data["type"] = "true"
        else:
            warn("typed", note.notetype, f"note type '{note.notetype}': a typed answer longer than one short line "
                 f"(at most {SHORT_ANSWER} columns) was imported as a card you answer by grading, not typing")
    if reverse:
        data["reverse"] = "true"
    data = _ordered(data)
    entry = str(data["id"])
    forward = by_ord.get(0)
    if forward is None and reverse_ord is None and note.cards:
        forward = note.cards[0]
    cards = [ImportedCard(note.deck, data, entry, forward, entry=entry)]
    if reverse:
        cards.append(ImportedCard(note.deck, data, f"{entry}#r", by_ord.get(reverse_ord or 1), entry=entry))
    return cards


_CLOZE = re.compile(r"\{\{c(\d+)::(.*?)(?:::(.*?))?\}\}", re.S)


def _cloze_side(text: str, number: int, *, reveal: bool) -> str:
    def sub(m: re.Match[str]) -> str:
        if int(m.group(1)) != number:
            return m.group(2)
        if reveal:
            return f"<b>{m.group(2)}</b>"
        return f"[{m.group(3)}]" if m.group(3) else "[...]"

    return _CLOZE.sub(sub, text)


def _cloze_key(note: AnkiNote, known: Mapping[str, str]) -> list[ImportedCard] | None:
    """A Cloze note as one `cloze:` entry (a card per cloze number); None when pyflash would not take its markers."""
    from pyflash.core.decks import cloze  # deferred: only for cloze notes

    text = html_to_markdown(note.fields[0]) if note.fields else ""
    spans, errors = cloze.parse(text)
    if errors or not spans:
        return None
    extra = "\n\n".join(x for x in (html_to_markdown(f) for f in note.fields[1:]) if x)
    base = card_id(note, html_to_markdown(_CLOZE.sub(lambda m: m.group(2), note.fields[0])), known)
    data = _ordered({"id": base, "note": extra or None, "tags": _tags(note), "cloze": text})
    by_ord = {c.ord: c for c in note.cards}
    return [
        ImportedCard(note.deck, data, f"{base}#c{n}", by_ord.get(n - 1), entry=base) for n in cloze.numbers(spans)
    ]


def _cloze(note: AnkiNote, known: Mapping[str, str]) -> list[ImportedCard]:
    text, extra = note.fields[0], "\n\n".join(f for f in note.fields[1:] if f.strip())
    numbers = sorted({int(n) for n in _CLOZE.findall(text) for n in [n[0]]}) or [1]
    base = card_id(note, html_to_markdown(_CLOZE.sub(lambda m: m.group(2), text)), known)
    by_ord = {c.ord: c for c in note.cards}
    out = []
    for number in numbers:
        q, code, lang = split_code(_cloze_side(text, number, reveal=False))
        hidden = [m.group(2) for m in _CLOZE.finditer(text) if int(m.group(1)) == number]
        answer = "\n\n".join(x for x in (html_to_markdown(" … ".join(hidden)), html_to_markdown(extra)) if x)
        cid = base if len(numbers) == 1 else f"{base}-c{number}"
        data = {
            "id": cid, "q": q or "What is hidden?", "a": answer or "(empty in Anki)",
            "code": code, "lang": lang if code else None, "tags": _tags(note),
        }
        out.append(ImportedCard(note.deck, _ordered(data), cid, by_ord.get(number - 1)))
    return out


def convert_notes(
    notes: Sequence[AnkiNote],
    known_ids: Mapping[str, str] | None = None,
    progress: Callable[[str, int, int], None] | None = None,
) -> Conversion:
    """Every note as pyflash cards, in note order, and a warning per unusual note type."""
    conv = Conversion()
    known = known_ids or {}
    warned: set[tuple[str, str]] = set()

    def warn(kind: str, note_type: str, message: str) -> None:
        if (kind, note_type) not in warned:
            warned.add((kind, note_type))
            conv.warnings.append(message)

    step = max(1, len(notes) // 100)
    for done, note in enumerate(notes):
        if progress is not None and done % step == 0:
            progress("convert", done, len(notes))
        conv.by_type[note.notetype] = conv.by_type.get(note.notetype, 0) + 1
        kind = _kind(note)
        first = note.cards[0] if note.cards else None
        if kind == "pyflash":
            conv.cards.extend(_pyflash(note, conv, known))
        elif kind == "basic":
            conv.cards.extend(_basic(note, known, warn))
        elif kind == "cloze":
            if note.field_names == CLOZE_FIELDS:  # pyflash's own, edited in Anki: its Key field is not the text
                note = replace(note, field_names=note.field_names[1:], fields=note.fields[1:])
            as_cloze = _cloze_key(note, known)
            if as_cloze is None:
                warn("cloze", note.notetype, f"note type '{note.notetype}': cloze markers pyflash does not take "
                     "(a number gap, a nested marker): those notes became one q/a card per cloze number")
                conv.cards.extend(_cloze(note, known))
            else:
                conv.cards.extend(as_cloze)
        else:
            names = ", ".join(note.field_names[1:]) or "nothing"
            warn("other", note.notetype, f"note type '{note.notetype}': q from its first field "
                 f"({note.field_names[0] if note.field_names else '?'}), a from the rest ({names})")
            data = _qa(note, note.fields[0] if note.fields else "", note.fields[1:], known)
            conv.cards.append(ImportedCard(note.deck, data, data["id"], first))
    return conv
