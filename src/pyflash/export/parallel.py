"""Render the cards an export needs on every core: a process pool over the cache misses.

Rendering (pygments and markdown-it, pure Python) is an export's cost, and it
is the same work for every card, so it splits cleanly across processes.

* Only cards not in the render cache are rendered, each distinct card once,
  with the rest of its note (Key field, GUID, content digest) computed there too.
* Workers are forked on Linux when the process has a single thread (they
  start at once, with pygments already imported); otherwise, or elsewhere,
  they are spawned. A forked worker reads its cards from the export's list it
  inherited (a task is a list of positions, not pickled cards) and sends its
  chunk back as one ``marshal`` blob (cheaper to make than a pickle of the
  tuples, and a single bytes object to pass through the pool).
* Below ``MIN_PARALLEL`` cards, on one core, or if the pool fails in any way
  (no ``fork``/``spawn``, a worker killed, a pickling error), the cards are
  rendered here, one after the other. The HTML is the same either way: the
  workers call the same :func:`~pyflash.export.render.render_card`.
"""

from __future__ import annotations

import gc
import marshal
import multiprocessing
import os
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from multiprocessing.connection import wait
from pathlib import Path
from typing import Any, TypeVar

from pyflash.core import Card
from pyflash.export import cachefile, render
from pyflash.export.render import RenderCache, Rendered, render_card, render_digest

__all__ = ["MIN_PARALLEL", "Workers", "render_all", "settle", "start_early", "worker_count"]

MIN_PARALLEL = 400  # fewer misses than this: a pool costs more than it saves
_CHUNK = 64  # cards per task: small enough for a smooth progress bar and balanced cores
T = TypeVar("T")
_TAIL = 4  # the last _TAIL * _CHUNK cards go in chunks of a quarter: the cores finish within a few cards


def _split(items: list[T]) -> list[list[T]]:
    """``items`` in chunks of :data:`_CHUNK`, smaller at the end, so that no core waits long for another's last."""
    small = max(1, _CHUNK // 4)
    head = max(0, len(items) - _TAIL * _CHUNK)
    return [items[i : min(i + _CHUNK, head)] for i in range(0, head, _CHUNK)] + [
        items[i : i + small] for i in range(head, len(items), small)
    ]

Progress = Callable[[str, int, int], None]


def worker_count() -> int:
    """The cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not Linux
        return os.cpu_count() or 1


def _render_chunk(cards: Sequence[Card]) -> list[tuple[str, ...]]:
    """Each card's HTML and, unless it shows an image (its fields then depend on the picture file, see
    anki/media.py), the rest of its note: the Key field, GUID and content digest (in the workers too)."""
    from pyflash.export.anki.package import note_fields, note_parts  # deferred: package.py imports this module

    out: list[tuple[str, ...]] = []
    for card in cards:
        parts = render_card(card)
        if "<img" in parts.question or "<img" in parts.answer or "<img" in parts.note:
            out.append(tuple(parts))
        else:
            out.append((*parts, *note_parts(card, note_fields(card, parts))))
    return out


def _render_chunk_cold(cards: Sequence[Card]) -> list[tuple[Any, ...]]:
    """:func:`_render_chunk`, each card's render digest (its cache entry) first: for an empty cache."""
    return [(render_digest(card), *parts) for card, parts in zip(cards, _render_chunk(cards), strict=True)]


_SHARED: Sequence[Card] = ()  # the cards of the render in progress, as a forked worker inherits them
_ENDING: list[threading.Thread] = []  # pools' threads still ending their workers (settle() waits for them)


def settle() -> None:
    """Wait until the workers of the pools :func:`render_all` started have ended (it does not wait for them)."""
    while _ENDING:
        _ENDING.pop().join()


def _render_at(positions: Sequence[int]) -> bytes:
    """:func:`_render_chunk` of the cards at ``positions`` of :data:`_SHARED`, marshalled (in a forked worker)."""
    return marshal.dumps(_render_chunk([_SHARED[i] for i in positions]))


def _render_at_cold(positions: Sequence[int]) -> bytes:
    """:func:`_render_chunk_cold` of the cards at ``positions`` of :data:`_SHARED`, marshalled (in a forked worker)."""
    return marshal.dumps(_render_chunk_cold([_SHARED[i] for i in positions]))


def _unpacked(packed: bytes | list[Card]) -> list[Card]:
    gc.disable()  # as in export_anki's process (a worker started early may not have run _warm)
    return [Card._make(fields) for fields in marshal.loads(packed)] if isinstance(packed, bytes) else packed


def _render_any(packed: bytes | list[Card]) -> bytes:
    """:func:`_render_chunk` of cards sent to the worker (:func:`_packed`), marshalled."""
    return marshal.dumps(_render_chunk(_unpacked(packed)))


def _render_any_cold(packed: bytes | list[Card]) -> bytes:
    """:func:`_render_chunk_cold` of cards sent to the worker (:func:`_packed`), marshalled."""
    return marshal.dumps(_render_chunk_cold(_unpacked(packed)))


_SAMPLE = "def f(xs, k=2):\n    ys = [x * k for x in xs if x % 3]  # a comment\n    return {'n': len(ys), 's': 1.5}\n"


def _warm(langs: Sequence[str]) -> None:
    """In a worker started early: build what the first cards need (lexers, their joined rules, Markdown)."""
    gc.disable()  # as export_anki's own process, whose forked workers inherit it paused
    for lang in langs:
        text = f"Use **this** with `x`:\n\n```{lang}\n{_SAMPLE}```\n\n- one\n- two `y`"
        card = Card(
            key="warm", id=None, deck="", q="What does `f` print?", a=text, code=_SAMPLE, lang=lang,
            output="1", note="*a* note", tags=(), source=None, requires=(), path="", line=0, col=0, position=0,
        )
        render_card(card)


def _context() -> multiprocessing.context.BaseContext:
    if sys.platform.startswith("linux") and threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")


class Workers:
    """Render workers started before the cards are known (:func:`start_early`), handed to :func:`render_all`.

    They build the lexers (``langs``) while the decks load; being started before the cards existed,
    they are sent each chunk's cards (as one ``marshal`` blob). :meth:`close` ends them, used or not.
    """

    def __init__(self, count: int, langs: Sequence[str] = ("python",)) -> None:
        self.count = count
        self.pool = ProcessPoolExecutor(max_workers=count, mp_context=_context())
        for _ in range(count):
            self.pool.submit(_warm, tuple(langs))

    def close(self) -> None:
        """End the workers now, without waiting for a warm-up they may still be running."""
        processes = list((getattr(self.pool, "_processes", None) or {}).values())  # CPython's executor keeps them
        self.pool.shutdown(wait=False, cancel_futures=True)
        for process in processes:
            if process.is_alive():
                process.terminate()
        for process in processes:
            # a terminated worker ends at once, unless the machine is busy; its end is read from its sentinel, not
            # is_alive(), which says "alive" for a worker the pool's thread has reaped and not yet noted
            if not wait([process.sentinel], 5):
                process.kill()
            process.join()

    def __enter__(self) -> Workers:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def start_early(cache_file: Path | None, langs: Sequence[str] = ("python",)) -> Workers | None:
    """Render workers started now, while the caller loads the decks, when a cold export is coming: the render
    cache ``cache_file`` holds nothing (a first export), there are 2 cores or more, and workers can be forked
    (spawning them costs more than a guess may save). None otherwise, or if they cannot start."""
    count = worker_count()
    if count < 2 or _context().get_start_method() != "fork":
        return None
    if cache_file is not None and cachefile.holds_entries(cache_file, render._CACHE_FORMAT):
        return None
    try:
        return Workers(count, langs)
    except Exception:  # no processes here: the export renders as usual
        return None


Item = tuple[bytes, int]  # (render digest, the position of a card that needs it)


def _packed(cards: Sequence[Card]) -> bytes | list[Card]:
    """Cards for a worker that did not inherit them: one ``marshal`` blob of their tuples (a pickle if they hold
    anything ``marshal`` does not take)."""
    try:
        return marshal.dumps([tuple(card) for card in cards])
    except ValueError:
        return list(cards)


def _parallel(
    chunks: list[list[T]],
    shared: Sequence[Card],
    positions: Callable[[list[T]], list[int]],
    cold: bool,
    workers: int | Workers,
    done: Callable[[list[T], list[Any]], None],
) -> list[T]:
    """Render the cards of each chunk (``shared`` at its ``positions``) in a pool, each card's note parts too
    (with ``cold``, its render digest first: :func:`_render_chunk_cold`), calling ``done`` per finished chunk,
    in order; returns what was left undone. ``workers``: how many to start, or :class:`Workers` started
    early. Workers forked here get the positions, others the cards."""
    global _SHARED
    finished = 0
    try:
        if isinstance(workers, Workers):
            pool, forked = workers.pool, False
        else:
            context = _context()
            forked = context.get_start_method() == "fork"
            if forked:
                _SHARED = shared  # read by the workers forked below (at the pool's first task)
            pool = ProcessPoolExecutor(max_workers=workers, mp_context=context)
        try:
            results: Iterator[Any]
            if forked:
                results = pool.map(_render_at_cold if cold else _render_at, [positions(chunk) for chunk in chunks])
            else:
                tasks = [_packed([shared[i] for i in positions(chunk)]) for chunk in chunks]
                results = pool.map(_render_any_cold if cold else _render_any, tasks)
            for chunk, result in zip(chunks, results, strict=True):
                done(chunk, marshal.loads(result))
                finished += 1
        finally:
            if not isinstance(workers, Workers):
                # The workers end (and are waited for) in the pool's own thread while the caller goes on with
                # the package; settle() waits for that thread.
                ending = getattr(pool, "_executor_manager_thread", None)  # CPython's executor
                pool.shutdown(wait=ending is None)
                if ending is not None:
                    _ENDING.append(ending)
    except Exception:  # a broken pool, no fork or spawn here, a pickling error: render the rest here
        pass
    finally:
        _SHARED = ()
    return [item for chunk in chunks[finished:] for item in chunk]


def render_all(
    cards: Sequence[Card],
    cache: RenderCache,
    *,
    progress: Progress | None = None,
    workers: int | None = None,
    min_parallel: int | None = None,
    digests: list[bytes] | None = None,
    ready: Callable[[Sequence[Rendered | None]], None] | None = None,
    pool: Workers | None = None,
) -> list[Rendered]:
    """Every card's HTML, in order: cached ones from ``cache``, the rest rendered (in parallel when worth it).

    ``digests``, when given, receives each card's render digest, in order (its cache entry).
    ``ready``, when given, is called with every card's HTML so far (None: not rendered yet)
    after the cache look-ups and after each chunk rendered (anki/collection.py builds the
    package meanwhile). ``pool``: workers started early (:func:`start_early`), used instead of
    starting some here when the cards are worth a pool; the caller closes it.
    """
    total = len(cards)
    out: list[Rendered | None] = [None] * total
    if digests is not None:
        digests[:] = [b""] * total
    found = digests if digests is not None else [b""] * total  # each card's render digest
    n_workers = worker_count() if workers is None else workers
    use: int | Workers = n_workers
    if pool is not None:
        n_workers, use = pool.count, pool
    least = MIN_PARALLEL if min_parallel is None else min_parallel
    count = 0
    step = max(1, total // 100)
    last = -step

    def report() -> None:
        nonlocal last
        if progress is not None and (count - last >= step or count == total):
            last = count
            progress("render", count, total)

    todo: Sequence[int] = range(total)
    if n_workers > 1 and total >= least and cache.empty():
        # Nothing is cached (a first export, or a cache of another format): every card is rendered, so
        # the workers start at once, with no look-ups first, and compute each card's digest too.
        report()

        def cold(chunk: list[int], result: list[tuple[Any, ...]]) -> None:
            nonlocal count
            for i, (digest, *parts) in zip(chunk, result, strict=True):
                found[i] = digest
                out[i] = cache.put_miss(digest, parts)
            count += len(chunk)
            report()
            if ready is not None:
                ready(out)

        render_digest(cards[0])  # the library versions it covers, looked up once, before the workers fork
        positions = list(range(total))
        spans = _split(positions)
        todo = _parallel(spans, cards, lambda chunk: chunk, True, use, cold)

    where: dict[bytes, list[int]] = {}  # digest -> positions of the cards that need it
    items: list[Item] = []
    for i in todo:
        card = cards[i]
        hit, digest = cache.lookup(card)
        found[i] = digest
        if hit is not None:
            out[i] = hit
            count += 1
            continue
        if digest not in where:
            where[digest] = []
            items.append((digest, i))
        where[digest].append(i)

    report()
    if ready is not None:
        ready(out)

    def done(chunk: list[Item], result: list[tuple[str, ...]]) -> None:
        nonlocal count
        for (digest, _at), parts in zip(chunk, result, strict=True):
            rendered = cache.put(digest, parts)
            for i in where[digest]:
                out[i] = rendered
            count += len(where[digest])
        report()
        if ready is not None:
            ready(out)

    left = items
    if n_workers > 1 and len(items) >= least:
        chunks = _split(items)
        left = _parallel(chunks, cards, lambda chunk: [i for _, i in chunk], False, use, done)
    for start in range(0, len(left), _CHUNK):
        chunk = left[start : start + _CHUNK]
        done(chunk, _render_chunk([cards[i] for _, i in chunk]))
    result = [r for r in out if r is not None]
    if len(result) != total:  # pragma: no cover - every position is filled above
        raise RuntimeError("render_all: a card was not rendered")
    return result
