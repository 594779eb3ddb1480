"""``lam monitor run|nab``: the sentiment monitor job, and the same detector on NAB series."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from lam_models.cli._common import clear_errors, console, guarded, settings

app = typer.Typer(help="Negative-sentiment spike monitor.", no_args_is_help=True)


@app.command("run")
def run() -> None:
    """Evaluate every window of silver news; publish new or changed alerts to the alerts topic."""
    from dataclasses import asdict

    from jobs import monitor as job

    console.print(f"monitor: {asdict(guarded(lambda: job.run(settings())))}")


@app.command("nab")
def nab(
    data_dir: Path = typer.Argument(..., exists=True, file_okay=False, help="NAB data folder: <category>/<file>.csv with timestamp,value"),
    out_dir: Path = typer.Argument(..., help="NAB results folder to write"),
    detector: str = typer.Option("monitor", help="detector name: monitor (the production rule), windowedGaussian or null"),
    one_sided: bool = typer.Option(False, "--one-sided", help="score rises only, as production alerts do"),
    episode_half_life: float = typer.Option(200.0, min=0, help="records over which an episode's held high fades to half (0: report every score)"),
) -> None:
    """Score NAB series causally with the monitor's engine and write NAB's results layout (OUT_DIR/NAME/<category>/NAME_<file>.csv)."""
    from lam_models.monitor.nab import run_nab
    from lam_models.monitor.nab.config import NabConfig

    with clear_errors(ValueError, FileNotFoundError):
        nab_config = NabConfig(detector=detector, two_sided=not one_sided, episode_half_life=episode_half_life)
        summary = run_nab(data_dir, out_dir, nab_config, settings().monitor)
    summary.pop("written", None)
    console.print(json.dumps(summary, indent=1, default=str))
