"""Teacher -> student distillation on a PhraseBank subset: a 110M teacher, the 6-layer student, seeds.

One split (split seed 0) for every row, so the training seeds are the only thing that varies and
the teacher never saw a student's validation or test sentence. Rows:

- ``teacher``: all-mpnet-base-v2 (``lam setup teacher``) fine-tuned once with the production recipe,
  kept as a registry version (reused by ``--resume``);
- ``student`` (seed s): MiniLM-L6 with the production recipe alone, the baseline;
- ``distilled`` (seed s): the same plus the teacher's soft targets on its training sentences and on
  unlabelled Benzinga headlines.

Checkpoints are chosen on validation (early stopping); the test split is read once per row. The
summary gives the mean and sample spread over seeds beside the issue's bars.

    nice -n 10 python bench/sentiment_distill.py --seeds 0 1 2 --threads 2
    nice -n 10 python bench/sentiment_distill.py --dataset allagree   # -> sentiment_distill_allagree.json
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path
from statistics import mean, stdev
from typing import Any

from rich.console import Console
from rich.table import Table

from lam_models.sentiment import TrainConfig
from lam_models.sentiment.api import evaluate_version, train_sentiment
from lam_models.sentiment.offline_models import MPNET_NAME
from lam_models.settings import Settings

RESULTS = Path(__file__).resolve().parent / "results"
BARS = {"50agree": {"accuracy": 0.87, "macro_f1": 0.85, "finbert_accuracy": 0.86, "finbert_macro_f1": 0.84},
        "allagree": {"accuracy": 0.97, "finbert_accuracy": 0.97, "finbert_macro_f1": 0.95}}
SPLIT_SEED = 0


def run_row(config: TrainConfig, settings: Settings) -> dict[str, Any]:
    """Train one version and read its validation/test reports and the leak-free AllAgree accuracy."""
    started = time.time()
    version = train_sentiment(config, settings, console=Console(stderr=True))
    metrics = json.loads((Path(settings.registry_root) / "sentiment" / "versions" / version / "metrics.json").read_text())
    cross = evaluate_version(version, settings, dataset="allagree") if config.dataset != "allagree" else {}
    training = metrics["training"]
    return {
        "version_id": version, "base_model": config.base_model, "seed": config.seed, "split_seed": config.data_split_seed,
        "distill_from": config.distill_from, "unlabelled_rows": training.get("unlabelled_rows", 0),
        "accuracy": metrics["test"]["accuracy"], "macro_f1": metrics["test"]["macro_f1"],
        "val_accuracy": metrics["validation"]["accuracy"], "val_macro_f1": metrics["validation"]["macro_f1"],
        "allagree_unseen_accuracy": cross.get("accuracy"), "allagree_unseen_n": cross.get("n"),
        "best_epoch": training["best_epoch"], "steps": training["steps"], "train_seconds": round(training["train_seconds"], 1),
        "cpu_seconds": round(training["cpu_seconds"], 1), "wall_seconds": round(time.time() - started, 1),
        "num_threads": config.num_threads, "history": training["history"], "test_report": metrics["test"],
    }


def summary(rows: dict[str, Any]) -> dict[str, Any]:
    """Per recipe: seeds, mean and sample spread (0 with one seed) of test accuracy, macro-F1 and AllAgree."""
    out: dict[str, Any] = {}
    for recipe in ("teacher", "student", "distilled"):
        mine = [row for name, row in rows.items() if name.split("/")[0] == recipe]
        if not mine:
            continue
        out[recipe] = {"seeds": sorted(row["seed"] for row in mine)}
        for key in ("accuracy", "macro_f1", "val_macro_f1", "allagree_unseen_accuracy", "train_seconds"):
            values = [row[key] for row in mine if row.get(key) is not None]
            if not values:
                continue
            out[recipe][key] = {"mean": mean(values), "spread": stdev(values) if len(values) > 1 else 0.0}
    return out


def print_table(result: dict[str, Any], dataset: str, console: Console) -> None:
    table = Table(title=f"PhraseBank {dataset} test, split seed 0: mean ± sample spread over training seeds")
    for col in ("row", "seeds", "accuracy", "macro-F1", "val macro-F1", "AllAgree unseen acc", "train s"):
        table.add_column(col, justify="left" if col == "row" else "right")
    for recipe, stats in result["summary"].items():
        cell = [f"{stats[k]['mean']:.4f} ± {stats[k]['spread']:.4f}" if k in stats else "-" for k in
                ("accuracy", "macro_f1", "val_macro_f1", "allagree_unseen_accuracy")]
        table.add_row(recipe, str(len(stats["seeds"])), *cell, f"{stats['train_seconds']['mean']:.0f}")
    bars = BARS.get(dataset, {})
    table.add_row("bar (issue #23)", "", *(f"{bars[k]:.2f}" if k in bars else "" for k in ("accuracy", "macro_f1")),
                  "", "", "")
    console.print(table)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", default="50agree", choices=["50agree", "66agree", "75agree", "allagree"])
    parser.add_argument("--seeds", nargs="*", type=int, default=[0, 1, 2], help="training seeds of the student rows")
    parser.add_argument("--recipes", nargs="*", choices=["student", "distilled"], default=["student", "distilled"])
    parser.add_argument("--teacher-epochs", type=int, default=4)
    parser.add_argument("--teacher-threads", type=int, default=2)
    parser.add_argument("--teacher-lr", type=float, default=5e-5, help="the usual BERT-base fine-tuning rate, not tuned here")
    parser.add_argument("--threads", type=int, default=2, help="torch CPU threads of the student rows")
    parser.add_argument("--unlabelled", nargs="*", default=["benzinga"], help="unlabelled sources of the distilled rows")
    parser.add_argument("--unlabelled-limit", type=int, default=2000)
    parser.add_argument("--temperature", type=float, default=2.0)
    parser.add_argument("--alpha", type=float, default=0.5)
    parser.add_argument("--resume", action="store_true", help="keep rows already in the results file")
    parser.add_argument("--output", type=Path, help="default: results/sentiment_distill[_<dataset>].json")
    parser.add_argument("--progress", action="store_true", help="epoch logs even when not on a terminal")
    args = parser.parse_args()

    settings = Settings()
    suffix = "" if args.dataset == "50agree" else f"_{args.dataset}"
    args.output = args.output or RESULTS / f"sentiment_distill{suffix}.json"
    saved = json.loads(args.output.read_text()) if args.resume and args.output.is_file() else {}
    rows: dict[str, Any] = saved.get("rows", {})
    production = TrainConfig(dataset=args.dataset, split_seed=SPLIT_SEED, progress=args.progress or os.isatty(2))
    console = Console(width=max(140, Console().width))

    def record(name: str, config: TrainConfig) -> None:
        if name in rows:
            return
        rows[name] = run_row(config, settings)
        rows[name]["load_average_after"] = os.getloadavg()
        result = {"benchmark": __doc__.splitlines()[0], "dataset": args.dataset, "cpu_count": os.cpu_count(),
                  "bars": BARS.get(args.dataset, {}),
                  "settings": {"teacher_epochs": args.teacher_epochs, "teacher_lr": args.teacher_lr, "unlabelled": args.unlabelled,
                               "unlabelled_limit": args.unlabelled_limit, "temperature": args.temperature,
                               "alpha": args.alpha, "split_seed": SPLIT_SEED},
                  "rows": rows, "summary": summary(rows)}
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(json.dumps(result, indent=1))
        console.print(f"{name}: acc {rows[name]['accuracy']:.4f} macro-F1 {rows[name]['macro_f1']:.4f} "
                      f"(val {rows[name]['val_macro_f1']:.4f}) in {rows[name]['train_seconds']:.0f} s")

    teacher = production.update(base_model=MPNET_NAME, epochs=args.teacher_epochs, num_threads=args.teacher_threads,
                                learning_rate=args.teacher_lr)
    if "distilled" in args.recipes:
        record("teacher/0", teacher)
    for seed in args.seeds:
        student = production.update(seed=seed, num_threads=args.threads)
        if "student" in args.recipes:
            record(f"student/{seed}", student)
        if "distilled" in args.recipes:
            record(f"distilled/{seed}", student.update(
                distill_from=rows["teacher/0"]["version_id"], distill_unlabelled=tuple(args.unlabelled),
                distill_unlabelled_limit=args.unlabelled_limit, distill_temperature=args.temperature,
                distill_alpha=args.alpha))
    print_table({"summary": summary(rows)}, args.dataset, console)


if __name__ == "__main__":
    main()
