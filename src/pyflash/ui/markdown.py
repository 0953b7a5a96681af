"""The Markdown parser of the card and help views (built once)."""

from __future__ import annotations

from functools import lru_cache

from markdown_it import MarkdownIt

from pyflash.core.markup import markdown_parser as new_markdown_parser


@lru_cache(maxsize=1)
def markdown_parser() -> MarkdownIt:
    """The UI's parser, built once (the UI only parses; it adds no render rules)."""
    return new_markdown_parser()
