"""Small text helpers shared by the CLI, the UI and the export."""

from __future__ import annotations

__all__ = ["plural"]


def plural(n: int, word: str, many: str | None = None) -> str:
    """``plural(1, "card")`` is "1 card"; ``plural(2, "card")`` is "2 cards"."""
    return f"{n} {word if n == 1 else (many or word + 's')}"
