"""A sync of one pyflash home: its review store, its config and its working copy.

The CLI (``pyflash sync``) and the TUI (``sync.auto``) both call
:func:`sync_home`; it opens its own connection to the store, so the TUI can
run it in a thread worker while the study screen keeps its own.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime

from pyflash.core.config import Config
from pyflash.core.errors import PyflashError
from pyflash.core.events.replay import Rules
from pyflash.core.locations import Locations
from pyflash.core.review.store import Store
from pyflash.sync.run import Progress, SyncResult, _nothing, sync
from pyflash.sync.settings import record_remote
from pyflash.sync.status import user_decks, working_copy

__all__ = ["NO_REMOTE", "sync_home"]

NO_REMOTE = (
    "no sync remote yet: run `pyflash sync --remote URL_OR_PATH` once, with a git repository of your own "
    "(an empty GitHub repository, or a bare repository: git init --bare DIR); see docs/sync.md"
)


def sync_home(
    locations: Locations,
    config: Config,
    *,
    env: Mapping[str, str],
    now: Callable[[], datetime],
    remote: str | None = None,
    interactive: bool = True,
    timeout: float | None = None,
    progress: Progress = _nothing,
    hook: Progress = _nothing,
) -> SyncResult:
    """Sync this home with ``remote`` (recorded in the config when new and reached), else with the config's remote.

    With ``sync.include_decks`` the user's deck folder (the ``"user"`` deck
    source) is copied too.
    """
    url = remote or config.sync.remote
    if not url:
        raise PyflashError(NO_REMOTE)
    decks = user_decks(locations) if config.sync.include_decks else None
    with Store(locations.store, leech_threshold=config.leech_threshold) as store:
        store.rules = _rules(locations, config, now)
        result = sync(
            store, working_copy(locations), remote=url, env=env, now=now, decks=decks, timeout=timeout,
            interactive=interactive, progress=progress, hook=hook,
        )
    if remote and remote != config.sync.remote and result.fetched:  # reached: a typo is never recorded
        record_remote(locations.config, remote)
    return result



def _rules(locations: Locations, config: Config, now: Callable[[], datetime]) -> Rules:
    """How other devices' grades are replayed: the scheduler and leech settings of the config, as the
    workspace gives its store (``Workspace.scheduler``)."""
    from pyflash.core.clock import system_zone  # deferred: start-up time
    from pyflash.core.scheduling.params import load_parameters  # deferred: start-up time
    from pyflash.core.scheduling.switch import build, uses_fsrs  # deferred: start-up time

    params = load_parameters(locations.store.parent) if uses_fsrs(config) else None
    scheduler = build(config, zone=config.zone() or system_zone(), clock=now, parameters=params)
    return Rules(scheduler, config.leech_threshold, config.leech_action_for)
