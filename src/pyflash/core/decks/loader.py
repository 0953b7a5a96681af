"""Loading and validating YAML decks.

Decks are parsed with PyYAML's safe composer (libyaml's ``CSafeLoader`` when
present) into a node tree, and pyflash builds its cards from the nodes itself.
Nothing is ever *constructed* from a YAML tag, so ``!!python/object/apply``
and friends are refused with an error instead of being run. Every error
carries the ``path:line:col`` of the node it is about.

Validated files are cached (see :mod:`pyflash.core.decks.cache`), keyed by path,
size and mtime, so an unchanged file is never parsed twice.
"""

from __future__ import annotations

import gc
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pyflash.core.decks.model import CARD_KEYS, DECK_KEYS, Card, DeckFile, derived_key
from pyflash.core.errors import DeckError, PyflashError, utf8_error_position

DECK_SUFFIXES = (".yaml", ".yml")

_STR = "tag:yaml.org,2002:str"
_NULL = "tag:yaml.org,2002:null"
_SEQ = "tag:yaml.org,2002:seq"
_MAP = "tag:yaml.org,2002:map"
_MERGE = "tag:yaml.org,2002:merge"
# Scalars whose text we take as written: `a: yes` is the text "yes".
_PLAIN_SCALARS = frozenset(
    {
        _STR,
        "tag:yaml.org,2002:int",
        "tag:yaml.org,2002:float",
        "tag:yaml.org,2002:bool",
        "tag:yaml.org,2002:timestamp",
    }
)

_ALIASES = {
    "question": "q",
    "front": "q",
    "answer": "a",
    "back": "a",
    "notes": "note",
    "tag": "tags",
    "language": "lang",
    "snippet": "code",
    "stdout": "output",
    "name": "deck",
    "title": "deck",
    "require": "requires",
    "key": "id",
}


def _yaml():
    import yaml

    return yaml


_LOADER = None
_NULLS = frozenset({"", "~", "null", "Null", "NULL"})


def _loader_class():
    """The safe loader (libyaml's when present) with a lean tag resolver.

    pyflash reads every plain scalar as the text written (``a: yes`` is
    "yes"), so the only implicit tags it needs are str, null and merge;
    PyYAML's regex resolver (a third of the parse time) is skipped. Explicit
    tags are left as written and refused by the validation below.
    """
    global _LOADER
    if _LOADER is None:
        yaml = _yaml()
        base = getattr(yaml, "CSafeLoader", None) or yaml.SafeLoader
        scalar, sequence = yaml.ScalarNode, yaml.SequenceNode

        class DeckLoader(base):  # type: ignore[misc, valid-type]
            def resolve(self, kind, value, implicit):
                if kind is scalar:
                    if implicit[0]:
                        if value in _NULLS:
                            return _NULL
                        if value == "<<":
                            return _MERGE
                    return _STR
                return _SEQ if kind is sequence else _MAP

            def descend_resolver(self, current_node, current_index):
                pass

            def ascend_resolver(self):
                pass

        _LOADER = DeckLoader
    return _LOADER


def did_you_mean(key: str, choices: Sequence[str]) -> str:
    """`` (did you mean 'q'?)`` or an empty string."""
    lowered = key.lower()
    if lowered in choices and lowered != key:
        return f" (did you mean '{lowered}'?)"
    alias = _ALIASES.get(lowered)
    if alias in choices:
        return f" (did you mean '{alias}'?)"
    import difflib

    close = difflib.get_close_matches(lowered, choices, n=1, cutoff=0.6)
    if close:
        return f" (did you mean '{close[0]}'?)"
    for near in difflib.get_close_matches(lowered, list(_ALIASES), n=3, cutoff=0.75):
        if _ALIASES[near] in choices:
            return f" (did you mean '{_ALIASES[near]}'?)"
    return f" (allowed keys: {', '.join(choices)})"


class _Problems:
    """Collects errors for one file."""

    __slots__ = ("path", "errors")

    def __init__(self, path: str) -> None:
        self.path = path
        self.errors: list[DeckError] = []

    def at(self, node, message: str) -> None:
        mark = node.start_mark
        self.errors.append(DeckError(self.path, mark.line + 1, mark.column + 1, message))

    def at_pos(self, line: int, col: int, message: str) -> None:
        self.errors.append(DeckError(self.path, line, col, message))


def _kind(node) -> str:
    tag = node.tag
    if tag == _MAP:
        return "a mapping"
    if tag == _SEQ:
        return "a list"
    if tag == _NULL:
        return "nothing (null)"
    return "text"


def _bad_tag(node) -> str | None:
    tag = node.tag
    if tag in _PLAIN_SCALARS or tag in (_NULL, _SEQ, _MAP):
        return None
    shown = tag.replace("tag:yaml.org,2002:", "!!")
    return (
        f"YAML tag '{shown}' is not allowed: decks are plain data and pyflash never "
        "constructs objects from tags (remove the tag)"
    )


def _text(node, what: str, problems: _Problems) -> str | None:
    """The text of a scalar node, or None (and an error) if it is not one."""
    bad = _bad_tag(node)
    if bad:
        problems.at(node, f"{what}: {bad}")
        return None
    tag = node.tag
    if tag in _PLAIN_SCALARS:
        return node.value
    if tag == _NULL:
        return None
    problems.at(node, f"{what}: must be text, found {_kind(node)} (quote it, or use `|` for several lines)")
    return None


def _text_list(node, what: str, example: str, problems: _Problems) -> tuple[str, ...] | None:
    bad = _bad_tag(node)
    if bad:
        problems.at(node, f"{what}: {bad}")
        return None
    if node.tag == _NULL:
        return ()
    if node.tag != _SEQ:
        problems.at(node, f"{what}: must be a list of strings, e.g. `{example}`")
        return None
    items: list[str] = []
    ok = True
    for item in node.value:
        bad = _bad_tag(item)
        if bad:
            problems.at(item, f"{what}: {bad}")
            ok = False
        elif item.tag in _PLAIN_SCALARS:
            value = item.value.strip()
            if value:
                items.append(value)
        else:
            problems.at(item, f"{what}: must be a list of strings, found {_kind(item)} in it, e.g. `{example}`")
            ok = False
    return tuple(dict.fromkeys(items)) if ok else None


def _mapping_items(node, where: str, problems: _Problems, allowed: Sequence[str]):
    """Yield (key, value_node) of a mapping, reporting bad and duplicate keys."""
    seen: dict[str, object] = {}
    for key_node, value_node in node.value:
        if key_node.tag == _MERGE:
            problems.at(key_node, f"{where}: YAML merge keys (<<) are not supported; write the keys out")
            continue
        if key_node.tag not in _PLAIN_SCALARS:
            bad = _bad_tag(key_node)
            problems.at(key_node, f"{where}: {bad or 'keys must be plain words'}")
            continue
        key = key_node.value
        if key not in allowed:
            problems.at(key_node, f"{where}: unknown key '{key}'{did_you_mean(key, allowed)}")
            continue
        if key in seen:
            first = seen[key].start_mark  # type: ignore[attr-defined]
            problems.at(
                key_node,
                f"{where}: key '{key}' appears twice (first at line {first.line + 1}); keep one",
            )
            continue
        seen[key] = key_node
        yield key, value_node


def _decode(data: bytes, problems: _Problems) -> str | None:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line, col = utf8_error_position(data, exc)
        problems.at_pos(
            line,
            col,
            f"file is not valid UTF-8 (byte 0x{data[exc.start]:02x}); re-save it as UTF-8",
        )
        return None
    if text.startswith("\ufeff"):
        text = text[1:]
    return text


def _yaml_error(exc, problems: _Problems, text: str) -> None:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    context = getattr(exc, "context", None)
    context_mark = getattr(exc, "context_mark", None)
    message = f"YAML syntax error: {problem}"
    if context:
        message += f" ({context})"
    lowered = message.lower()
    lines = text.split("\n")
    line_text = lines[mark.line] if mark is not None and mark.line < len(lines) else ""
    if "end of stream" in lowered and "quoted scalar" in lowered and context_mark is not None:
        mark = context_mark
        message += "; a quote opened here is never closed"
    elif "\t" in line_text[: max(mark.column, 0) + 1 if mark is not None else 0] or line_text.startswith("\t"):
        message += "; indent with spaces, not tabs"
    elif "mapping values are not allowed" in lowered:
        message += "; check the indentation, or quote text that contains ': '"
    elif "expected a single document" in lowered:
        message += "; a deck file holds one document (remove the extra `---`)"
    elif "found character" in lowered and "cannot start any token" in lowered:
        message += "; quote text that starts with this character"
    elif "expected" in lowered:
        message += "; check the indentation of this line and the one above"
    if mark is not None:
        problems.at_pos(mark.line + 1, mark.column + 1, message)
    else:
        problems.at_pos(1, 1, message)


def parse_deck_file(path: str | os.PathLike[str], data: bytes | None = None) -> DeckFile:
    """Parse and validate one deck file. Never raises for bad content."""
    spath = str(path)
    default_name = Path(spath).stem
    problems = _Problems(spath)
    result = DeckFile(spath, default_name, errors=problems.errors)
    if data is None:
        try:
            data = Path(spath).read_bytes()
        except OSError as exc:
            problems.at_pos(1, 1, f"cannot read file: {exc.strerror or exc}")
            return result
    text = _decode(data, problems)
    if text is None:
        return result
    if not text.strip():
        problems.at_pos(1, 1, "file is empty; a deck needs at least `cards:` with one card (see docs/deck-format.md)")
        return result
    yaml = _yaml()
    try:
        root = yaml.compose(text, Loader=_loader_class())
    except yaml.YAMLError as exc:
        _yaml_error(exc, problems, text)
        return result
    except (RecursionError, MemoryError):
        problems.at_pos(1, 1, "YAML is nested too deeply to be a deck")
        return result
    except Exception as exc:  # libyaml may raise odd errors on odd input
        problems.at_pos(1, 1, f"cannot parse YAML: {exc}")
        return result
    if root is None:
        problems.at_pos(1, 1, "file holds only comments; a deck needs at least `cards:` with one card")
        return result
    bad = _bad_tag(root)
    if bad:
        problems.at(root, bad)
        return result
    if root.tag != _MAP:
        problems.at(
            root,
            f"a deck file must be a mapping with a `cards:` list, found {_kind(root)} "
            "(start the file with `deck: Name` and `cards:`)",
        )
        return result

    cards_node = None
    deck_level_errors = len(problems.errors)
    for key, value in _mapping_items(root, "deck", problems, DECK_KEYS):
        if key == "deck":
            name = _text(value, "'deck'", problems)
            if name is not None:
                name = name.strip()
                parts = name.split("::")
                if not name or any(not p.strip() for p in parts):
                    problems.at(value, "'deck' must be a name like `Python` or `Python::Basics` (no empty parts around ::)")
                else:
                    result.deck = "::".join(p.strip() for p in parts)
        elif key == "description":
            result.description = _text(value, "'description'", problems)
        elif key == "lang":
            lang = _text(value, "'lang'", problems)
            result.lang = lang.strip() if lang and lang.strip() else None
        elif key == "tags":
            result.tags = _text_list(value, "'tags'", "tags: [python, basics]", problems) or ()
        elif key == "cards":
            cards_node = value
    if cards_node is None:
        if len(problems.errors) > deck_level_errors:
            return result  # e.g. `card:` misspelt: that error says it all
        problems.at(root, "the deck has no `cards:` list (add `cards:` with at least one card)")
        return result
    bad = _bad_tag(cards_node)
    if bad:
        problems.at(cards_node, f"'cards': {bad}")
        return result
    if cards_node.tag == _NULL:
        return result
    if cards_node.tag != _SEQ:
        problems.at(cards_node, f"'cards' must be a list of cards (each starting with `- q:`), found {_kind(cards_node)}")
        return result
    _parse_cards(cards_node.value, result, problems)
    return result


def _parse_cards(nodes, result: DeckFile, problems: _Problems) -> None:
    deck = result.deck
    deck_tags = result.tags
    deck_lang = result.lang
    path = result.path
    cards = result.cards
    seen_keys: dict[str, int] = {}
    for index, node in enumerate(nodes, start=1):
        where = f"card {index}"
        bad = _bad_tag(node)
        if bad:
            problems.at(node, f"{where}: {bad}")
            continue
        if node.tag != _MAP:
            problems.at(node, f"{where} must be a mapping with `q:` and `a:`, found {_kind(node)}")
            continue
        before = len(problems.errors)
        values: dict[str, object] = {}
        for key, value in _mapping_items(node, where, problems, CARD_KEYS):
            label = f"{where}, key '{key}'"
            if key == "tags":
                values[key] = _text_list(value, label, "tags: [python, io]", problems)
            elif key == "requires":
                values[key] = _text_list(value, label, "requires: [numpy]", problems)
            else:
                values[key] = _text(value, label, problems)
                if key in ("q", "a", "output") and values[key] is not None and not str(values[key]).strip():
                    values[key] = None if key != "q" else ""
        q = values.get("q")
        if len(problems.errors) != before:
            continue  # a key already has an error; don't pile "missing" on top
        if q is None:
            problems.at(node, f"{where}: 'q' is missing (every card needs a question: `q: ...`)")
        elif not q.strip():
            problems.at(node, f"{where}: 'q' is empty (write the question after `q:`)")
        if values.get("a") is None and values.get("output") is None and q:
            problems.at(node, f"{where}: needs an answer: add `a:` (or `output:` for a predict-the-output card)")
        if values.get("output") is not None and values.get("code") is None:
            problems.at(node, f"{where}: 'output' needs the `code:` that prints it")
        card_id = values.get("id")
        if card_id is not None:
            card_id = card_id.strip()
            if not card_id:
                problems.at(node, f"{where}, key 'id': is empty (remove it, or give a stable name)")
        if len(problems.errors) != before:
            continue
        code = values.get("code")
        key = card_id or derived_key(deck, q, code)  # type: ignore[arg-type]
        if key in seen_keys:
            other = seen_keys[key]
            if card_id:
                problems.at(node, f"{where}: duplicate id '{card_id}' (also card {other} at {path}:{_line_of(cards, other)}); ids must be unique")
            else:
                problems.at(
                    node,
                    f"{where}: same question and code as card {other} at {path}:{_line_of(cards, other)}; "
                    "merge them or give one an `id`",
                )
            continue
        seen_keys[key] = index
        tags = values.get("tags") or ()
        if deck_tags:
            tags = tuple(dict.fromkeys(deck_tags + tuple(tags)))
        lang = values.get("lang")
        lang = lang.strip() if lang else deck_lang
        cards.append(
            Card(
                key,
                card_id or None,
                deck,
                q.strip(),  # type: ignore[union-attr]
                values.get("a"),  # type: ignore[arg-type]
                code,  # type: ignore[arg-type]
                lang or None,
                values.get("output"),  # type: ignore[arg-type]
                values.get("note"),  # type: ignore[arg-type]
                tuple(tags),
                values.get("source"),  # type: ignore[arg-type]
                values.get("requires") or (),  # type: ignore[arg-type]
                path,
                node.start_mark.line + 1,
                node.start_mark.column + 1,
                index,
            )
        )


def _line_of(cards: list[Card], index: int) -> int:
    for card in cards:
        if card.position == index:
            return card.line
    return 0


# --------------------------------------------------------------------------
# Finding files and loading many of them


class DeckPathError(PyflashError):
    pass


def find_deck_files(path: Path) -> list[Path]:
    """A file as given, or every *.yaml / *.yml below a directory (sorted)."""
    if path.is_dir():
        found = [
            p
            for p in path.rglob("*")
            if p.suffix.lower() in DECK_SUFFIXES
            and p.is_file()
            and not any(part.startswith(".") for part in p.relative_to(path).parts)
        ]
        return sorted(found)
    if path.is_file():
        return [path]
    raise DeckPathError(f"{path}: no such file or directory (give a deck file or a folder of *.yaml decks)")


@dataclass
class LoadResult:
    """Every deck file that was looked at, the cards that loaded, and all errors."""

    files: list[DeckFile] = field(default_factory=list)
    errors: list[DeckError] = field(default_factory=list)
    searched: list[tuple[str, Path]] = field(default_factory=list)
    all_keys: set[str] = field(default_factory=set)

    @property
    def cards(self) -> list[Card]:
        return [card for f in self.files for card in f.cards]

    @property
    def failed_paths(self) -> set[str]:
        return {e.path for e in self.errors}

    def decks_with_errors(self) -> set[str]:
        bad = self.failed_paths
        return {f.deck for f in self.files if f.path in bad}


def load_decks(
    sources: Iterable[tuple[str, Path]] | None = None,
    *,
    use_cache: bool = True,
) -> LoadResult:
    """Load every deck file under ``sources`` ((origin, path) pairs).

    With no sources, the bundled decks plus the user's deck directories.
    Missing default directories are skipped; a missing explicit path raises
    :class:`DeckPathError`.
    """
    from pyflash import paths
    from pyflash.core.decks import cache

    defaults = sources is None
    source_list = list(paths.default_deck_sources() if defaults else sources)  # type: ignore[arg-type]
    result = LoadResult(searched=source_list)
    seen_files: set[Path] = set()
    jobs: list[tuple[str, Path]] = []
    for origin, root in source_list:
        if defaults and not root.exists():
            continue
        for file in find_deck_files(root):
            resolved = file.resolve()
            if resolved in seen_files:
                continue
            seen_files.add(resolved)
            jobs.append((origin, file))

    gc_was_enabled = gc.isenabled()
    gc.disable()  # building many small objects is dominated by the cyclic GC
    try:
        parsed = [(origin, cache.load_or_parse(file, use_cache=use_cache)) for origin, file in jobs]
    finally:
        if gc_was_enabled:
            gc.enable()

    key_lists = [pf.keys for _, pf in parsed]
    total = sum(map(len, key_lists))
    result.all_keys = set().union(*key_lists)
    unique = len(result.all_keys) == total
    owner: dict[str, Card] = {}
    for origin, pf in parsed:
        result.errors.extend(pf.errors)
        pf.origin = origin
        result.files.append(pf)
        if unique:
            continue  # the common case, checked with one set union: no key is used twice
        kept: list[Card] = []
        for card in pf.cards:
            other = owner.get(card.key)
            if other is None:
                owner[card.key] = card
                kept.append(card)
            elif card.id:
                result.errors.append(DeckError(card.path, card.line, card.col,
                    f"card {card.position}: duplicate id '{card.id}', also used at {other.path}:{other.line} "
                    f"(card {other.position}); ids must be unique across all decks"))
            else:
                result.errors.append(DeckError(card.path, card.line, card.col,
                    f"card {card.position}: same deck, question and code as {other.path}:{other.line}; "
                    "merge them or give one an `id`"))
        pf.keep_only(kept)
    if result.errors:
        counts: dict[str, int] = {}
        for e in result.errors:
            counts[e.path] = counts.get(e.path, 0) + 1
        for f in result.files:
            f.error_count = counts.get(f.path, 0)
    result.errors.sort(key=lambda e: (e.path, e.line, e.col))
    return result


def explicit_sources(paths_: Sequence[str | os.PathLike[str]]) -> list[tuple[str, Path]]:
    return [("path", Path(p).expanduser()) for p in paths_]
