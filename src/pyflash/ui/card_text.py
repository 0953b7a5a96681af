"""A card's Markdown on screen: a plain paragraph at once, anything else by the Markdown widget.

:class:`CardText` shows ``source`` (Markdown). When it is one plain paragraph
(:func:`~pyflash.ui.inline.plain_paragraph`: text and ``inline code``, as most
questions are) it is drawn by :class:`PlainParagraph`, which looks exactly as
Textual's ``Markdown`` draws that paragraph (the same CSS, the same content);
otherwise by :class:`~pyflash.ui.markdown.CardMarkdown`, created the first time
it is needed. The Markdown widget, markdown-it-py and pygments are imported
then, or shortly after the first card is on screen (:func:`preload`), so the
first card does not wait for them and the first reveal does not either.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.content import Content
from textual.widget import Widget
from textual.widgets import Static

from pyflash.ui.inline import plain_paragraph

if TYPE_CHECKING:
    from pyflash.ui.markdown import CardMarkdown

PRELOAD_DELAY = 2.0  # seconds after the first card is painted: the user is still reading it


def preload() -> None:
    """Import the Markdown widget (markdown-it-py, pygments) and the grade bar before they are needed: the first answer."""
    import pyflash.ui.markdown
    import pyflash.ui.reveal_widgets  # noqa: F401  (deferred: start-up time; imported for its side effect)


class PlainParagraph(Static):
    """A paragraph, as Textual's ``Markdown`` draws one paragraph (its ``.code_inline`` spans styled alike).

    One node where Textual's ``Markdown`` has two (the document, then its
    ``MarkdownParagraph``): the document's padding (``#card PlainParagraph`` in
    ``pyflash.tcss``, as ``#card Markdown``) and the paragraph's bottom margin are
    this widget's own, which lays out the same cells (tests/test_ui_plain_text.py).
    Each node on the first card costs its style, layout and paint passes (start-up time).
    """

    COMPONENT_CLASSES = {"code_inline"}  # the only span a plain paragraph has (ui/inline.py): each class is styled at every restyle
    DEFAULT_CSS = """
    PlainParagraph {
        width: 1fr;
        height: auto;
        padding: 0 2 0 2;
        margin: 0 0 1 0;
        color: $foreground;

        &:ansi > .code_inline {
            background: ansi_default !important;
        }
        &:dark > .code_inline {
            background: $warning 10%;
            color: $text-warning 95%;
        }
        &:light > .code_inline {
            background: $error 5%;
            color: $text-error 95%;
        }
    }
    """

    def __init__(self) -> None:
        super().__init__(expand=True, classes="level-0")

    def show(self, content: Content) -> None:
        self.update(content)


class CardText(Widget):
    """Markdown of a card (``source``), drawn by :class:`PlainParagraph` when it can be, else by ``CardMarkdown``."""

    DEFAULT_CSS = """
    CardText {
        height: auto;
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.source = ""
        self._markdown: CardMarkdown | None = None

    def compose(self) -> ComposeResult:
        yield PlainParagraph()

    async def update(self, markdown: str) -> None:
        """Show ``markdown``; the part not used is hidden (and kept for the next card)."""
        self.source = markdown
        plain = self.query_one(PlainParagraph)
        content = plain_paragraph(markdown)
        if content is not None:
            plain.show(content)
            plain.display = True
            if self._markdown is not None:
                self._markdown.display = False
            return
        if self._markdown is None:
            from pyflash.ui.markdown import CardMarkdown  # deferred: start-up time (markdown-it, pygments)

            self._markdown = CardMarkdown()
            await self.mount(self._markdown)
        await self._markdown.update(markdown)
        self._markdown.display = True
        plain.display = False
