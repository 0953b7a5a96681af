"""The one Markdown configuration: CommonMark with tables and strikethrough.

The study screen, the Anki export and the notes importer all parse Markdown
with a parser from :func:`markdown_parser`, so a card renders the same way
everywhere. Raw HTML is off for cards (``List<int>`` stays text); the
importer turns it on to read notes that contain HTML.
"""

from __future__ import annotations

from markdown_it import MarkdownIt

__all__ = ["markdown_parser"]


def markdown_parser(*, html: bool = False) -> MarkdownIt:
    """A new parser (callers may add render rules to it, so it is not shared).

    Bare URLs are not turned into links (the "gfm-like" preset does that, and
    costs ~30 ms to build).
    """
    return MarkdownIt("commonmark", {"html": html}).enable(["table", "strikethrough"])
