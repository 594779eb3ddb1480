"""Sentiment ablation: full vs LoRA, +/- FGM, +/- augmentation, +/- distillation, same seed and split.

Writes ``bench/results/sentiment.json`` after every run (so a long bench can be resumed with
``--resume``) and prints the table. Each row: test accuracy and macro-F1 (50Agree rows also
on the AllAgree test split minus sentences they trained on), trainable parameters, train
wall and CPU seconds, best epoch. ``main_50agree`` / ``main_allagree`` are the headline full
fine-tunes (``--epochs``); the ablation rows share one shorter schedule (``--ablation-epochs``).

    LAM_DATA_DIR=/work/shared/data nice -n 10 python bench/sentiment.py --progress
    nice -n 10 python bench/sentiment.py --only main_50agree lora --resume
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from lam_models.sentiment import TrainConfig
from lam_models.sentiment.api import evaluate_version, train_sentiment
from lam_models.settings import Settings

RESULTS = Path(__file__).resolve().parent / "results" / "sentiment.json"
ANCHORS = {"50agree": {"finbert_accuracy": 0.86, "finbert_macro_f1": 0.84, "bar_accuracy": 0.87, "bar_macro_f1": 0.85},
           "allagree": {"finbert_accuracy": 0.97, "finbert_macro_f1": 0.95, "bar_accuracy": 0.97}}
# name -> (config changes, teacher row or None). The two "main" rows use the full schedule
# (--epochs) and are the headline models; the ablation rows use --ablation-epochs so the
# whole table fits in a few hours of 2 shared cores; distillation rows learn from main_50agree.
# v1: the recipe of the ablation rows and the first main rows (LoRA rows: LR reset to 1e-3).
RECIPE_V1: dict[str, Any] = {"batch_size": 32, "learning_rate": 8e-5, "class_weights": "balanced", "patience": 2,
                             "agreement_targets": False, "precision": "fp32"}
# v2: the recipe tried after v1 missed the bars (more, smaller steps; softer class weights).
RECIPE_V2: dict[str, Any] = {"epochs": 8, "batch_size": 16, "learning_rate": 1e-4, "class_weights": "sqrt",
                             "patience": 3}
# v3 knobs (issue #4 quality): higher head LR, layer-wise LR decay, weight EMA, label smoothing, bf16.
V3_KNOBS: dict[str, Any] = {"head_lr_multiplier": 10.0, "layer_lr_decay": 0.9, "ema_decay": 0.995,
                            "label_smoothing": 0.1, "precision": "bf16"}
# v3 rows: the knobs on top of v2, full schedule, 2 threads.
V3_ROWS: dict[str, dict[str, Any]] = {
    "v3_bundle": {**RECIPE_V2, **V3_KNOBS},
}
# v4: annotator-agreement targets instead of class weights, LR 2e-4, bf16
# autocast where native. Its ablation row turns only the agreement targets off.
RECIPE_V4: dict[str, Any] = {"epochs": 8, "batch_size": 16, "learning_rate": 2e-4, "class_weights": "none",
                             "patience": 3, "precision": "auto", "agreement_targets": True}
# v5 (TrainConfig's defaults): v4 at v2's LR (1e-4); v4's 2e-4 overfit AllAgree (1,811 training sentences).
RECIPE_V5: dict[str, Any] = {**RECIPE_V4, "learning_rate": 1e-4}
# v5 fine-tuned from a domain-adapted base (domain_adapt.py: MLM on PhraseBank train+val + Benzinga)
ADAPTED_BASE = "bench-50agree-benzinga"
MAIN_ROWS = ("main_50agree", "main_allagree", "main_50agree_v2", "main_allagree_v2", *V3_ROWS,
             "main_50agree_v4", "main_allagree_v4", "v4_hard_labels", "main_50agree_v5", "main_allagree_v5",
             "v5_born_again", "adapted_50agree_v5")
RUNS: dict[str, tuple[dict[str, Any], str | None]] = {
    "main_50agree": ({}, None),
    "main_allagree": ({"dataset": "allagree"}, None),
    "main_50agree_v2": (RECIPE_V2, None),
    "main_allagree_v2": ({**RECIPE_V2, "dataset": "allagree"}, None),
    "full": ({}, None),
    "full_fgm": ({"adversarial": "fgm", "fgm_epsilon": 0.2}, None),
    "full_fgm_eps1": ({"adversarial": "fgm", "fgm_epsilon": 1.0}, None),
    "full_augment": ({"augment": True}, None),
    "lora": ({"method": "lora"}, None),
    "lora_fgm": ({"method": "lora", "adversarial": "fgm", "fgm_epsilon": 0.2}, None),
    "lora_fgm_eps1": ({"method": "lora", "adversarial": "fgm", "fgm_epsilon": 1.0}, None),
    "lora_augment": ({"method": "lora", "augment": True}, None),
    "lora_distill": ({"method": "lora"}, "main_50agree"),
    "l3_full": ({"num_layers": 3}, None),
    "l3_distill": ({"num_layers": 3}, "main_50agree"),
    "full_v3_knobs": (V3_KNOBS, None),
    **{name: (changes, None) for name, changes in V3_ROWS.items()},
    "main_50agree_v4": (RECIPE_V4, None),
    "main_allagree_v4": ({**RECIPE_V4, "dataset": "allagree"}, None),
    "v4_hard_labels": ({**RECIPE_V4, "agreement_targets": False}, None),
    "main_50agree_v5": (RECIPE_V5, None),
    "main_allagree_v5": ({**RECIPE_V5, "dataset": "allagree"}, None),
    # born-again distillation: a same-size student of the v5 model, on v5's recipe plus its soft targets
    "v5_born_again": (RECIPE_V5, "main_50agree_v5"),
    "adapted_50agree_v5": ({**RECIPE_V5, "base_model": ADAPTED_BASE}, None),
}


def run_row(name: str, base: TrainConfig, settings: Settings, done: dict[str, Any]) -> dict[str, Any]:
    """Train one ablation row and evaluate it on its test split and (leak-free) AllAgree."""
    changes, teacher = RUNS[name]
    if teacher is not None:
        if teacher not in done:
            raise SystemExit(f"row {name} needs the teacher row {teacher!r} first")
        changes = {**changes, "distill_from": done[teacher]["version_id"]}
    adapted = adapted_base(base, settings) if changes.get("base_model") == ADAPTED_BASE else None
    if adapted is not None:
        changes = {**changes, "base_model": adapted["folder"]}
    config = base.update(**changes)
    version = train_sentiment(config, settings, console=Console(stderr=True))
    metrics = json.loads((Path(settings.registry_root) / "sentiment" / "versions" / version / "metrics.json").read_text())
    row = {
        "version_id": version, "dataset": config.dataset, "method": config.method,
        "num_layers": config.num_layers or 6, "adversarial": config.adversarial, "augment": config.augment,
        "fgm_epsilon": config.fgm_epsilon if config.adversarial else None, "batch_size": config.batch_size,
        "class_weights": config.class_weights, "agreement_targets": config.agreement_targets,
        "precision": config.precision,
        "distill_from": teacher, "epochs": config.epochs, "learning_rate": config.learning_rate,
        "num_threads": config.num_threads,
        "accuracy": metrics["test"]["accuracy"], "macro_f1": metrics["test"]["macro_f1"],
        "val_macro_f1": metrics["validation"]["macro_f1"],
        "trainable_params": metrics["training"]["trainable_params"],
        "train_seconds": round(metrics["training"]["train_seconds"], 1),
        "cpu_seconds": round(metrics["training"]["cpu_seconds"], 1),
        "best_epoch": metrics["training"]["best_epoch"], "steps": metrics["training"]["steps"],
        "history": metrics["training"]["history"], "test_report": metrics["test"],
    }
    if adapted is not None:
        row["domain_adaptation"] = {k: adapted[k] for k in ("texts", "steps", "train_seconds", "history")}
    if config.dataset == "50agree":
        row["test_accuracy_by_agreement"] = accuracy_by_agreement(version, config, settings)
        cross = evaluate_version(version, settings, dataset="allagree")
        row["allagree_accuracy"], row["allagree_macro_f1"] = cross["accuracy"], cross["macro_f1"]
        row["allagree_n"], row["allagree_excluded_seen"] = cross["n"], cross["excluded_seen"]
    return row


def adapted_base(base: TrainConfig, settings: Settings) -> dict[str, Any]:
    """The domain-adapted base model of the ``adapted`` rows: made once (timed), then reused."""
    from lam_models.sentiment.config import AdaptConfig
    from lam_models.sentiment.domain_adapt import ADAPT_RECORD, adapt_encoder, base_model_folder
    from lam_models.sentiment.sources import adaptation_texts

    folder = base_model_folder(settings, ADAPTED_BASE)
    if not folder.is_dir():
        adapt_encoder(adaptation_texts(["50agree", "benzinga"], settings),
                      AdaptConfig(num_threads=base.num_threads, progress=base.progress), folder)
    return {**json.loads((folder / ADAPT_RECORD).read_text()), "folder": str(folder)}


def accuracy_by_agreement(version: str, config: TrainConfig, settings: Settings) -> dict[str, dict[str, float]]:
    """Test-split accuracy per PhraseBank agreement band (1.0 = the AllAgree sentences among them)."""
    import numpy as np

    from lam_models.registry.loading import load_version
    from lam_models.sentiment.api import dataset_split, load_dataset
    from lam_models.sentiment.model import predict

    data = load_dataset(config.dataset, settings, config)
    test = data.subset(dataset_split(data, config.dataset, settings, config.seed).test)
    loaded = load_version(settings.registry_root, version)
    predicted = predict(loaded.model, loaded.tokenizer, test.texts, 128, loaded.max_seq_length)[1].argmax(1)
    bands = np.round(test.agreement, 2)
    return {f"{band:.2f}": {"n": int((bands == band).sum()), "accuracy": float((predicted == test.labels)[bands == band].mean())}
            for band in sorted(set(bands.tolist()), reverse=True)}


def print_table(rows: dict[str, Any], console: Console) -> None:
    table = Table(title="Sentiment ablation (test split, seed 0)")
    for col in ("row", "dataset", "epochs", "acc", "macro-F1", "AllAgree acc*", "trainable", "train s", "cpu s",
                "best ep"):
        table.add_column(col, justify="left" if col in ("row", "dataset") else "right")
    for name, row in rows.items():
        if name.startswith("_"):
            continue
        cross = f"{row['allagree_accuracy']:.4f}" if "allagree_accuracy" in row else "-"
        table.add_row(name, row["dataset"], str(row["epochs"]), f"{row['accuracy']:.4f}", f"{row['macro_f1']:.4f}",
                      cross, f"{row['trainable_params']:,}", f"{row['train_seconds']:.0f}",
                      f"{row.get('cpu_seconds', float('nan')):.0f}", str(row["best_epoch"]))
    console.print(table)
    console.print("* 50Agree models on the AllAgree test split minus sentences seen in their training/validation")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", choices=list(RUNS), help="rows to run (default all)")
    parser.add_argument("--epochs", type=int, default=6, help="epochs of the two main rows")
    parser.add_argument("--ablation-epochs", type=int, default=2, help="epochs of the ablation rows")
    parser.add_argument("--threads", type=int, default=2, help="torch CPU threads of the main rows")
    parser.add_argument("--ablation-threads", type=int, default=2, help="torch CPU threads of the ablation rows")
    parser.add_argument("--resume", action="store_true", help="keep rows already in the results file")
    parser.add_argument("--output", type=Path, default=RESULTS)
    parser.add_argument("--progress", action="store_true", help="epoch logs and bars even when not on a terminal")
    args = parser.parse_args()

    settings = Settings()
    rows: dict[str, Any] = json.loads(args.output.read_text()) if args.resume and args.output.is_file() else {}
    # v1 recipe, pinned so the table stays reproducible when TrainConfig's defaults move on.
    base = TrainConfig(dataset="50agree", num_threads=2, progress=args.progress or os.isatty(2), **RECIPE_V1)
    console = Console(width=max(140, Console().width))
    for name in args.only or list(RUNS):
        if name in rows:
            continue
        main = name in MAIN_ROWS
        row_base = base.update(epochs=args.epochs if main else args.ablation_epochs,
                               num_threads=args.threads if main else args.ablation_threads)
        started = time.time()
        rows[name] = run_row(name, row_base, settings, rows)
        rows[name]["wall_seconds"] = round(time.time() - started, 1)
        rows[name]["load_average_after"] = os.getloadavg()
        rows["_meta"] = {"machine": platform.processor() or platform.machine(), "cpu_count": os.cpu_count(),
                         "anchors": ANCHORS,
                         "note": "2 CPU cores shared with other processes: train seconds include that contention"}
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(json.dumps(rows, indent=2))
        console.print(f"{name}: acc {rows[name]['accuracy']:.4f} macro-F1 {rows[name]['macro_f1']:.4f} "
                      f"in {rows[name]['train_seconds']:.0f} s")
    print_table(rows, console)


if __name__ == "__main__":
    main()
