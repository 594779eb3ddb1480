"""Multi-task cost on sentiment: the same recipe with and without a category head (issue #14 item 2).

PhraseBank has no categories, so its 50Agree sentences get one from the keyword taxonomy
(``lam_models/sentiment/taxonomy.py``). The multi-task row repeats a row of
``bench/results/sentiment.json`` (``--baseline``: same recipe, seed, split, threads) with the
category loss added at weight lambda; the table compares the sentiment head's test macro-F1
(done when: it drops by at most 0.5 point) and reports the category head's held-out scores.

    LAM_DATA_DIR=/work/shared/data PYTHONPATH=. python bench/sentiment_categories.py --baseline full --lambda 0.5
"""

from __future__ import annotations

import argparse
import json
import os
import time
from collections import Counter
from pathlib import Path

import pandas as pd
from rich.console import Console

from lam_models.sentiment import TrainConfig
from lam_models.sentiment.api import load_dataset, train_sentiment
from lam_models.sentiment.category_head import CategoryTask
from lam_models.sentiment.taxonomy import label_categories
from lam_models.settings import Settings

RESULTS = Path(__file__).resolve().parent / "results"


def category_file(settings: Settings) -> Path:
    """50Agree sentences with their taxonomy category, written under ``<home>/categories`` (not the repo)."""
    data = load_dataset("50agree", settings)
    path = Path(settings.home) / "categories" / "phrasebank_50agree_taxonomy.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    pd.DataFrame({"text": data.texts, "category": label_categories(data.texts)}).to_csv(path, index=False)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", default="full", help="row of bench/results/sentiment.json to repeat")
    parser.add_argument("--lambda", dest="weight", type=float, default=0.5, help="category loss weight")
    parser.add_argument("--progress", action="store_true")
    args = parser.parse_args()

    settings = Settings()
    rows = json.loads((RESULTS / "sentiment.json").read_text())
    base = rows[args.baseline]
    base_config = json.loads((Path(settings.registry_root) / "sentiment" / "versions" / base["version_id"]
                              / "config.json").read_text())
    config = TrainConfig.model_validate({**base_config, "progress": args.progress or os.isatty(2)})
    path = category_file(settings)
    started = time.time()
    version = train_sentiment(config, settings, console=Console(stderr=True), categories=CategoryTask(str(path), args.weight))
    metrics = json.loads((Path(settings.registry_root) / "sentiment" / "versions" / version / "metrics.json").read_text())
    name = f"{args.baseline}+categories_lambda{args.weight:g}"
    out_path = RESULTS / "sentiment_categories.json"
    table = json.loads(out_path.read_text()) if out_path.is_file() else {}
    table[name] = {
        "version_id": version, "baseline_row": args.baseline, "baseline_version": base["version_id"],
        "category_weight": args.weight, "recipe": {k: base_config[k] for k in ("epochs", "batch_size", "learning_rate",
                                                                          "class_weights", "num_threads")},
        "sentiment_accuracy": metrics["test"]["accuracy"], "sentiment_macro_f1": metrics["test"]["macro_f1"],
        "baseline_accuracy": base["accuracy"], "baseline_macro_f1": base["macro_f1"],
        "macro_f1_change_points": round(100 * (metrics["test"]["macro_f1"] - base["macro_f1"]), 2),
        "category_test_accuracy": metrics["categories"]["test"]["accuracy"],
        "category_test_macro_f1": metrics["categories"]["test"]["macro_f1"],
        "category_test_n": metrics["categories"]["test"]["n"],
        "category_train_rows": metrics["categories"]["train_rows"],
        "category_counts_50agree": dict(Counter(pd.read_csv(path)["category"])),
        "train_seconds": round(metrics["training"]["train_seconds"], 1),
        "cpu_seconds": round(metrics["training"]["cpu_seconds"], 1),
        "baseline_train_seconds": base["train_seconds"], "baseline_cpu_seconds": base.get("cpu_seconds"),
        "best_epoch": metrics["training"]["best_epoch"], "wall_seconds": round(time.time() - started, 1),
        "category_report": metrics["categories"]["test"], "sentiment_report": metrics["test"],
    }
    out_path.write_text(json.dumps(table, indent=2))
    row = table[name]
    Console().print(f"{name}: sentiment macro-F1 {row['sentiment_macro_f1']:.4f} vs {row['baseline_macro_f1']:.4f} "
                    f"({row['macro_f1_change_points']:+.2f} pts); category acc {row['category_test_accuracy']:.4f} "
                    f"macro-F1 {row['category_test_macro_f1']:.4f}")


if __name__ == "__main__":
    main()
