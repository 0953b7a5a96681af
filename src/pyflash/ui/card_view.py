"""The card on the study screen: the question, then (once the answer is shown) the rule and the answer.

The question keeps the top of the card; the answer scrolls by itself below the rule.
A question taller than half the card is cut to its first lines once the answer is
shown; ``x`` (the screen's ``toggle_question``) gives it three quarters of the card.
The screen decides what to show and when (in one batch); this widget only lays it out.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, cast

from textual import events
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.widgets import Static

from pyflash.core import Card
from pyflash.ui import text
from pyflash.ui.card_text import PRELOAD_DELAY, CardText, preload

if TYPE_CHECKING:
    from pyflash.ui.reveal_widgets import AnswerRule

_FOCUS = frozenset({"focus", "focus-within"})


class FocusBox(VerticalScroll):
    """A scroll area of the card (the question's, the answer's) that the arrow keys scroll.

    When it takes or loses the focus Textual restyles it and everything in it (for
    ``:focus``); no rule of the stylesheet styles what is inside by the box's focus
    (checked each time: a ``:focus`` before a combinator), so only the box is
    restyled: the first card paid three nodes more for it (start-up time).
    """

    def watch_has_focus(self, has_focus: bool) -> None:
        stylesheet = self.app.stylesheet
        for rule in stylesheet.rules:
            for selectors in rule.selector_set:
                if any(selector.pseudo_classes & _FOCUS for selector in selectors.selectors[:-1]):
                    super().watch_has_focus(has_focus)
                    return
        stylesheet.update_nodes([self], animate=True)


class CardView(Vertical):
    """The framed card: ``#question-box``; after the first reveal ``#answer-rule`` and ``#answer-box``."""

    def compose(self) -> ComposeResult:
        with FocusBox(id="question-box"):
            yield CardText(id="question")

    _preloading = False

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        self.show_focus()

    def on_descendant_blur(self, event: events.DescendantBlur) -> None:
        self.show_focus()

    def show_focus(self) -> None:
        """The class ``-focused`` (a brighter frame, pyflash.tcss) while a part of the card has focus.

        A class rather than ``:focus-within``: for that Textual restyles every node of
        the card at each focus change, which the first card paid for (start-up time).
        """
        if self._pruning:  # private (textual <8.3): the card is being removed (a quit): nothing to restyle
            return
        focused = self.screen.focused
        self.set_class(focused is not None and self in focused.ancestors, "-focused")

    async def show_question(self, card: Card, title: str | None, *, changed: bool) -> None:
        """Frame title (the subdeck, or None), file and line; the question when ``changed``."""
        self.border_title = Content(title) if title else None  # Content: a deck name is not markup
        self.border_subtitle = Content(f"{os.path.basename(card.path)}:{card.line}")
        if changed:
            self.remove_class("-question-open")
            await self.query_one("#question", CardText).update(text.question_markdown(card))
            self.query_one("#question-box").scroll_home(animate=False)
        if not self._preloading:  # once the first card is painted, get the Markdown widget ready for the answer
            self._preloading = True
            self.call_after_refresh(self.set_timer, PRELOAD_DELAY, preload)

    async def mount_answer(self) -> None:
        """Mount the rule and the answer area at the first reveal (a faster first card)."""
        if not self.query("#answer"):
            from pyflash.ui.reveal_widgets import AnswerRule  # deferred: start-up time (not on the first card)

            await self.mount(
                AnswerRule(id="answer-rule"),
                FocusBox(CardText(id="answer"), Static(id="source"), id="answer-box"),
            )

    async def show_answer(self, card: Card) -> None:
        await self.query_one("#answer", CardText).update(text.answer_markdown(card))
        source = self.query_one("#source", Static)
        source.update(Content(text.source_line(card.source)))  # plain text: no markup, no Markdown
        source.display = bool(card.source)
        self.query_one("#answer-box").scroll_home(animate=False)

    def focus_part(self, revealed: bool) -> None:
        """Focus what the arrow keys should scroll: the question, or the answer once shown."""
        question = not revealed or self.has_class("-question-open")
        self.query_one("#question-box" if question else "#answer-box").focus(scroll_visible=False)

    def show_rule(self, revealed: bool) -> None:
        """Say on the rule how much of the question is cut off (call it after layout)."""
        for rule in self._rules():
            if self.has_class("-question-open"):
                rule.show(None)
            else:
                rule.show(self.query_one("#question-box").max_scroll_y if revealed else 0)

    def question_cut(self, revealed: bool) -> bool:
        """True when the answer is shown and the question is (or was, before ``x``) cut to its first lines."""
        rules = self._rules()
        return bool(revealed and rules and rules[0].hidden != 0)

    def _rules(self) -> list[AnswerRule]:
        """The answer rule, once the first reveal mounted it (queried by id: its module is imported then)."""
        return [cast("AnswerRule", rule) for rule in self.query("#answer-rule")]

    def toggle_question(self, revealed: bool) -> bool:
        """The whole question (in a larger, scrolling part of the card), or its first lines again."""
        if not self.question_cut(revealed):
            return False
        self.toggle_class("-question-open")
        self.focus_part(revealed)
        return True
