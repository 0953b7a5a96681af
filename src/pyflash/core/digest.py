"""BLAKE2b, the one hash the core uses (deck cache names and checksums, card keys, the daily new-card order).

``hashlib`` loads OpenSSL's module (``_hashlib``) when it is imported, which
costs about as much as a small pyflash module to start; its ``blake2b`` is
CPython's own ``_blake2.blake2b`` anyway. Imported from there, the same
function without OpenSSL (start-up time).
"""

from __future__ import annotations

try:
    from _blake2 import blake2b
except ImportError:  # pragma: no cover - a Python without CPython's _blake2
    from hashlib import blake2b

__all__ = ["blake2b"]
