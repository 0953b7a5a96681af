"""A command palette provider over a plain list of commands (used by the app and the browser)."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from textual.command import DiscoveryHit, Hit, Hits, Provider


class CommandList(Provider):
    """Lists :meth:`commands` (title, help, callback) when the palette opens, and matches them as you type."""

    def commands(self) -> Iterable[tuple[str, str, Callable[[], object]]]:
        raise NotImplementedError

    async def discover(self) -> Hits:
        for text, help_text, command in self.commands():
            yield DiscoveryHit(text, command, text=text, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for text, help_text, command in self.commands():
            score = matcher.match(text)
            if score > 0:
                yield Hit(score, matcher.highlight(text), command, text=text, help=help_text)
