"""Forgetting table on real data: PhraseBank AllAgree, then the low-agreement sentences, four ways.

Task 1 is Financial PhraseBank ``AllAgree`` (every annotator agreed); task 2 is the sentences of
``50Agree`` that are not in ``75Agree`` (50-74 % agreement: the ambiguous calls, with a different
label mix). A production model is fine-tuned on task 1, then one continual round per method
(``lam_models.continual.loop.run_round``, the code ``lam train continual`` runs) learns task 2
with the same step budget:

- ``naive``: task-2 rows only, no regulariser, early stopping on task-2 validation only;
- ``replay_l2sp``: task-2 rows + a class-balanced replay buffer of task 1, L2-SP toward
  production, early stopping on task 1 + task 2 validation (the settings' defaults);
- ``replay``: the same without L2-SP; ``replay_l2sp_strong``: twice the buffer, 10x the L2-SP
  weight (``--only`` picks rows);
- ``defaults``: the settings' defaults with no budget, so the round is sized by its data (the
  production recipe's epochs over new + replay rows), as ``lam train continual`` runs it;
- ``scratch``: the reference a round should catch up with, a fine-tune of the base model on task 2
  alone (same layers, epochs and split); every round's ``catch_up`` is its task-2 accuracy over this.

Writes ``bench/results/continual.json`` after every row, per training seed (``runs``): the accuracy
matrix ``R[i][j]`` (accuracy on task j's test split after training task i), BWT, FWT, the gate's verdict,
seconds; and ``summary``: each row's mean and standard deviation over the seeds (task 2's test split is
small, so one seed is a noisy figure). A small model (first ``--layers`` encoder layers, full fine-tune)
keeps a seed under 15 min:

    LAM_DATA_DIR=/work/shared/data PYTHONPATH=. python bench/continual.py --seeds 0 1 2
    PYTHONPATH=. python bench/continual.py --resume --seeds 1 --only naive   # rows can run as parallel processes
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from rich.console import Console
from rich.table import Table

from lam_models.continual.config import ContinualConfig
from lam_models.continual.loop import run_round, snapshot_labels
from lam_models.files import write_atomic
from lam_models.registry.pointers import promote
from lam_models.registry.store import read_json
from lam_models.sentiment import TrainConfig
from lam_models.sentiment.api import train_sentiment
from lam_models.sentiment.data import LabelledTexts, fetch_phrasebank
from lam_models.settings import Settings

RESULTS = Path(__file__).resolve().parent / "results" / "continual.json"
METHODS: dict[str, dict[str, Any]] = {
    "naive": {"replay_size": 0, "l2sp_weight": 0.0, "validate_on_earlier": False},
    "replay_l2sp": {"replay_size": 512, "l2sp_weight": 0.01, "validate_on_earlier": True},
    "replay": {"replay_size": 512, "l2sp_weight": 0.0, "validate_on_earlier": True},
    "replay_l2sp_strong": {"replay_size": 1024, "l2sp_weight": 0.1, "validate_on_earlier": True},
    "defaults": {},
}
DATA_SIZED = {"defaults"}  # rows whose round gets no step budget (sized by its data)
console = Console()


def low_agreement(data_dir: Path) -> LabelledTexts:
    """Task 2: sentences with 50-74 % annotator agreement (in 50Agree, not in 75Agree)."""
    fifty, seventy_five = fetch_phrasebank("50agree", data_dir), set(fetch_phrasebank("75agree", data_dir).texts)
    keep = [i for i, t in enumerate(fifty.texts) if t not in seventy_five]
    return LabelledTexts([fifty.texts[i] for i in keep], fifty.labels[keep], "phrasebank 50-74% agreement")


SUMMARISED = ("task_1_after", "task_2_after", "bwt", "catch_up")


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Every seed of ``args.seeds`` in turn (each in its own registry), then the summary over seeds."""
    if not args.resume:
        RESULTS.unlink(missing_ok=True)
    results: dict[str, Any] = json.loads(RESULTS.read_text()) if RESULTS.is_file() else {}
    results["_meta"] = {"machine": platform.machine(), "cpu_count": os.cpu_count(), "layers": args.layers,
                        "production_epochs": args.epochs, "round_steps": args.steps, "num_threads": args.threads,
                        "task_1": "PhraseBank AllAgree", "task_2": "PhraseBank 50Agree minus 75Agree (50-74% agreement)"}
    runs = results.setdefault("runs", {})
    for seed in args.seeds:
        rows = runs[str(seed)] = runs.get(str(seed), {}) if args.resume else {}
        run_seed(args, seed, rows, lambda: _save(results))
    results["summary"] = summarise(runs)
    _save(results)
    return results


def run_seed(args: argparse.Namespace, seed: int, results: dict[str, Any], save: Callable[[], None]) -> None:
    """One seed's production model, from-scratch reference and rounds, added to ``results`` (its rows so far, kept
    on resume); ``save`` writes the file after every row."""
    work = Path(args.work).expanduser() / f"seed-{seed}"
    if work.exists() and not args.resume:
        shutil.rmtree(work)
    base = Settings(home=work / "home", registry_root=work / "registry", lake_root=work / "lake")
    task2 = low_agreement(Path(base.data_dir))
    production = results.get("production", {}).get("version_id")
    if production is None:
        began = time.perf_counter()
        config = TrainConfig(dataset="allagree", num_layers=args.layers, epochs=args.epochs, num_threads=args.threads,
                             progress=False, seed=seed)
        production = train_sentiment(config, base)
        promote(base.registry_root, production, reason="bench/continual.py task 1")
        results["production"] = {"version_id": production, "seconds": round(time.perf_counter() - began, 1),
                                 "task_1_test": read_json(base.registry_root, production, "metrics.json")["test"]["accuracy"]}
        save()
    if "scratch" not in results or not args.resume:
        began = time.perf_counter()
        config = TrainConfig(dataset=snapshot_labels(task2, base), num_layers=args.layers, epochs=args.epochs,
                             num_threads=args.threads, progress=False, seed=seed)
        version = train_sentiment(config, base)
        results["scratch"] = {"version_id": version, "seconds": round(time.perf_counter() - began, 1),
                              "task_2_test": read_json(base.registry_root, version, "metrics.json")["test"]["accuracy"]}
        save()
    for name in args.only or list(METHODS):
        if name in results and args.resume:
            continue
        began = time.perf_counter()
        cfg = ContinualConfig(**METHODS[name], min_new_labels=1, seed=seed)
        settings = base.model_copy(update={"continual": cfg})
        out = run_round(settings, None if name in DATA_SIZED else args.steps, data=task2)
        record = read_json(base.registry_root, out["version"], "continual.json")
        results[name] = {
            "config": METHODS[name], "version_id": out["version"], "matrix": out["matrix"], "bwt": out["bwt"],
            "fwt": out["fwt"], "verdict": out["verdict"], "reason": out["reason"],
            "task_1_before": record["production_accuracy"][0], "task_1_after": record["candidate_accuracy"][0],
            "task_2_before": record["production_accuracy"][1], "task_2_after": record["candidate_accuracy"][1],
            "train_rows": record["train_rows"], "replay_rows": record["replay_rows"], "max_steps": record["max_steps"],
            "catch_up": record["candidate_accuracy"][1] / results["scratch"]["task_2_test"],
            "seconds": round(time.perf_counter() - began, 1),
        }
        save()
        console.print(f"seed {seed} {name}: {results[name]['reason']}")


def summarise(runs: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Per row: mean and standard deviation over the seeds that ran it, of :data:`SUMMARISED` (and of the
    references' accuracies), with the seeds and how many rounds the gate promoted."""
    summary: dict[str, Any] = {}
    for name, keys in (("production", ("task_1_test",)), ("scratch", ("task_2_test",)), *((m, SUMMARISED) for m in METHODS)):
        rows = {seed: run[name] for seed, run in runs.items() if name in run}
        if not rows:
            continue
        summary[name] = {"seeds": sorted(rows, key=int), **{
            key: {"mean": float(np.mean(values)), "std": float(np.std(values, ddof=1)) if len(values) > 1 else None}
            for key in keys for values in [[row[key] for row in rows.values()]]}}
        if name in METHODS:
            summary[name]["promoted"] = sum(row["verdict"] == "promote" for row in rows.values())
    return summary


def _save(results: dict[str, Any]) -> None:
    """Merge into the file (seeds and rows of ``--only`` runs in parallel processes are kept), atomically."""
    merged = json.loads(RESULTS.read_text()) if RESULTS.is_file() else {}
    runs = merged.get("runs", {})
    for seed, rows in results.get("runs", {}).items():
        runs[seed] = {**runs.get(seed, {}), **rows}
    merged = {**merged, **results, "runs": runs}
    write_atomic(RESULTS, json.dumps(merged, indent=2, default=float) + "\n")


def show(results: dict[str, Any]) -> None:
    """The summary over seeds: mean ± standard deviation, in accuracy points."""
    summary = results["summary"]
    scratch = summary.get("scratch", {}).get("task_2_test")
    title = "continual: task 1 AllAgree -> task 2 low-agreement (accuracy %, mean ± sd over seeds; catch-up = task 2 after / from scratch"
    table = Table(title=title + (f" {_points(scratch)})" if scratch else ")"))
    for col in ("method", "seeds", "task 1 after", "task 2 after", "catch-up %", "BWT pts", "promoted"):
        table.add_column(col)
    for name in METHODS:
        row = summary.get(name)
        if row:
            table.add_row(name, str(len(row["seeds"])), *(_points(row[k]) for k in SUMMARISED[:2]), _points(row["catch_up"]),
                          _points(row["bwt"], sign=True), f"{row['promoted']}/{len(row['seeds'])}")
    console.print(table)


def _points(figure: dict[str, float | None], sign: bool = False) -> str:
    mean = f"{100 * figure['mean']:+.2f}" if sign else f"{100 * figure['mean']:.2f}"
    return mean if figure["std"] is None else f"{mean} ± {100 * figure['std']:.2f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", default="~/.cache/lam-pipelines/bench-continual", help="registry/home of the run")
    parser.add_argument("--layers", type=int, default=3, help="encoder layers kept (smaller = faster)")
    parser.add_argument("--epochs", type=int, default=3, help="production (and from-scratch) epochs")
    parser.add_argument("--steps", type=int, default=240, help="optimiser steps of every round but the data-sized ones")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2], help="training seeds (the summary is over them)")
    parser.add_argument("--only", nargs="*", choices=list(METHODS))
    parser.add_argument("--resume", action="store_true", help="keep the production model and finished rows")
    args = parser.parse_args()
    show(run(args))


if __name__ == "__main__":
    main()
