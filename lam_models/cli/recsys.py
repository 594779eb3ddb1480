"""``lam recommend`` and ``lam eval recommender``: the recommend job and the evaluation protocols."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import typer

from lam_models.cli._common import console, guarded, settings


def recommend(run_date: str = typer.Option(None, help="run date of the output partition (default today, UTC)")) -> None:
    """Train the hybrid on bronze interactions; write top-K for all users and similar items."""
    from dataclasses import asdict

    from jobs import recommend as job

    result = guarded(lambda: job.run(settings(), run_date=date.fromisoformat(run_date) if run_date else None))
    console.print(f"recommend: {asdict(result)}")


eval_app = typer.Typer(help="Evaluate models against baselines.", no_args_is_help=True)


@eval_app.command("recommender")
def recommender(
    out: Path = typer.Option(None, help="JSON file for the metric tables (default <registry>/recsys/evaluation.json)"),
    protocols: str = typer.Option("ua_all,ua_4,ub_all,recommenders,cold_items", help="comma-separated protocols (ua/ub: movielens_100k only)"),
    dataset: str = typer.Option("movielens_100k", help="movielens_100k | movielens_latest_small"),
) -> None:
    """ua/ub splits, Recommenders 75/25 protocol and cold-item protocol on MovieLens vs baselines."""
    from lam_models.recsys import evaluate_recommenders

    s = settings()
    report = guarded(lambda: evaluate_recommenders(s.data_dir, s.recsys, protocols=tuple(protocols.split(",")), dataset=dataset))
    target = out or s.registry_root / "recsys" / "evaluation.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(report, indent=1, default=str))
    for protocol, models in report["protocols"].items():
        for model, metrics in models.items():
            test = metrics.get("test", metrics)
            console.print(f"{protocol:14} {model:11} " + " ".join(f"{k}={v:.3f}" for k, v in test.items() if isinstance(v, float)))
    console.print(f"wrote {target}")
