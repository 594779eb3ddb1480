"""Sentiment robustness bench: the default recipe with FGM and augmentation on/off, under perturbations.

Each row trains through ``train_sentiment`` (checkpoint chosen on validation macro-F1 by the loop's
early stopping), then ``evaluate_version_robustness`` reads the test split once: clean and perturbed
accuracy / macro-F1, drops and flip rates (``lam_models/sentiment/robustness.py``). The recipe is
TrainConfig's defaults except ``--epochs``; the schedule used is written into the JSON's ``_meta``.
Results are written after every row, so ``--resume`` keeps finished rows.

    nice -n 10 python bench/sentiment_robustness.py --epochs 4 --seeds 0
    nice -n 10 python bench/sentiment_robustness.py --epochs 4 --seeds 0 1 2 --resume
    nice -n 10 python bench/sentiment_robustness.py --only lora --resume
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path
from statistics import mean, stdev
from typing import Any

from rich.console import Console

from lam_models.sentiment import TrainConfig
from lam_models.sentiment.api import evaluate_version_robustness, train_sentiment
from lam_models.sentiment.report import robustness_table
from lam_models.settings import Settings

RESULTS = Path(__file__).resolve().parent / "results" / "sentiment_robustness.json"
# recipe -> changes to TrainConfig's defaults (the measured v5 recipe).
RECIPES: dict[str, dict[str, Any]] = {
    "full": {},
    "full_fgm": {"adversarial": "fgm"},
    "full_augment": {"augment": True},
    "full_fgm_augment": {"adversarial": "fgm", "augment": True},
    "lora": {"method": "lora"},
}


def run_row(recipe: str, seed: int, epochs: int, threads: int, settings: Settings, progress: bool) -> dict[str, Any]:
    """Train one recipe at one seed and measure its robustness on the test split."""
    config = TrainConfig(dataset="50agree", seed=seed, epochs=epochs, num_threads=threads, progress=progress,
                         **RECIPES[recipe])
    started = time.time()
    version = train_sentiment(config, settings, console=Console(stderr=True))
    metrics = json.loads((Path(settings.registry_root) / "sentiment" / "versions" / version / "metrics.json").read_text())
    robustness = evaluate_version_robustness(version, settings, split="test", seed=0)
    return {
        "recipe": recipe, "seed": seed, "version_id": version, "method": config.method,
        "adversarial": config.adversarial, "fgm_epsilon": config.fgm_epsilon if config.adversarial else None,
        "augment": config.augment, "epochs": config.epochs, "learning_rate": config.learning_rate,
        "val_macro_f1": metrics["validation"]["macro_f1"], "best_epoch": metrics["training"]["best_epoch"],
        "train_seconds": round(metrics["training"]["train_seconds"], 1),
        "wall_seconds": round(time.time() - started, 1), "load_average_after": os.getloadavg(),
        "robustness": robustness,
    }


def summary(rows: dict[str, Any]) -> dict[str, Any]:
    """Per recipe over its seeds: mean and spread (sample std; 0 with one seed) of clean and per-perturbation
    accuracy, macro-F1, accuracy drop and flip rate."""
    by_recipe: dict[str, list[dict[str, Any]]] = {}
    for key, row in rows.items():
        if not key.startswith("_"):
            by_recipe.setdefault(row["recipe"], []).append(row["robustness"])

    def spread(values: list[float]) -> dict[str, float]:
        return {"mean": mean(values), "std": stdev(values) if len(values) > 1 else 0.0}

    out: dict[str, Any] = {}
    for recipe, reports in by_recipe.items():
        out[recipe] = {
            "seeds": len(reports),
            "clean": {m: spread([r["clean"][m] for r in reports]) for m in ("accuracy", "macro_f1")},
            "perturbations": {name: {m: spread([r["perturbations"][name][m] for r in reports])
                                     for m in ("accuracy", "macro_f1", "accuracy_drop", "flip_rate")}
                              for name in reports[0]["perturbations"]},
        }
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", choices=list(RECIPES), help="recipes to run (default all)")
    parser.add_argument("--seeds", nargs="*", type=int, default=[0], help="training seeds (each also picks its split)")
    parser.add_argument("--epochs", type=int, default=TrainConfig().epochs, help="epochs of every row")
    parser.add_argument("--threads", type=int, default=2, help="torch CPU threads")
    parser.add_argument("--resume", action="store_true", help="keep rows already in the results file")
    parser.add_argument("--output", type=Path, default=RESULTS)
    parser.add_argument("--progress", action="store_true", help="epoch logs and bars even when not on a terminal")
    args = parser.parse_args()

    settings = Settings()
    rows: dict[str, Any] = json.loads(args.output.read_text()) if args.resume and args.output.is_file() else {}
    console = Console(width=max(140, Console().width))
    for seed in args.seeds:
        for recipe in args.only or list(RECIPES):
            key = f"{recipe}/seed{seed}"
            if key in rows:
                continue
            rows[key] = run_row(recipe, seed, args.epochs, args.threads, settings, args.progress or os.isatty(2))
            rows["_summary"] = summary(rows)
            rows["_meta"] = {
                "machine": platform.processor() or platform.machine(), "cpu_count": os.cpu_count(),
                "dataset": "50agree", "recipe": "TrainConfig defaults (v5) except epochs",
                "schedule": {key: sorted({r[key] for k, r in rows.items() if not k.startswith("_")})
                             for key in ("epochs", "seed")} | {"threads": args.threads},
                "selection": "checkpoint by validation macro-F1 (early stopping); test split read once per row",
                "perturbation_seed": 0,
                "note": "2 CPU cores shared with other processes; each row records its own epochs and seed",
            }
            args.output.parent.mkdir(parents=True, exist_ok=True)
            args.output.write_text(json.dumps(rows, indent=2))
            console.print(robustness_table(rows[key]["robustness"], f"{key} ({rows[key]['epochs']} epochs, "
                                           f"{rows[key]['train_seconds']:.0f} s)"))


if __name__ == "__main__":
    main()
