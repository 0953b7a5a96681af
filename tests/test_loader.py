"""Deck loading: the format, located errors, safety, and the cache."""

from __future__ import annotations

import os
import re
import threading
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import DATA, ROOT, write_deck
from pyflash import paths
from pyflash.core.decks import cache
from pyflash.core.decks.loader import explicit_sources, parse_deck_file
from pyflash.core.decks.loader import load_decks as _load_decks
from pyflash.core.decks.model import derived_key
from pyflash.core.errors import PyflashError

BROKEN = DATA / "broken"
LOCATED = re.compile(r"^(?P<path>.+?):(?P<line>\d+):(?P<col>\d+): .+")

# file -> a fragment the error must contain, and the line it must point at
EXPECTED = {
    "01-bad-indent.yaml": ("check the indentation", 5),
    "02-missing-q.yaml": ("'q' is missing", 3),
    "03-tags-not-list.yaml": ("key 'tags': must be a list", 5),
    "04b-dup-id.yaml": ("duplicate id 'same', already used at", 3),
    "05-not-utf8.yaml": ("not valid UTF-8", 3),
    "06-empty.yaml": ("file is empty", 1),
    "07-not-mapping.yaml": ("must be a mapping", 1),
    "08-python-tag.yaml": ("'!!python/object/apply:os.system' is not allowed", 3),
    "09-unknown-key.yaml": ("unknown key 'anser' (did you mean 'a'?)", 4),
    "10-no-answer.yaml": ("needs an answer", 3),
    "11-tabs.yaml": ("not tabs", 3),
    "12-cards-not-list.yaml": ("'cards' must be a list", 2),
    "13-card-not-mapping.yaml": ("card 1 must be a mapping", 3),
    "14-duplicate-key.yaml": ("key 'a' appears twice", 5),
    "15-q-not-text.yaml": ("key 'q': must be text", 3),
    "16-output-without-code.yaml": ("'output' needs the `code:`", 3),
    "17-only-comments.yaml": ("only comments", 1),
    "18-bad-deck-name.yaml": ("'deck' must be a name", 1),
    "19-unclosed-quote.yaml": ("never closed", 3),
    "20-two-documents.yaml": ("one document", 3),
    "21-unknown-deck-key.yaml": ("unknown key 'card' (did you mean 'cards'?)", 2),
    "22-python-new.yaml": ("'!!python/object/new:os.system' is not allowed", 3),
    "23-same-question.yaml": ("same question and code as card 1", 5),
}


def load_decks(sources, *, use_cache=True, **kw):
    """The loader with this test's deck cache (under PYFLASH_HOME), as a workspace passes it."""
    return _load_decks(sources, cache_dir=paths.deck_cache_dir() if use_cache else None, **kw)


def test_battery_has_at_least_15_broken_decks():
    assert len(list(BROKEN.glob("*.yaml"))) >= 15


def test_every_broken_deck_gives_a_located_error():
    result = load_decks(explicit_sources([BROKEN]))
    by_file: dict[str, list[str]] = {}
    for err in result.errors:
        line = str(err)
        m = LOCATED.match(line)
        assert m, line
        assert "\n" not in line
        by_file.setdefault(Path(err.path).name, []).append(line)
    for name, (fragment, line_no) in EXPECTED.items():
        lines = by_file.get(name, [])
        assert any(fragment in ln and f":{line_no}:" in ln for ln in lines), (name, lines)
    # Only the good card of 04a and none of the others survived.
    assert [c.id for c in result.cards if c.id] == ["same"]


def test_python_tags_run_nothing(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    marker = tmp_path / "PWNED"
    deck = write_deck(
        tmp_path,
        "evil.yaml",
        f'deck: Evil\ncards:\n  - q: !!python/object/apply:os.system ["touch {marker}"]\n    a: x\n'
        f'  - q: ok\n    a: !!python/object/apply:subprocess.call [["touch", "{marker}"]]\n',
    )
    result = load_decks(explicit_sources([deck]))
    assert len(result.errors) == 2
    assert not marker.exists()


def test_a_broken_deck_does_not_stop_the_others(tmp_path):
    write_deck(tmp_path, "good.yaml", "deck: Good\ncards:\n  - q: a\n    a: b\n")
    write_deck(tmp_path, "bad.yaml", "deck: Bad\ncards:\n  - q: [\n")
    result = load_decks(explicit_sources([tmp_path]))
    assert [c.deck for c in result.cards] == ["Good"]
    assert len(result.errors) == 1 and result.errors[0].path.endswith("bad.yaml")


def test_card_fields_and_defaults(tmp_path):
    path = write_deck(
        tmp_path,
        "topic.yaml",
        """\
description: d
tags: [deck-tag]
lang: python
cards:
  - q: "  What prints?  "
    code: print(1)
    output: "1"
    tags: [own, deck-tag]
    source: Notes / Heading
  - id: fixed
    q: Other
    a: yes
    lang: bash
    requires: [numpy]
""",
    )
    result = load_decks(explicit_sources([path]))
    assert not result.errors
    first, second = result.cards
    assert first.deck == "topic"  # defaults to the file name
    assert first.q == "What prints?"
    assert first.lang == "python" and first.tags == ("deck-tag", "own")
    assert first.key == derived_key("topic", "What prints?", "print(1)")
    assert first.line == 5 and first.position == 1 and first.source == "Notes / Heading"
    assert second.key == "fixed" and second.a == "yes"  # plain scalars keep their text
    assert second.lang == "bash" and second.requires == ("numpy",)


def test_derived_key_ignores_whitespace_and_order(tmp_path):
    a = write_deck(tmp_path / "a", "d.yaml", "deck: D\ncards:\n  - q: one  two\n    a: x\n  - q: three\n    a: y\n")
    b = write_deck(tmp_path / "b", "d.yaml", "deck: D\ncards:\n  - q: three\n    a: changed\n  - q: |\n      one\n      two\n    a: x\n    tags: [new]\n")
    keys_a = {c.q.split()[0]: c.key for c in load_decks(explicit_sources([a])).cards}
    keys_b = {c.q.split()[0]: c.key for c in load_decks(explicit_sources([b])).cards}
    assert keys_a == keys_b


def test_directories_are_searched_recursively(tmp_path):
    write_deck(tmp_path / "x" / "y", "deep.yml", "deck: Deep\ncards:\n  - q: a\n    a: b\n")
    write_deck(tmp_path / ".git", "ignored.yaml", "deck: Hidden\ncards:\n  - q: a\n    a: b\n")
    write_deck(tmp_path, "notes.txt", "not a deck")
    result = load_decks(explicit_sources([tmp_path]))
    assert [f.deck for f in result.files] == ["Deep"]


def test_missing_path_is_a_user_error(tmp_path):
    with pytest.raises(PyflashError, match="no such file or directory"):
        load_decks(explicit_sources([tmp_path / "nope"]))


# -- messages say what is true: FIFOs, symlink loops, NUL bytes -----------------

needs_fifo = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
needs_symlinks = pytest.mark.skipif(os.name == "nt", reason="symlinks need privileges")


def within(seconds: float, fn):
    """``fn()``'s result (or exception), failing the test if it has not returned in time.

    Opening a FIFO for reading blocks until a writer comes; none ever does here.
    """
    values: list[object] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            values.append(fn())
        except BaseException as exc:  # handed to the test below
            errors.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"still running after {seconds} s (reading a FIFO?)"
    if errors:
        raise errors[0]
    return values[0]


@needs_fifo
def test_a_fifo_given_as_a_deck_is_named_and_never_read(tmp_path):
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    with pytest.raises(PyflashError) as err:
        within(10, lambda: load_decks(explicit_sources([fifo])))
    assert str(err.value) == f"{fifo}: is a FIFO, not a deck file"
    errors = within(10, lambda: parse_deck_file(fifo).errors)
    assert [str(e) for e in errors] == [f"{fifo}:1:1: is a FIFO, not a deck file"]


@needs_fifo
def test_a_fifo_in_a_deck_folder_is_an_error_of_its_own(tmp_path):
    write_deck(tmp_path, "good.yaml", "deck: Good\ncards:\n  - q: a\n    a: b\n")
    os.mkfifo(tmp_path / "pipe.yaml")
    for use_cache in (True, False):
        result = within(10, lambda use_cache=use_cache: load_decks(explicit_sources([tmp_path]), use_cache=use_cache))
        assert [c.deck for c in result.cards] == ["Good"]
        assert [str(e) for e in result.errors] == [f"{tmp_path / 'pipe.yaml'}:1:1: is a FIFO, not a deck file"]


@needs_symlinks
def test_a_symlink_loop_is_called_one(tmp_path):
    loop = tmp_path / "loop.yaml"
    loop.symlink_to(loop)
    with pytest.raises(PyflashError) as err:
        load_decks(explicit_sources([loop]))
    assert str(err.value) == f"{loop}: symlink loop (fix or remove the link)"
    assert "no such file" not in str(err.value)
    write_deck(tmp_path, "good.yaml", "deck: Good\ncards:\n  - q: a\n    a: b\n")
    result = load_decks(explicit_sources([tmp_path]))  # in a folder: an error of its own
    assert [c.deck for c in result.cards] == ["Good"]
    assert [str(e) for e in result.errors] == [f"{loop}:1:1: symlink loop (fix or remove the link)"]


@needs_symlinks
def test_a_dangling_symlink_says_so(tmp_path):
    link = tmp_path / "gone.yaml"
    link.symlink_to(tmp_path / "elsewhere.yaml")
    with pytest.raises(PyflashError, match=r"gone\.yaml: symlink to .*elsewhere\.yaml, which does not exist"):
        load_decks(explicit_sources([link]))
    assert load_decks(explicit_sources([tmp_path])).files == []  # skipped in a folder, as before


@pytest.mark.parametrize(
    ("data", "line", "col"),
    [
        (b"deck: N\ncards:\n  - q: a\n    a: b\x00c\n", 4, 9),
        (b"\x00deck: N\n", 1, 1),
        ("deck: N\ncards:\n  - q: 问题\x00\n    a: b\n".encode(), 3, 10),  # columns count characters
        (b"deck: N\r\ncards:\r\n  - q: a\x01\r\n", 3, 9),
        ("\ufeffdeck: N\ncards:\n  - q: \"a\x00\"\n".encode(), 3, 10),
    ],
)
def test_a_nul_byte_is_reported_where_it_is(data, line, col):
    (err,) = parse_deck_file("nul.yaml", data).errors
    assert (err.line, err.col) == (line, col), str(err)
    assert "control characters are not allowed" in err.message


def test_bom_and_crlf_are_fine(tmp_path):
    path = tmp_path / "win.yaml"
    path.write_bytes("\ufeffdeck: Win\r\ncards:\r\n  - q: 问题\r\n    a: 答案\r\n".encode("utf-8"))
    result = load_decks(explicit_sources([path]))
    assert not result.errors and result.cards[0].q == "问题"


def test_bundled_decks_are_clean():
    result = load_decks(explicit_sources([ROOT / "decks"]))
    assert result.errors == []
    assert len(result.cards) > 0
    assert all(c.id for c in result.cards)


# -- the cache -----------------------------------------------------------------


def test_unchanged_file_is_not_parsed_twice(tmp_path, monkeypatch):
    path = write_deck(tmp_path, "c.yaml", "deck: C\ncards:\n  - q: a\n    a: b\n")
    first = load_decks(explicit_sources([path])).cards

    def boom(*a, **k):
        raise AssertionError("parsed again")

    monkeypatch.setattr(cache, "parse_deck_file", boom)  # the name the cache calls
    assert load_decks(explicit_sources([path])).cards == first
    with pytest.raises(AssertionError, match="parsed again"):  # (the patch does take effect)
        load_decks(explicit_sources([path]), use_cache=False)


def test_changed_file_is_parsed_again(tmp_path):
    path = write_deck(tmp_path, "c.yaml", "deck: C\ncards:\n  - q: a\n    a: b\n")
    load_decks(explicit_sources([path]))
    path.write_text("deck: C\ncards:\n  - q: a\n    a: changed answer\n", encoding="utf-8")
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 10_000_000))
    assert load_decks(explicit_sources([path])).cards[0].a == "changed answer"


@pytest.mark.parametrize("damage", ["empty", "garbage", "head", "cards"])
def test_corrupt_cache_entry_is_ignored_and_rebuilt(tmp_path, damage, monkeypatch):
    path = write_deck(tmp_path, "c.yaml", "deck: C\ncards:\n  - q: a\n    a: b\n")
    expected = load_decks(explicit_sources([path])).cards
    (entry,) = list((Path(os.environ["PYFLASH_HOME"]) / "cache" / "decks").glob("*.bin"))
    blob = entry.read_bytes()
    damaged = {
        "empty": b"",
        "garbage": b"garbage",
        "head": blob[:30] + b"X" * 10 + blob[40:],
        "cards": blob[:-5] + b"XXXXX",
    }[damage]
    entry.write_bytes(damaged)
    assert load_decks(explicit_sources([path])).cards == expected
    assert entry.read_bytes() != damaged  # rebuilt
    monkeypatch.setattr(cache, "parse_deck_file", lambda *a, **k: pytest.fail("parsed again"))
    assert load_decks(explicit_sources([path])).cards == expected  # and trusted again


def test_cache_clear(tmp_path):
    path = write_deck(tmp_path, "c.yaml", "deck: C\ncards:\n  - q: a\n    a: b\n")
    load_decks(explicit_sources([path]))
    assert cache.clear(paths.deck_cache_dir()) == 1


# -- the loader never crashes ----------------------------------------------------

yaml_ish = st.lists(
    st.sampled_from(list("abq:-[]{}!&*|>'\"#\n\t  ,.%@`?~0123456789问") + ["cards:", "deck:", "q:", "a:", "!!python/object ", "\n  - ", "\n    "]),
    max_size=60,
).map("".join)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=yaml_ish)
def test_parser_never_crashes_on_text(body):
    result = parse_deck_file("fuzz.yaml", body.encode("utf-8"))
    for err in result.errors:
        assert LOCATED.match(str(err))
        assert err.line >= 1 and err.col >= 1


@settings(max_examples=200, deadline=None)
@given(data=st.binary(max_size=200))
def test_parser_never_crashes_on_bytes(data):
    result = parse_deck_file("fuzz.yaml", data)
    assert all(LOCATED.match(str(e)) for e in result.errors)


scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=20))
values = st.recursive(scalars, lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=5), c, max_size=3), max_leaves=10)


@settings(max_examples=300, deadline=None)
@given(doc=st.dictionaries(st.sampled_from(["deck", "cards", "tags", "lang", "description", "x"]), st.one_of(values, st.lists(st.dictionaries(st.sampled_from(["q", "a", "code", "output", "tags", "id", "zz"]), values, max_size=5), max_size=4)), max_size=5))
def test_parser_never_crashes_on_structures(doc):
    import yaml

    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)  # libyaml's: the same text, 4x faster than Python's
    text = yaml.dump(doc, Dumper=dumper, allow_unicode=True)
    result = parse_deck_file("fuzz.yaml", text.encode("utf-8"))
    assert all(LOCATED.match(str(e)) for e in result.errors)
    for card in result.cards:
        assert isinstance(card.q, str) and card.q
