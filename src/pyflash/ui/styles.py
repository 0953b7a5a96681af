"""The one stylesheet, ``pyflash.tcss``, parsed in two parts: the first card waits only for its own rules.

Parsing all of ``pyflash.tcss`` costs about as much as a sixth of an empty
Textual app's start, and most of its rules style screens that are not on screen
at start-up (the deck picker, the browser, the dialogs, the add form...). The
file has a marker line, :data:`MARKER`: the rules above it (what the study
screen needs to show its first question, and the no-colour rules) are parsed
before the first card; the rules below it (the answer's, the grade bar's,
typing's, every other screen's) are added (:func:`whole_stylesheet`) at the
first reveal, when typing starts, when a screen other than the study screen is
shown, or shortly after the first card is painted, whichever comes first.

The result is the same stylesheet: the second part keeps its place after the
first (the same cascade; it comes after the widgets' default CSS, which user
CSS always overrides) and its own line numbers in error messages.
"""

from __future__ import annotations

import os
from pathlib import PurePath

from textual.css.stylesheet import Stylesheet
from textual.dom import DOMNode

MARKER = "/* ==== parsed after the first card"
REST = "after the first card"  # the second part's CSS location (the file's path, this)
REST_DELAY = 2.0  # seconds after the first card is painted: the user is still reading it


class SplitStylesheet(Stylesheet):
    """A :class:`Stylesheet` whose CSS files are parsed up to :data:`MARKER` until :meth:`load_rest`."""

    def __init__(self, *, variables: dict[str, str] | None = None) -> None:
        super().__init__(variables=variables)
        self._rest: list[tuple[str, str]] = []  # (path, CSS) not added yet

    @classmethod
    def replacing(cls, stylesheet: Stylesheet) -> SplitStylesheet:
        """A new, empty split stylesheet with ``stylesheet``'s variables (the app's, before it read anything)."""
        return cls(variables=stylesheet._variables)  # private: the app computed them once already (textual <8.3)

    def read(self, filename: str | PurePath) -> None:
        super().read(filename)
        path = os.path.abspath(os.path.expanduser(filename))
        source = self.source[(path, "")]
        head, marker, tail = source.content.partition(MARKER)
        if marker:
            self.source[(path, "")] = source._replace(content=head)
            # The rest keeps its line numbers: blank lines stand for the first part.
            self._rest.append((path, "\n" * head.count("\n") + marker + tail))

    @property
    def has_rest(self) -> bool:
        """True while part of a file is not added yet."""
        return bool(self._rest)

    def load_rest(self) -> None:
        """Add the rules below the marker (parsed at the next use of the rules)."""
        rest, self._rest = self._rest, []
        for path, css in rest:
            self.add_source(css, read_from=(path, REST))


def whole_stylesheet(node: DOMNode) -> None:
    """Add the rules below the marker now, if they are not yet (``node``: any node of the app)."""
    stylesheet = node.app.stylesheet
    if isinstance(stylesheet, SplitStylesheet):
        stylesheet.load_rest()
