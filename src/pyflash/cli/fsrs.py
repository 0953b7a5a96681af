"""``pyflash optimize``: fit FSRS to your review log and compare the schedulers (docs/scheduling.md)."""

from __future__ import annotations

import click

from pyflash import paths as pyflash_paths
from pyflash.cli.options import CONTEXT, deck_paths, home_option

_NAMES = {"sm2": "SM-2", "fsrs_default": "FSRS, default parameters", "fsrs_fitted": "FSRS, fitted parameters"}


def _num(value: float | None) -> str:
    return "-" if value is None else f"{value:.4f}"


@click.command(context_settings=CONTEXT)
@deck_paths
@click.option("--deck", "deck", metavar="NAME", help="Only the reviews of this deck and its subdecks (any case).")
@click.option("--save", is_flag=True, help="Keep the fitted parameters: FSRS schedules with them from now on.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@home_option
def optimize(paths: tuple[str, ...], deck: str | None, save: bool, as_json: bool) -> None:
    """Fit FSRS to your own reviews and show which scheduler predicts your memory best."""
    from pyflash.core import open_workspace  # deferred: start-up time (each command imports what it uses)

    with open_workspace(paths or None, locations=pyflash_paths.locations()) as ws:
        ws.select(deck)
        result = ws.optimize(ws.select_deck(deck) if deck else None, save=save)
    if as_json:
        import json  # deferred: start-up time

        click.echo(json.dumps(result.to_dict()))
        return
    click.echo(f"Fitted on {result.train_items} reviews; scored on {result.test_reviews} held-out reviews "
               "(the last 20% of each card's history).")
    click.echo("")
    width = max(len(n) for n in _NAMES.values())
    click.echo(f"{'scheduler':<{width}}  {'log-loss':>9}  {'RMSE (bins)':>11}  reviews")
    for s in result.scores:
        click.echo(f"{_NAMES[s.scheduler]:<{width}}  {_num(s.log_loss):>9}  {_num(s.rmse_bins):>11}  {s.reviews:>7}")
    best = min((s for s in result.scores if s.log_loss is not None), key=lambda s: s.log_loss or 0.0, default=None)
    if best is not None:
        click.echo(f"\nLower is better. Best here: {_NAMES[best.scheduler]}.")
    click.echo("Parameters: " + ", ".join(f"{p:.4f}" for p in result.parameters))
    if save:
        click.echo('Saved: with scheduler = "fsrs" in the config, FSRS now uses these parameters.')
    else:
        click.echo("Run again with --save to schedule with them (and set scheduler = \"fsrs\" in the config).")
