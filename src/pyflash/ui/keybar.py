"""The footer: the keys the current screen offers right now, on one line.

It reads the same ``Screen.active_bindings`` as Textual's ``Footer`` and
follows the same signal, but draws one widget instead of one per key, which
keeps the first card's paint fast (and builds each entry's Content directly, not from markup). Disabled actions are dimmed; bindings in a
group (the six grades) share one entry: ``012345 Grade``. A key can be
clicked, like pressing it.
"""

from __future__ import annotations

from functools import lru_cache
from itertools import groupby

from textual.binding import Binding
from textual.content import Content, Span
from textual.screen import Screen
from textual.widget import Widget


class KeyBar(Widget):
    """A one-line footer with the current bindings and ``^p palette`` on the right."""

    DEFAULT_CSS = """
    KeyBar {
        dock: bottom;
        height: 1;
        background: $footer-background;
    }
    """

    def __init__(self) -> None:
        super().__init__()
        self.auto_links = False  # keys are clickable, but not drawn as links

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, screen: Screen[object]) -> None:
        if self.is_attached and screen is self.screen:
            self.refresh()

    def _entries(self) -> list[tuple[str, str, str, bool]]:
        """(keys shown, description, key to simulate, enabled) in binding order."""
        app = self.app
        seen: dict[str, tuple[Binding, bool]] = {}
        for _, binding, enabled, _tooltip in self.screen.active_bindings.values():
            if binding.show and binding.action not in seen:
                seen[binding.action] = (binding, enabled)
        entries: list[tuple[str, str, str, bool]] = []
        for group, grouped in groupby(seen.values(), key=lambda item: item[0].group):
            items = list(grouped)
            if group is not None and len(items) > 1:
                keys = "".join(app.get_key_display(b) for b, _ in items)
                entries.append((keys, group.description, items[0][0].key, any(e for _, e in items)))
            else:
                for binding, enabled in items:
                    entries.append((app.get_key_display(binding), binding.description, binding.key, enabled))
        return entries

    def render(self) -> Content:
        key_style = "bold $footer-key-foreground"
        desc_style = "$footer-description-foreground"
        parts: list[Content] = []
        palette = None
        app = self.app
        for keys, description, key, enabled in self._entries():
            if key == app.COMMAND_PALETTE_BINDING:
                palette = (keys, description, key, enabled)
                continue
            parts.append(self._entry(keys, description, key, enabled, key_style, desc_style))
        left = Content("").join(parts)
        if palette is None and app.ENABLE_COMMAND_PALETTE:
            palette = ("^p", "palette", app.COMMAND_PALETTE_BINDING, True)
        if palette is None:
            return left
        right = self._entry(*palette, key_style, desc_style)
        room = self.size.width - right.cell_length
        if left.cell_length > room:
            left = left.truncate(max(0, room - 1), ellipsis=True)
        return Content.assemble(left, " " * max(0, room - left.cell_length), right)

    @staticmethod
    @lru_cache(maxsize=256)  # Content is immutable; the bar renders the same entries again and again
    def _entry(keys: str, description: str, key: str, enabled: bool, key_style: str, desc_style: str) -> Content:
        """`` keys description ``, clickable: the Content of the markup
        ``[@click=…][key_style] $keys [/][desc_style]$description [/][/]``, built without parsing it."""
        dim = "" if enabled else " 50%"
        shown = f" {keys} "
        end = len(shown) + len(description) + 1
        return Content(
            f"{shown}{description} ",
            spans=[
                Span(0, end, f"@click=app.simulate_key({key!r})"),
                Span(0, len(shown), f"{key_style}{dim}"),
                Span(len(shown), end, f"{desc_style}{dim}"),
            ],
        )
