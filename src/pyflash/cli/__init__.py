"""The ``pyflash`` command line: :func:`main`.

The commands are click commands in :mod:`pyflash.cli.commands`. A plain
``pyflash study`` (the command that has to start fast) is read without
importing click at all (:mod:`pyflash.cli.study`); every other command line,
``--help`` included, goes through click.

User mistakes (a bad deck, a bad flag, a missing path, a corrupt database)
print one line and exit 2; they never end in a traceback.
"""

from __future__ import annotations

import gc
import sys

__all__ = ["main"]


def main(argv: list[str] | None = None) -> None:
    """Run ``pyflash`` with ``argv`` (default: the process's arguments)."""
    collecting = gc.isenabled()
    gc.disable()  # start-up time: no collection while the study path is imported (run_study keeps it off until the first card)
    try:
        from pyflash.cli.study import quick_study, quick_study_args

        args = sys.argv[1:] if argv is None else list(argv)
        quick = quick_study_args(args)
    finally:
        if collecting:
            gc.enable()
    if quick is not None:
        quick_study(quick)
        return
    from pyflash.cli.commands import main as click_main  # deferred: start-up time (click is not needed by `study`)

    click_main(args)

