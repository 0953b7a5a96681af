"""pyflash's core: decks, scheduling and review, with no UI. Its public API is here.

The CLI, the TUI and the export use these names; scripts can too::

    from pyflash import paths
    from pyflash.core import Grade, open_workspace

    with open_workspace(locations=paths.locations(), read_only=True) as ws:
        for deck in ws.deck_counts():          # list decks, with counts
            print(deck.name, deck.new, deck.due, deck.total)
        hits = ws.search("append", deck="Python")

    with open_workspace(locations=paths.locations()) as ws:
        session = ws.session(deck="Python")    # start a session
        session.reveal()
        session.grade(Grade.GOOD)              # grade: written to the store at once
        session.undo()                         # undo the last grade

* :func:`open_workspace` (``read_only=True``: no side effects), :class:`Workspace`,
  :class:`Locations`, :class:`DeckCounts`, :class:`Config`, :func:`load_config`;
* :class:`Card` (one card of a deck) and :class:`LoadResult` (what the deck files gave);
* :class:`CardDraft`, :class:`AddPlan`, :class:`BundledDeckError`: adding a card
  (``ws.plan_add(draft)``, then ``ws.add_card(plan)``);
* :class:`StudySession` and its :class:`GradeOutcome`, :class:`Summary`;
* ``Workspace.card_actions``, a :class:`CardActions` (suspend, unsuspend, bury,
  unbury, forget chosen cards; undo), giving an :class:`ActionResult` per
  :class:`CardAction`; ``Workspace.history(key)``, a list of :class:`HistoryEntry`;
* ``GRADES``, the table of the six grades (value, label, meaning), with
  :class:`Grade` and :class:`GradeInfo`; :class:`QueueKind`, :class:`ReviewKind`;
* :class:`Scheduler` (the protocol SM-2 implements, as :class:`SM2Scheduler`)
  and its :class:`GradePreview`;
* :func:`check_typed` (a typed answer against a card, with :func:`can_type`) and its
  :class:`Comparison`: the diff and the suggested grade;
* :func:`search`: cards by text (``Workspace.search``: a list of :class:`SearchHit`);
  :class:`Stats`: the figures of ``Workspace.stats``; :func:`local_day`, :func:`system_clock`,
  :func:`system_zone`: the study day; :class:`PyflashError`: a mistake the user can fix;
* :func:`lint_cards` and its :class:`LintWarning`: ``pyflash check --lint``.

Names are imported on first use (PEP 562 ``__getattr__``): ``import
pyflash.core`` costs nothing, so ``pyflash decks`` on a warm cache stays fast
and never loads the session, the scheduler or SQLite before it needs them.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # what mypy and editors see; at run time __getattr__ imports them
    from pyflash.core.answers import Comparison as Comparison
    from pyflash.core.answers import check_typed as check_typed
    from pyflash.core.answers import expected_text as expected_text
    from pyflash.core.clock import local_day as local_day
    from pyflash.core.clock import system_clock as system_clock
    from pyflash.core.clock import system_zone as system_zone
    from pyflash.core.config import Config as Config
    from pyflash.core.config import load_config as load_config
    from pyflash.core.decks.add import AddPlan as AddPlan
    from pyflash.core.decks.add import BundledDeckError as BundledDeckError
    from pyflash.core.decks.add import CardDraft as CardDraft
    from pyflash.core.decks.loader import LoadResult as LoadResult
    from pyflash.core.decks.model import Card as Card
    from pyflash.core.errors import PyflashError as PyflashError
    from pyflash.core.lint import LintWarning as LintWarning
    from pyflash.core.lint import lint_cards as lint_cards
    from pyflash.core.locations import Locations as Locations
    from pyflash.core.query.counts import DeckCounts as DeckCounts
    from pyflash.core.query.search import SearchHit as SearchHit
    from pyflash.core.query.search import search as search
    from pyflash.core.query.stats import Stats as Stats
    from pyflash.core.review.card_actions import ActionResult as ActionResult
    from pyflash.core.review.card_actions import CardAction as CardAction
    from pyflash.core.review.card_actions import CardActions as CardActions
    from pyflash.core.review.history import HistoryEntry as HistoryEntry
    from pyflash.core.review.results import GradeOutcome as GradeOutcome
    from pyflash.core.review.results import Summary as Summary
    from pyflash.core.review.session import StudySession as StudySession
    from pyflash.core.scheduling.grades import GRADES as GRADES
    from pyflash.core.scheduling.grades import Grade as Grade
    from pyflash.core.scheduling.grades import GradeInfo as GradeInfo
    from pyflash.core.scheduling.schedule import SM2Scheduler as SM2Scheduler
    from pyflash.core.scheduling.scheduler import GradePreview as GradePreview
    from pyflash.core.scheduling.scheduler import Scheduler as Scheduler
    from pyflash.core.scheduling.states import QueueKind as QueueKind
    from pyflash.core.scheduling.states import ReviewKind as ReviewKind
    from pyflash.core.typable import can_type as can_type
    from pyflash.core.workspace import Workspace as Workspace
    from pyflash.core.workspace import open_workspace as open_workspace

# name -> the module that defines it
_WHERE = {
    "open_workspace": "pyflash.core.workspace",
    "Workspace": "pyflash.core.workspace",
    "DeckCounts": "pyflash.core.query.counts",
    "Locations": "pyflash.core.locations",
    "Config": "pyflash.core.config",
    "Card": "pyflash.core.decks.model",
    "LoadResult": "pyflash.core.decks.loader",
    "CardDraft": "pyflash.core.decks.add",
    "AddPlan": "pyflash.core.decks.add",
    "BundledDeckError": "pyflash.core.decks.add",
    "load_config": "pyflash.core.config",
    "StudySession": "pyflash.core.review.session",
    "GradeOutcome": "pyflash.core.review.results",
    "CardAction": "pyflash.core.review.card_actions",
    "CardActions": "pyflash.core.review.card_actions",
    "ActionResult": "pyflash.core.review.card_actions",
    "HistoryEntry": "pyflash.core.review.history",
    "Summary": "pyflash.core.review.results",
    "GRADES": "pyflash.core.scheduling.grades",
    "Grade": "pyflash.core.scheduling.grades",
    "GradeInfo": "pyflash.core.scheduling.grades",
    "QueueKind": "pyflash.core.scheduling.states",
    "ReviewKind": "pyflash.core.scheduling.states",
    "Scheduler": "pyflash.core.scheduling.scheduler",
    "GradePreview": "pyflash.core.scheduling.scheduler",
    "SM2Scheduler": "pyflash.core.scheduling.schedule",
    "search": "pyflash.core.query.search",
    "SearchHit": "pyflash.core.query.search",
    "Stats": "pyflash.core.query.stats",
    "local_day": "pyflash.core.clock",
    "system_clock": "pyflash.core.clock",
    "system_zone": "pyflash.core.clock",
    "PyflashError": "pyflash.core.errors",
    "Comparison": "pyflash.core.answers",
    "can_type": "pyflash.core.typable",
    "check_typed": "pyflash.core.answers",
    "expected_text": "pyflash.core.answers",
    "lint_cards": "pyflash.core.lint",
    "LintWarning": "pyflash.core.lint",
}

__all__ = sorted(_WHERE)


def __getattr__(name: str) -> Any:
    # Lazy on purpose: importing a submodule (pyflash.core.decks.cache, say)
    # runs this package's __init__ first, and the CLI's start-up time counts.
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'pyflash.core' has no attribute '{name}'")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # the next look-up is a plain global
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
