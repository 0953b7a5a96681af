"""Adding a card to the user's decks without a text editor (``pyflash add``, the TUI form).

Three steps, so a caller can show what would happen before it happens:

1. a :class:`CardDraft` (what the user typed);
2. :func:`plan_add` gives an :class:`AddPlan`: the target file (an existing
   file of that deck in the user's folders, never a bundled one, or a new
   ``<slug>.yaml`` in the user's deck folder), the exact YAML text appended,
   the card's ``id`` and the whole new text of the file, already read back
   with the deck loader: an invalid card raises :class:`PyflashError` with the
   loader's message, and nothing is written;
3. :func:`apply_add` writes the file atomically, after checking it has not
   changed since it was read.

The file's old text is kept byte for byte: the card is only *inserted* (see
:mod:`pyflash.core.decks.append`).
"""

from __future__ import annotations

import dataclasses
import os
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from pyflash.core.decks import override
from pyflash.core.decks.append import place_card
from pyflash.core.decks.emit import CardFields, block_item, scalar_inline
from pyflash.core.decks.loader import BUNDLED, LoadResult
from pyflash.core.decks.model import Card, DeckFile
from pyflash.core.decks.parse import parse_deck_file
from pyflash.core.decks.sources import DeckReadError, read_deck_bytes
from pyflash.core.digest import blake2b
from pyflash.core.errors import PyflashError
from pyflash.core.fs import atomic_write_bytes
from pyflash.core.locations import Locations

__all__ = [
    "AddPlan",
    "BundledDeckError",
    "CardDraft",
    "apply_add",
    "card_id_for",
    "plan_add",
    "slug",
]

# Words left out of an id made from a question (when enough others are left).
_STOP = frozenset(
    "a an the of in on to for and or is are do does did you your how what which why when where "
    "this that these those with by from as be it its can i we".split()
)
_CJK = re.compile("[\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef\U00020000-\U0002fa1f]")


@dataclass(frozen=True)
class CardDraft:
    """A card as typed: blank texts count as not given; ``tags`` split on commas and spaces by callers."""

    deck: str
    q: str
    a: str | None = None
    code: str | None = None
    lang: str | None = None
    output: str | None = None
    note: str | None = None
    tags: tuple[str, ...] = ()
    id: str | None = None

    def fields(self, card_id: str) -> CardFields:
        """(key, value) in the order written, blank ones left out."""
        out: list[tuple[str, str | tuple[str, ...]]] = [("id", card_id), ("q", self.q.strip())]
        for key in ("code", "lang", "output", "a", "note"):
            value: str | None = getattr(self, key)
            if value is not None and value.strip():
                out.append((key, value.strip() if key == "lang" else value))
        tags = _clean_tags(self.tags)
        if tags:
            out.append(("tags", tags))
        return out


@dataclass(frozen=True)
class AddPlan:
    """What adding a card will do: append ``snippet`` to ``path`` (or create it)."""

    path: Path  # the file written (for a bundled deck being copied: where the copy will be)
    deck: str
    card_id: str
    snippet: str  # the YAML text inserted (the whole file for a new one)
    text: str  # the whole new text of the file
    base: bytes | None  # the file's bytes when planned; None: a new file
    line: int  # the new card's line in the new text
    copy_from: str | None = None  # a bundled file copied to the user's folder first
    card: Card | None = field(default=None, compare=False)  # the card as the loader reads it back

    @property
    def new_file(self) -> bool:
        return self.base is None


class BundledDeckError(PyflashError):
    """The deck is bundled with pyflash: cards go to a copy in the user's folder (``copy_bundled``)."""

    def __init__(self, deck: str, folder: Path | None) -> None:
        self.deck = deck
        self.folder = folder
        where = f" into {folder}" if folder is not None else ""
        super().__init__(
            f"deck '{deck}' is bundled with pyflash, and cards are never added to bundled decks (a reinstall "
            f"would lose them); add --copy-bundled to copy the deck{where} first: the copy overrides the "
            "bundled deck, keeps your review history, and gets the card"
        )


def slug(text: str, *, limit: int = 40, keep_unicode: bool = False) -> str:
    """Lower-case words joined by ``-``: ``Python::Basics`` -> ``python-basics``.

    Accents are dropped (``é`` -> ``e``); other letters are left out, unless
    ``keep_unicode`` (for file names, where ``基础`` may stay). At most ``limit``
    characters, cut between words.
    """
    if keep_unicode:
        words = re.findall(r"[^\W_]+", text.casefold())
    else:
        ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
        words = re.findall(r"[a-z0-9]+", ascii_text.lower())
    out = ""
    for word in words:
        joined = f"{out}-{word}" if out else word
        if len(joined) > limit:
            if not out:
                out = word[:limit]
            break
        out = joined
    return out


def card_id_for(draft: CardDraft, taken: Callable[[str], bool]) -> str:
    """A readable id made from the question, not ``taken`` by another card.

    ``How do you unzip a list of pairs?`` -> ``unzip-list-pairs``; a question
    of one word takes words of its code (``What does this print?`` with
    ``print(sorted(xs))`` -> ``print-sorted-xs``). A question in Chinese (or with too few latin words) gets a short hash:
    ``python-basics-3fa2c1`` (deck and hash), so ids stay ASCII. The same
    question gives the same id (then ``-2``, ``-3``... when taken).
    """
    content = _content_words(draft.q)
    if len(content) < 2 and draft.code and not _CJK.search(draft.q):
        # "What does this print?": the code's first words tell such cards apart.
        content += [w for w in _content_words(draft.code)[:4] if w not in content]
    base = ""
    for word in content:
        joined = f"{base}-{word}" if base else word
        if len(joined) > 32:
            break
        base = joined
    if len(base) < 3 or _CJK.search(draft.q):
        digest = blake2b(
            f"{draft.deck}\x00{draft.q.strip()}\x00{draft.code or ''}".encode(), digest_size=3
        ).hexdigest()
        stem = base if len(base) >= 3 else (slug(draft.deck, limit=24) or "card")
        base = f"{stem}-{digest}"
    candidate, n = base, 1
    while taken(candidate):
        n += 1
        candidate = f"{base}-{n}"
    return candidate


def _content_words(text: str) -> list[str]:
    """The Latin words of ``text``, lower case, small words left out (unless that leaves none)."""
    words = [w for w in slug(text, limit=10_000).split("-") if w]
    return [w for w in words if w not in _STOP] or words


def _clean_tags(tags: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(t.strip() for t in tags if t.strip()))


def _deck_name(name: str, result: LoadResult) -> str:
    """The deck's name as written in its files (``python::basics`` finds ``Python::Basics``)."""
    parts = name.strip().split("::")
    if not name.strip() or any(not p.strip() for p in parts):
        raise PyflashError(f"deck name {name!r}: give a name like `Python` or `Python::Basics` (no empty parts around ::)")
    wanted = "::".join(p.strip() for p in parts)
    names = [f.deck for f in (*result.files, *result.shadowed)]
    if wanted in names:
        return wanted
    folded = [n for n in dict.fromkeys(names) if n.casefold() == wanted.casefold()]
    return folded[0] if folded else wanted


def _read(path: str) -> bytes:
    try:
        return read_deck_bytes(path)
    except DeckReadError as exc:
        raise PyflashError(f"{path}: {exc}") from None


def _target(deck: str, result: LoadResult, folder: Path | None, copy_bundled: bool) -> tuple[DeckFile | None, bool]:
    """(the file that gets the card, whether it is a bundled file to copy first); (None, False): a new file."""
    own = [f for f in result.files if f.deck == deck and f.origin != BUNDLED]
    if own:
        own.sort(key=lambda f: f.origin != override.USER)  # the user's deck folder first
        bad = result.failed_paths
        for f in own:
            if f.path not in bad:
                return f, False
        first = next(e for e in result.errors if e.path == own[0].path)
        raise PyflashError(f"{first}; fix the deck file first (`pyflash check`), then add the card")
    bundled = [f for f in (*result.files, *result.shadowed) if f.deck == deck and f.origin == BUNDLED]
    if bundled:
        if not copy_bundled or folder is None:
            raise BundledDeckError(deck, folder)
        return bundled[0], True
    return None, False


def plan_add(
    draft: CardDraft,
    result: LoadResult,
    locations: Locations | None,
    *,
    taken: Callable[[str], bool] | None = None,
    copy_bundled: bool = False,
    new_files: Path | None = None,
) -> AddPlan:
    """Plan adding ``draft``: where, what text, which id; validated by the deck loader.

    ``taken(id)``: True for ids a generated id must not take besides the
    loaded cards' keys (the review history of a deleted card). ``new_files``:
    the folder for a new deck's file (default: the user's deck folder). Raises :class:`BundledDeckError` for a
    bundled deck (unless ``copy_bundled``), :class:`PyflashError` for an
    invalid card (the loader's message), a duplicate id or a broken target file.
    """
    folder = override.user_folder(locations)
    deck = _deck_name(draft.deck, result)
    draft = dataclasses.replace(draft, deck=deck)
    target, copying = _target(deck, result, folder, copy_bundled)

    def is_taken(key: str) -> bool:
        return key in result.all_keys or (taken is not None and taken(key))

    card_id = (draft.id or "").strip()
    if card_id:  # (the review history of a deleted card may be claimed back by its id)
        if card_id in result.all_keys:
            where = next((c.location for c in result.cards if c.key == card_id), None)
            raise PyflashError(
                f"id '{card_id}' is already used{' at ' + where if where else ''}; "
                "ids are unique across all decks (choose another, or leave --id out for a generated one)"
            )
    else:
        card_id = card_id_for(draft, is_taken)
    if target is None:
        home = new_files or folder
        if home is None:
            raise PyflashError(f"deck '{deck}' does not exist and there is no deck folder to create it in")
        return _plan_new_file(draft, card_id, home)
    base = _read(target.path)
    path = Path(target.path)
    if copying:
        assert folder is not None
        path = folder / path.name
    return _plan_append(draft, card_id, path, base, copy_from=target.path if copying else None)


def _new_file_path(deck: str, folder: Path) -> Path:
    stem = slug(deck.replace("::", " "), limit=60, keep_unicode=True) or "deck"
    for n in range(1, 1000):
        path = folder / (f"{stem}.yaml" if n == 1 else f"{stem}-{n}.yaml")
        if not path.exists() and not path.is_symlink() and not path.with_suffix(".yml").exists():
            return path
    raise PyflashError(f"{folder}: too many files named like {stem}.yaml; tidy the folder")


def _plan_new_file(draft: CardDraft, card_id: str, folder: Path) -> AddPlan:
    path = _new_file_path(draft.deck, folder)
    head = f"deck: {scalar_inline(draft.deck)}\ncards:\n"
    for quote_all in (False, True):
        text = head + block_item(draft.fields(card_id), quote_all=quote_all)
        card, errors = _read_back(path, text.encode("utf-8"), draft, card_id, 0)
        if card is not None:
            return AddPlan(path, draft.deck, card_id, text, text, None, card.line, card=card)
    raise PyflashError(errors)


def _plan_append(draft: CardDraft, card_id: str, path: Path, base: bytes, *, copy_from: str | None) -> AddPlan:
    try:
        full = base.decode("utf-8")
    except UnicodeDecodeError:
        raise PyflashError(f"{path}: file is not valid UTF-8; run `pyflash check`") from None
    bom = "\ufeff" if full.startswith("\ufeff") else ""
    body = full[len(bom) :]
    old = parse_deck_file(str(path), base)
    if old.errors:
        raise PyflashError(f"{old.errors[0]}; fix the deck file first (`pyflash check`), then add the card")
    errors = ""
    for quote_all in (False, True):
        where = place_card(body, draft.fields(card_id), where=str(path), quote_all=quote_all)
        text = bom + body[: where.at] + where.text + body[where.at :]
        card, errors = _read_back(path, text.encode("utf-8"), draft, card_id, len(old.cards), old)
        if card is not None:
            return AddPlan(path, old.deck, card_id, where.text, text, base, card.line, copy_from=copy_from, card=card)
    raise PyflashError(errors)


def _read_back(
    path: Path, data: bytes, draft: CardDraft, card_id: str, before: int, old: DeckFile | None = None
) -> tuple[Card | None, str]:
    """The new card as the deck loader reads the whole new text, if it is exactly the
    draft and the old cards are unchanged; else (None, the first problem)."""
    new = parse_deck_file(str(path), data)
    if new.errors:
        return None, str(new.errors[0])
    cards = list(new.cards)
    if len(cards) != before + 1 or (old is not None and list(old.cards) != cards[:before]):
        return None, f"{path}: the card could not be added without changing the file's other cards"
    card = cards[-1]
    expected = (
        card_id,
        draft.q.strip(),
        _blank_none(draft.a),
        _blank_none(draft.code),
        _blank_none(draft.output),
        _blank_none(draft.note),
        (draft.lang or "").strip() or new.lang,
        tuple(dict.fromkeys(new.tags + _clean_tags(draft.tags))),
    )
    got = (card.id, card.q, card.a, card.code, card.output, card.note, card.lang, card.tags)
    if got != expected:
        return None, f"{path}: the card would not read back as typed"
    return card, ""


def _blank_none(text: str | None) -> str | None:
    return text if text is not None and text.strip() else None


def apply_add(plan: AddPlan, result: LoadResult | None = None) -> Path:
    """Write the planned card; returns the file written.

    A bundled deck (``plan.copy_from``) is first copied whole to the user's
    folder (``result``: the decks the plan was made from). An existing file is
    only replaced when its bytes are still those planned on.
    """
    path = plan.path
    if plan.copy_from is not None:
        if result is None:
            raise ValueError("copying a bundled deck needs the LoadResult the plan was made from")
        copies = override.copy_bundled_deck(result, plan.deck, path.parent)
        path = copies[plan.copy_from]
    data = plan.text.encode("utf-8")
    if plan.base is None:
        try:
            atomic_write_bytes(path, data, replace=False)
        except FileExistsError:
            raise PyflashError(f"{path}: a file appeared there meanwhile; run the command again") from None
        except OSError as exc:
            raise PyflashError(f"{path}: cannot write the deck: {exc.strerror or exc}") from None
        return path
    real = Path(os.path.realpath(path))  # a symlinked deck: write the file it points to, keep the link
    if _read(str(real)) != plan.base:
        raise PyflashError(f"{path}: the file changed since it was read; run the command again")
    try:
        atomic_write_bytes(real, data)
    except OSError as exc:
        raise PyflashError(f"{path}: cannot write the deck: {exc.strerror or exc}") from None
    return path
