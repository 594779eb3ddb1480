"""``lam recommend``, ``lam eval recommender`` and ``lam train item-text``: the recommend job, the evaluation protocols and
the behaviour fine-tuning of the item-text encoder."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import typer

from lam_models.cli._common import clear_errors, console, guarded, registry_errors, settings
from lam_models.recsys.text_finetune import FinetuneSettings


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


def train_item_text(
    out: Path = typer.Option(..., help="folder for the fine-tuned encoder; then set recsys.item_text_model to it"),
    events: Path = typer.Option(None, help="interactions CSV/Parquet with user_id,item_id (default: the ratings of the "
                                           "recsys_catalog dataset)"),
    base_model: str = typer.Option(None, help="encoder to start from (default: recsys.item_text_model)"),
    epochs: int = typer.Option(FinetuneSettings().epochs, min=1),
    learning_rate: float = typer.Option(FinetuneSettings().learning_rate),
    seed: int = typer.Option(0),
) -> None:
    """Fine-tune the item-text encoder so items the same users consume embed close together (cold items gain most)."""
    from dataclasses import replace

    from lam_models.recsys.item_text import item_texts
    from lam_models.recsys.text_finetune import co_consumption_neighbours, finetune_item_encoder

    s = settings()
    tuning = replace(FinetuneSettings(), epochs=epochs, learning_rate=learning_rate, seed=seed)

    def run() -> dict:
        items = _catalogue(s)
        interactions = _interactions(s, events).assign(item_id=lambda f: f["item_id"].astype(str))
        neighbours = co_consumption_neighbours(interactions, items["item_id"].to_numpy(), tuning.neighbours, tuning.min_users)
        return finetune_item_encoder(item_texts(items), neighbours, base_model or s.recsys.item_text_model, out, tuning)

    with clear_errors(*registry_errors()):
        record = run()
    console.print(f"item-text encoder: {record['anchors']} of {record['items']} items anchored, loss per epoch {record['loss_per_epoch']}")
    console.print(f"wrote {out}; use it with LAM_RECSYS__ITEM_TEXT_MODEL={out.resolve()}")


def _catalogue(s):
    from jobs.recommend import load_catalog

    return load_catalog(s)


def _interactions(s, events: Path | None):
    """``user_id, item_id`` rows from ``events``, or the catalogue dataset's own ratings."""
    import pandas as pd

    from lam_models.datasets import fetch
    from lam_models.recsys.data import MOVIELENS_READERS, read_movielens

    if events is not None:
        frame = pd.read_parquet(events) if events.suffix == ".parquet" else pd.read_csv(events)
        missing = {"user_id", "item_id"} - set(frame.columns)
        if missing:
            raise ValueError(f"{events}: interactions lack columns {sorted(missing)} (need user_id,item_id)")
        return frame
    if s.recsys_catalog not in MOVIELENS_READERS:
        raise ValueError(f"catalogue {s.recsys_catalog!r} has no ratings of its own: give --events FILE")
    return read_movielens(s.recsys_catalog, fetch(s.recsys_catalog, s.data_dir))[0]
