"""The export's parallel render: the same HTML as the serial render, byte for byte.

Also: the joined-rule pygments tokenizer (export/fastlex.py) gives pygments' own tokens,
the pool falls back to the serial render when it cannot run, and the progress bar.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
from pygments.lexers import get_lexer_by_name

from conftest import ROOT
from pyflash.core.decks.loader import explicit_sources, load_decks
from pyflash.export import parallel
from pyflash.export.fastlex import speed_up
from pyflash.export.render import RenderCache, render_card

sys.path.insert(0, str(ROOT / "bench"))
from export import generate  # the benchmark's generated code cards


@pytest.fixture(scope="module")
def cards(tmp_path_factory):
    folder = tmp_path_factory.mktemp("gen")
    generate(folder, 1000)
    bundled = load_decks(explicit_sources([str(ROOT / "decks")])).cards
    made = load_decks(explicit_sources([str(folder)])).cards
    return bundled + made[:600]


def test_parallel_render_equals_serial_byte_for_byte(cards):
    serial = [render_card(c) for c in cards]
    cache = RenderCache(None)
    progress = []
    got = parallel.render_all(cards, cache, workers=2, min_parallel=1, progress=lambda *a: progress.append(a))
    assert got == serial
    assert "".join("".join(r) for r in got).encode() == "".join("".join(r) for r in serial).encode()
    assert progress[-1] == ("render", len(cards), len(cards))
    # A second pass takes everything from the cache.
    again = RenderCache(None)
    again._old = dict(cache._used.items())
    assert parallel.render_all(cards, again, workers=2, min_parallel=1) == serial
    assert again.misses == 0


def test_spawned_workers_give_the_same_html(cards, monkeypatch):
    import multiprocessing

    monkeypatch.setattr(parallel, "_context", lambda: multiprocessing.get_context("spawn"))
    some = cards[:200]
    assert parallel.render_all(some, RenderCache(None), workers=2, min_parallel=1) == [render_card(c) for c in some]


def test_a_broken_pool_falls_back_to_the_serial_render(cards, monkeypatch):
    class Broken:
        def __init__(self, *a, **k):
            raise OSError("no processes here")

    monkeypatch.setattr(parallel, "ProcessPoolExecutor", Broken)
    some = cards[:150]
    assert parallel.render_all(some, RenderCache(None), workers=2, min_parallel=1) == [render_card(c) for c in some]


def test_small_batches_stay_serial(cards, monkeypatch):
    def no_pool(*a, **k):
        raise AssertionError("a pool for a few cards")

    monkeypatch.setattr(parallel, "_parallel", no_pool)
    some = cards[:50]
    assert parallel.render_all(some, RenderCache(None), workers=2) == [render_card(c) for c in some]


def _snippets(cards) -> list[tuple[str, str]]:
    out = []
    for c in cards:
        if c.code:
            out.append((c.lang or "python", c.code))
        for text in (c.a or "", c.note or "", c.q):
            out += [(m.group(1) or c.lang or "python", m.group(2)) for m in re.finditer(r"```(\w*)\n(.*?)```", text, re.S)]
    return out


def test_joined_rules_give_pygments_own_tokens(cards):
    snippets = _snippets(cards)
    assert len(snippets) > 500
    for lang, code in snippets + [("python", "s = r'''a\\b'''  # x\nf'{x!r:>{w}}' if x else b\"\\x00\"\n")]:
        try:
            plain = get_lexer_by_name(lang, stripnl=False)
        except Exception:
            continue
        fast = speed_up(get_lexer_by_name(lang, stripnl=False))
        assert list(fast.get_tokens(code)) == list(plain.get_tokens(code)), (lang, code[:60])


def test_joined_rules_are_used_for_python():
    from pyflash.export import fastlex

    lexer = speed_up(get_lexer_by_name("python"))
    list(lexer.get_tokens("def f(x):\n    return x\n"))
    assert fastlex._CACHE[type(lexer)]["root"] is not None


def test_export_writes_the_same_package_with_and_without_the_pool(tmp_path, monkeypatch):
    import multiprocessing

    from pyflash.export.anki import package as ax

    decks = load_decks(explicit_sources([str(ROOT / "decks")])).cards
    one, two = tmp_path / "one.apkg", tmp_path / "two.apkg"
    monkeypatch.setattr(parallel, "MIN_PARALLEL", 1)
    ax.export_anki(decks, one, ledger=ax.MtimeLedger(None), cache=RenderCache(None), now=1_800_000_000)
    # The pool's workers were left to end while the package was written, and waited for before the return.
    assert parallel._ENDING == [] and multiprocessing.active_children() == []
    monkeypatch.setattr(parallel, "worker_count", lambda: 1)
    ax.export_anki(decks, two, ledger=ax.MtimeLedger(None), cache=RenderCache(None), now=1_800_000_000)
    assert Path(one).read_bytes() == Path(two).read_bytes()


def test_an_empty_cache_skips_the_look_ups_and_gets_every_digest_from_the_workers(cards, monkeypatch):
    from pyflash.export.render import render_digest

    some = cards[:300]
    cache = RenderCache(None)
    monkeypatch.setattr(cache, "lookup", lambda card: pytest.fail("a look-up in an empty cache"))
    digests: list[bytes] = []
    seen: list[int] = []
    got = parallel.render_all(
        some, cache, workers=2, min_parallel=1, digests=digests,
        ready=lambda out: seen.append(sum(r is not None for r in out)),
    )
    assert got == [render_card(c) for c in some]
    assert digests == [render_digest(c) for c in some]
    assert cache.misses == len(some) and seen[-1] == len(some) and seen == sorted(seen)
    assert all(cache.note_parts(d) is not None for d in digests)  # the workers' note parts are kept


def test_the_cyclic_collector_is_paused_during_an_export_and_restored(tmp_path, monkeypatch):
    import gc

    from pyflash.export.anki import package as ax

    decks = load_decks(explicit_sources([str(ROOT / "decks")])).cards[:20]
    seen: list[bool] = []
    real = ax.render_all

    def render_all(*args, **kwargs):
        seen.append(gc.isenabled())
        return real(*args, **kwargs)

    monkeypatch.setattr(ax, "render_all", render_all)
    assert gc.isenabled()
    ax.export_anki(decks, tmp_path / "a.apkg", ledger=ax.MtimeLedger(None), cache=RenderCache(None))
    assert seen == [False] and gc.isenabled()
    with monkeypatch.context() as patched:
        patched.setattr(ax, "write_atomically", lambda *a, **k: (_ for _ in ()).throw(ax.ExportError("disk full")))
        with pytest.raises(ax.ExportError):
            ax.export_anki(decks, tmp_path / "b.apkg", ledger=ax.MtimeLedger(None), cache=RenderCache(None))
    assert gc.isenabled()
    gc.disable()  # an export leaves the collector as it found it
    try:
        ax.export_anki(decks, tmp_path / "c.apkg", ledger=ax.MtimeLedger(None), cache=RenderCache(None))
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_forked_workers_read_their_cards_from_the_parent_not_a_pickle(cards, monkeypatch):
    import multiprocessing

    from pyflash.core import Card

    def no_pickle(self, protocol):
        raise TypeError("a card was pickled for a forked worker")

    monkeypatch.setattr(parallel, "_context", lambda: multiprocessing.get_context("fork"))
    monkeypatch.setattr(Card, "__reduce_ex__", no_pickle, raising=False)
    left: list[list] = []
    real = parallel._parallel

    def watched(*args):
        rest = real(*args)
        left.append(rest)
        return rest

    monkeypatch.setattr(parallel, "_parallel", watched)
    some = cards[:300]
    serial = [render_card(c) for c in some]
    assert parallel.render_all(some, RenderCache(None), workers=2, min_parallel=1) == serial  # cold: every card
    partly = RenderCache(None)
    partly._old = {}
    partly.render(some[0])  # not empty: the look-ups, then the misses in the pool
    assert parallel.render_all(some, partly, workers=2, min_parallel=1) == serial
    assert left == [[], []] and parallel._SHARED == ()


def _ended(processes) -> bool:
    """Whether every process has exited, by its sentinel (readable once it ended). Not ``is_alive()``: the pool's
    own thread may have reaped a process and not yet noted it (it waits for the GIL), and then ``is_alive()``
    of another thread sees no child (ECHILD) and says alive (a flaky failure under load)."""
    from multiprocessing.connection import wait

    return len(wait([p.sentinel for p in processes], timeout=0)) == len(processes)


def test_workers_started_early_render_the_same_html_and_are_ended(cards, tmp_path, monkeypatch):
    import multiprocessing

    monkeypatch.setattr(parallel, "_context", lambda: multiprocessing.get_context("fork"))
    monkeypatch.setattr(parallel, "worker_count", lambda: 2)
    cache_file = tmp_path / "render.bin"
    left: list[list] = []
    real = parallel._parallel
    monkeypatch.setattr(parallel, "_parallel", lambda *args: left.append(real(*args)) or left[-1])
    some = cards[:200]
    pool = parallel.start_early(cache_file)  # no render cache yet: a cold export is coming
    assert isinstance(pool, parallel.Workers)
    processes = list(pool.pool._processes.values())
    cache = RenderCache(cache_file)
    with pool:
        assert parallel.render_all(some, cache, min_parallel=1, pool=pool) == [render_card(c) for c in some]
    assert left == [[]] and processes and _ended(processes)
    cache.save()
    assert parallel.start_early(cache_file) is None  # the cache holds entries: no guess
    unused = parallel.start_early(tmp_path / "none.bin")
    assert unused is not None
    processes = list(unused.pool._processes.values())
    unused.close()  # ended at once, warm-up or not
    assert _ended(processes)
    monkeypatch.setattr(parallel, "worker_count", lambda: 1)
    assert parallel.start_early(tmp_path / "none.bin") is None


def test_the_cache_file_head_tells_whether_it_holds_entries(tmp_path):
    from pyflash.export import cachefile

    path = tmp_path / "c.bin"
    assert not cachefile.holds_entries(path, "fmt/1")
    cachefile.write(path, "fmt/1", {})
    assert cachefile.holds_entries(path, "fmt/1")  # an empty dict is still a segment of some bytes
    assert not cachefile.holds_entries(path, "fmt/2")
    path.write_bytes(b"fmt/1\n")
    assert not cachefile.holds_entries(path, "fmt/1")
    cachefile.write(path, "fmt/1", {b"k": ("v",)})
    assert cachefile.holds_entries(path, "fmt/1")


def test_chunks_cover_every_card_once_and_shrink_at_the_end():
    for n in (0, 1, 63, 300, 10_000):
        chunks = parallel._split(list(range(n)))
        assert [i for chunk in chunks for i in chunk] == list(range(n)) and all(chunks)
    chunks = parallel._split(list(range(10_000)))
    assert max(map(len, chunks)) == parallel._CHUNK and len(chunks[-1]) == parallel._CHUNK // 4
    small = parallel._TAIL * 4  # the last _TAIL full chunks' cards, in quarters
    assert [len(c) for c in chunks[-small:]] == [parallel._CHUNK // 4] * small
