"""Typing the answer on the study screen: the answer box, the diff, the suggested grade.

On an output card (or a q/a card with ``type: true``) ``t`` opens a text area
sized to the expected output instead of showing the answer; ``type_output =
true`` in the config (or the card's ``type: true``) opens it by default. The
core compares (``check_typed``); this module only lays the result out:

* the diff, line by line: ``-`` what was typed, ``+`` what was expected, and
  under a changed line ``^`` marks under every cell that differs (aligned by
  display width, so CJK lines line up); coloured, and readable without colour;
* the expected output (the card's answer, below it);
* the suggested grade, pre-selected in the grade bar: enter (or space) takes
  it, 0-5 choose another one. The typed text is logged with the grade.

:class:`TypingScreen` is the study screen's base: the screen calls
:meth:`TypingScreen.typing_on_card` when it shows a card, :meth:`typing_check`
from ``check_action`` and passes :attr:`typed_answer` to the session's grade.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.cells import cell_len
from textual.binding import Binding
from textual.content import Content
from textual.widgets import Static

from pyflash.core import GRADES, Card, StudySession, can_type
from pyflash.ui.host import ScreenMixin, host
from pyflash.ui.styles import whole_stylesheet

if TYPE_CHECKING:
    from pyflash.core import Comparison
    from pyflash.ui.answer_area import AnswerArea

MAX_ROWS = 8  # the answer box grows with the expected output up to this many lines, then scrolls

TYPING_BINDINGS = [
    # Not in the footer (it is full at 80 columns): the hint under a typable card says "t type it".
    Binding("t", "type_answer", "Type", show=False,
            tooltip="Type the answer (output cards, type: true cards), then check it", id="pyflash.study.type"),
    # With a checked typed answer, space and enter take the suggested grade (before "4 good" below).
    Binding("enter", "take_suggested", "Suggested grade", show=False, id="pyflash.study.suggested-enter",
            tooltip="After a typed answer: take the suggested grade (0-5 choose another)"),
    Binding("space", "take_suggested", "Suggested grade", show=False, id="pyflash.study.suggested-space"),
]
TYPING_HELP = (  # the answer box's keys (docs/study.md, "Typing the answer")
    ("ctrl+enter ^s", "in the answer box: check the answer (ctrl+j too, which many terminals send "
     "for ctrl+enter; enter checks a one-line answer)"),
    ("escape", "in the answer box: back to the question (nothing typed is kept)"),
)


_REVEAL_HINT = (("space", "bold reverse"), " or ", ("enter", "bold reverse"), " show the answer")


def diff_content(result: Comparison, label: str) -> Content:
    """The checked answer: a verdict line, then the diff (readable without colour)."""
    verdicts = {
        "exact": ("Right", "$text-success"),
        "whitespace": ("Right but for spaces or line endings", "$text-success"),
        "close": ("Close", "$text-warning"),
        "wrong": ("Not it", "$text-error"),
    }
    word, style = verdicts[result.verdict]
    head = Content.assemble(("Typed: ", "bold"), (word, f"bold {style}"), f" · suggested grade {result.grade} {label}")
    rows: list[Content] = [head]
    if result.verdict != "exact":
        rows.append(Content.styled("- typed  + expected  ^ differs", "$text-muted"))
    for line in result.lines:
        if line.kind == "equal":
            rows.append(Content.assemble("  ", line.typed))
        elif line.kind == "delete":
            rows.append(Content.assemble(("- ", "bold $text-error"), (line.typed, "$text-error strike")))
        elif line.kind == "insert":
            rows.append(Content.assemble(("+ ", "bold $text-success"), (line.expected, "$text-success")))
        else:
            top, bottom, marks = line.columns()
            rows.append(Content.assemble(("- ", "bold $text-error"), _styled(top, marks, "bold $text-error")))
            rows.append(Content.assemble(("+ ", "bold $text-success"), _styled(bottom, marks, "bold $text-success")))
            rows.append(Content.assemble("  ", (marks, "bold $text-warning")))
    return Content("\n").join(rows)


def _styled(row: str, marks: str, style: str) -> Content:
    """``row`` with the cells marked ``^`` in ``style`` (a wide character covers two marks)."""
    content = Content(row)
    col = 0
    for start, ch in enumerate(row):
        w = cell_len(ch)
        if "^" in marks[col : col + max(w, 1)]:
            content = content.stylize(style, start, start + 1)
        col += w
    return content


class TypingScreen(ScreenMixin):
    """The typing half of the study screen (mixed into it)."""

    session: StudySession

    def __init__(self) -> None:
        super().__init__()
        self.typing = False  # the answer box is open
        self.checked: Comparison | None = None  # the typed answer, checked (the answer is shown)
        self._declined: str | None = None  # the card whose answer box was closed with escape

    @property
    def typed_answer(self) -> str | None:
        """What to log with the grade: the text typed, or None when the answer was revealed."""
        return self.checked.typed if self.checked is not None else None

    def _typable(self) -> Card | None:
        card = self.session.current
        return card if card is not None and not self.session.revealed and can_type(card) else None

    def typing_check(self, action: str) -> bool | None:
        """``check_action`` for the typing keys; "no" to everything else while typing; else None (the screen decides)."""
        if action == "type_answer":
            return not self.typing and self._typable() is not None
        if action == "take_suggested":
            return self.checked is not None and self.session.revealed
        if self.typing and action not in ("help", "quit"):
            return False
        return None

    async def typing_on_card(self, card: Card, *, changed: bool) -> None:
        """A card is shown: close what belongs to the last one; open the box when typing is its default."""
        if changed:
            self._declined = None
        if not self.session.revealed or changed:
            self.typing_graded()
        hint = self.query_one("#hint", Static)
        if can_type(card):
            hint.update(Content.assemble(*_REVEAL_HINT, " · ", ("t", "bold reverse"), " type it"))
        else:
            hint.update(Content.assemble(*_REVEAL_HINT))
        if self.typing and (changed or self._typable() is None):
            await self._close_box()
        config = host(self).ws.config
        default = card.type_in or (card.output is not None and config.types_output(card.deck))
        if default and not self.typing and self._declined != card.key and self._typable() is not None:
            await self.action_type_answer()

    async def action_type_answer(self) -> None:
        card = self._typable()
        if card is None or self.typing:
            return
        from pyflash.core import expected_text  # deferred: start-up time (the answers' comparison, for typing only)

        lines = max(1, len(expected_text(card).rstrip("\n").splitlines()))
        one_line = lines == 1
        from pyflash.ui.answer_area import AnswerArea  # deferred: start-up time (TextArea, for typing only)

        area = AnswerArea(one_line=one_line, rows=min(lines, MAX_ROWS), id="typing")
        area.border_title = "Type the output" if card.output is not None else (
            "Type the hidden text" if card.cloze is not None else "Type the answer")
        area.border_subtitle = "enter: check · escape: question" if one_line else "ctrl+enter or ctrl+s: check"
        self.typing = True
        whole_stylesheet(self)  # the typing box's rules (ui/styles.py)
        await self.mount(area, after="#card")
        self.add_class("-typing")
        area.focus()
        self.refresh_bindings()

    async def _close_box(self) -> None:
        self.typing = False
        self.remove_class("-typing")
        await self.query("#typing").remove()
        self.refresh_bindings()

    async def on_answer_area_cancelled(self, message: AnswerArea.Cancelled) -> None:
        message.stop()
        card = self.session.current
        self._declined = card.key if card is not None else None
        await self._close_box()
        self.query_one("#question-box").focus(scroll_visible=False)

    async def on_answer_area_submitted(self, message: AnswerArea.Submitted) -> None:
        message.stop()
        card = self._typable()
        if card is None:
            return
        from pyflash.core import check_typed  # deferred: start-up time (the answers' comparison, for typing only)

        self.checked = check_typed(card, message.text)
        await self._close_box()
        await self.action_reveal()  # the answer and the grade bar
        await self._show_checked()

    async def _show_checked(self) -> None:
        result = self.checked
        if result is None:
            return
        label = GRADES[result.grade].label
        diffs = self.query("#typed-diff")
        if diffs:
            diff = diffs.first(Static)
        else:
            diff = Static(id="typed-diff")
            await self.query_one("#answer-box").mount(diff, before=0)
        diff.update(diff_content(result, label))
        diff.display = True
        self.add_class("-checked")
        for cell in self.query(".grade"):
            cell.set_class(cell.id == f"grade-{result.grade}", "-suggested")
        grades = self.query_one("#grades")
        grades.border_title = f"Grade · enter: {result.grade} {label} (suggested) · 0-5: another"
        self.refresh_bindings()

    async def action_take_suggested(self) -> None:
        if self.checked is not None and self.session.revealed:
            await self.action_grade(self.checked.grade)

    def typing_graded(self) -> None:
        """After a grade (or for another card): no checked answer, no suggested grade."""
        self.checked = None
        self.remove_class("-checked")
        for cell in self.query(".grade"):
            cell.remove_class("-suggested")
        for diff in self.query("#typed-diff"):
            diff.display = False

    # The study screen's actions.
    async def action_reveal(self) -> None:
        raise NotImplementedError

    async def action_grade(self, grade: int) -> None:
        raise NotImplementedError
