"""Python's cyclic garbage collector paused around work that makes many objects and no cycles."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["collector_paused"]


@contextmanager
def collector_paused() -> Iterator[None]:
    """The cyclic collector off for the ``with`` block, and on again after (if it was on), whatever happens.

    For work that makes hundreds of thousands of objects that live to its end and no cycle (decoding and
    ingesting events, a bulk ingest): each collection would only scan them all again."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()
