"""Fitted FSRS parameters: written by ``pyflash optimize --save``, read by the FSRS scheduler.

They live beside the review database as ``fsrs-parameters.json``
(``{"parameters": [21 numbers], "reviews": N, "fitted": "ISO time"}``). A missing
file means FSRS's default parameters; a damaged one is an error naming the file.
"""

from __future__ import annotations

import json
from pathlib import Path

from pyflash.core.errors import PyflashError

FILE = "fsrs-parameters.json"
COUNT = 21  # FSRS-6


def load_parameters(folder: Path) -> tuple[float, ...] | None:
    path = folder / FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise PyflashError(f"{path}:1:1: cannot read the fitted FSRS parameters ({exc}); delete the file or run `pyflash optimize --save` again") from None
    params = data.get("parameters") if isinstance(data, dict) else None
    if not isinstance(params, list) or len(params) != COUNT or not all(isinstance(p, int | float) for p in params):
        raise PyflashError(f"{path}:1:1: 'parameters' must be a list of {COUNT} numbers; delete the file or run `pyflash optimize --save` again")
    return tuple(float(p) for p in params)


def save_parameters(folder: Path, parameters: list[float], reviews: int, when: str) -> Path:
    from pyflash.core.fs import atomic_write_text  # deferred: start-up time (tempfile, shutil)

    path = folder / FILE
    folder.mkdir(parents=True, exist_ok=True)
    atomic_write_text(path, json.dumps({"parameters": parameters, "reviews": reviews, "fitted": when}, indent=2) + "\n")
    return path
