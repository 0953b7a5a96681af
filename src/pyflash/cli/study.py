"""``pyflash study``: its body, and a fast path that reads its plain forms without click.

Start-up time: click (and the other commands' modules) cost about as much to
import as a tenth of an empty Textual app. :func:`quick_study_args` reads the
forms of ``pyflash study`` that need no help, conversion message or
validation error (``study [PATH...] [--deck NAME] [--tag TAG]... [--new N]
[--reviews N] [--cram] [--home DIR]``, in any order, with ``--opt value`` or
``--opt=value``), and gives exactly what click would parse from them; for
anything else (``--help``, an unknown option, a value click would refuse or
might read differently) it returns None and the caller goes through click.
Both paths run :func:`run_study` and report errors with :func:`error_line`.

Nothing here imports click.
"""

# No `from __future__ import annotations` here: a NamedTuple's string annotations are compiled one
# by one at import, at every start (tests/test_startup_imports.py).
import gc
import os
import stat
import sys
from pathlib import Path
from typing import NamedTuple

from pyflash import paths as pyflash_paths


class StudyArgs(NamedTuple):
    """What ``pyflash study`` was asked for, as click passes it to the command."""

    paths: tuple[str, ...] = ()
    deck: str | None = None
    tags: tuple[str, ...] = ()
    new: int | None = None
    reviews: int | None = None
    cram: bool = False
    home: str | None = None  # --home (click sets PYFLASH_HOME from it while parsing)


_VALUED = {"--deck": "deck", "--tag": "tags", "--new": "new", "--reviews": "reviews", "--home": "home"}


def _plain_path(value: str, *, dir_only: bool = False) -> bool:
    """True when click's ``Path`` type would take ``value`` as it is, with no message."""
    if not value or value.startswith("-"):
        return False
    try:
        st = os.stat(value)
    except OSError:
        return True  # click takes a path that does not exist as it is
    except ValueError:
        return False  # a NUL byte
    if dir_only and stat.S_ISREG(st.st_mode):
        return False
    return os.access(value, os.R_OK)


def quick_study_args(argv: list[str]) -> StudyArgs | None:
    """``argv`` (without the program name) read as click reads it, when it is a plain ``study``; else None."""
    found: dict[str, object] = {}
    tags: list[str] = []
    paths: list[str] = []
    args = list(argv)
    if args[:1] == ["--home"] and len(args) >= 2:  # the group's own --home, before the command
        found["home"] = args[1]
        args = args[2:]
    elif args[:1] and args[0].startswith("--home="):
        found["home"] = args[0].partition("=")[2]
        args = args[1:]
    if args[:1] != ["study"]:
        return None
    rest = iter(args[1:])
    for token in rest:
        if not token.startswith("-"):
            if not _plain_path(token):
                return None
            paths.append(token)
            continue
        if token == "--cram":
            found["cram"] = True
            continue
        name, eq, value = token.partition("=")
        field = _VALUED.get(name)
        if field is None:
            return None  # --help, -h, --, an unknown option: click says what to do
        if not eq:
            value = next(rest, "")
            if not value or value.startswith("-"):
                return None  # a missing value, or one click might read as an option
        if field == "tags":
            tags.append(value)
            continue
        if field in found:
            return None  # given twice: click's rule (the last wins) is not worth repeating here
        if field in ("new", "reviews"):
            if not (value.isascii() and value.isdigit()):
                return None  # click converts or refuses it, with its own message
            found[field] = int(value)
        else:
            found[field] = value
    home = found.get("home")
    if home is not None and not _plain_path(str(home), dir_only=True):
        return None
    return StudyArgs(tuple(paths), tags=tuple(tags), **found)  # type: ignore[arg-type]


def set_home(value: str | None) -> None:
    """``--home DIR``: all state, config and cache under DIR (what click's callback does)."""
    if value:
        os.environ["PYFLASH_HOME"] = str(Path(value).expanduser().resolve())


def error_line(message: str) -> str:
    """How a :class:`~pyflash.core.PyflashError` is printed: located messages as they are, others after ``pyflash:``."""
    head = message.split(": ", 1)[0]
    located = head.count(":") >= 2 and head.rsplit(":", 2)[-1].isdigit()
    return message if located else f"pyflash: {message}"


def run_study(args: StudyArgs) -> None:
    """Study in the terminal (the body of ``pyflash study``)."""
    # Start-up builds what lives until exit (modules, decks, the app): no collection until the app
    # turns the GC back on once the first card is painted (or this returns, whichever comes first).
    gc.disable()
    try:
        _run_study(args)
    finally:
        gc.enable()


def _run_study(args: StudyArgs) -> None:
    from pyflash.core import PyflashError, open_workspace  # deferred: start-up time (each command imports what it uses)

    ws = open_workspace(args.paths or None, locations=pyflash_paths.locations())  # config and deck mistakes first
    try:
        deck = ws.select(args.deck, args.tags).deck  # a deck or tag that matches nothing exits 2 here
        new, reviews = ws.limits_beyond_today(args.new, args.reviews)
    except PyflashError:
        ws.close()
        raise
    if not all(stream is not None and not stream.closed and stream.isatty() for stream in (sys.stdin, sys.stdout)):
        # Without a terminal the app would only write escape codes and wait for keys forever.
        ws.close()
        print("pyflash study needs a terminal; see pyflash decks / pyflash check", file=sys.stderr, flush=True)
        sys.exit(2)
    from pyflash.ui.app import make_app  # deferred: start-up time (Textual is imported only by `study`)

    app = make_app(ws, deck=deck, new=new, reviews=reviews, cram=args.cram, resume_gc=True, environ=os.environ)
    try:
        app.run()
    finally:
        ws.close()


def quick_study(args: StudyArgs) -> None:
    """``pyflash study`` without click: the same run, the same messages and exit codes as through click."""
    from pyflash.core import PyflashError  # deferred: start-up time (the core's public API is lazy)

    try:
        set_home(args.home)
        run_study(args)
    except PyflashError as exc:
        print(error_line(str(exc)), file=sys.stderr, flush=True)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        sys.exit(130)
    except BrokenPipeError:
        sys.exit(0)
