"""One continual round: production -> new labels + replay -> fine-tune -> evaluate every task -> gate.

The round is the ordinary training path (``sentiment.api.fit_model`` / ``save_trained``) started
from production, with replayed rows mixed into the training data and the L2-SP hook added; what
it adds is the choice of data and the accuracy matrix the gate reads. ``run_round`` writes the candidate as a registry version (with ``continual.json``: the tasks,
the accuracy matrix, BWT/FWT and the gate's verdict) but never promotes it: the DAG does that
after its own checks. Tasks are ``{"dataset", "split"}`` records kept in ``version.json``; new
labels become a task by a content-addressed snapshot file, so a later round re-creates the same
rows and the same saved split.
"""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path
from typing import Any

import numpy as np

from lam_models.continual.config import ContinualConfig
from lam_models.continual.forgetting import AccuracyMatrix
from lam_models.continual.gate import ContinualGate
from lam_models.continual.replay import build_replay, concat, mix
from lam_models.files import replacing
from lam_models.registry.pointers import production_version
from lam_models.registry.store import RegistryError, read_json
from lam_models.sentiment.config import TrainConfig
from lam_models.sentiment.data import LABELS, LabelledTexts, read_labelled_table

CONTINUAL_FILE = "continual.json"


def continual_config(settings: Any) -> ContinualConfig:
    """``settings.continual`` when the settings have that section, else the defaults."""
    section = getattr(settings, "continual", None)
    return ContinualConfig() if section is None else section


def _reject(reason: str, version: str | None = None, **more: Any) -> dict[str, Any]:
    return {"verdict": "reject", "version": version, "reason": reason, **more}


def run_round(settings: Any, budget: float | None = None, data: LabelledTexts | None = None,
              method: str | None = None) -> dict[str, Any]:
    """Fine-tune a candidate from production on new + replayed labels, evaluate, gate.

    Args:
        settings: ``lam_models.settings.Settings`` (registry_root, home, lake_root, data_dir,
            optional ``continual`` section).
        budget: training budget; ``max_steps = budget * steps_per_budget`` (None = ``default_budget``, by default the
            production recipe's epochs over this round's rows).
        data: the new labelled rows; None reads ``new_labels_path`` or the lake's labels table.
        method: ``full`` | ``lora`` for this round; None = production's method.

    Returns:
        ``{"verdict": "promote"|"reject", "version": id|None, "reason": str, ...}`` plus the
        accuracy matrix, BWT and per-task accuracies when a candidate was trained.
    """
    cfg = continual_config(settings)
    root = Path(settings.registry_root)
    production = production_version(root)
    if production is None:
        return _reject(f"no production version in {root}: promote one before a continual round")
    new = data if data is not None else load_new_labels(settings, cfg)
    if new is None:
        return _reject("no new labels: set continual.new_labels_path or write the lake labels table")
    if len(new) < cfg.min_new_labels:
        return _reject(f"only {len(new)} new labelled rows; a round needs >= {cfg.min_new_labels}")
    prod_config = TrainConfig.model_validate(read_json(root, production, "config.json"))
    tasks = recorded_tasks(root, production, prod_config)
    new_task = {"dataset": snapshot_labels(new, settings), "split": "test"}
    if new_task["dataset"] in {t["dataset"] for t in tasks}:
        return _reject(f"these {len(new)} labels were already trained on by {production} ({new_task['dataset']})")
    try:
        parts = [_task_parts(t, settings, prod_config) for t in [*tasks, new_task]]
    except ValueError as exc:  # e.g. too few rows of a class to split
        return _reject(f"cannot split the data of a task: {exc}")
    *old, (new_train, new_val, new_test) = parts
    replay = build_replay(concat([p[0] for p in old], "earlier tasks"), cfg.replay_size, cfg.replay_strategy, cfg.seed)
    train = mix(new_train, replay, cfg.seed)
    val = new_val
    if cfg.validate_on_earlier:
        val_old = build_replay(concat([p[1] for p in old], "earlier validation"), len(new_val), "balanced", cfg.seed)
        val = concat([new_val, val_old], "validation: new + earlier")
    steps_per_epoch = math.ceil(len(train) / prod_config.batch_size)
    max_steps = cfg.max_steps(budget, prod_config.epochs * steps_per_epoch)
    config = prod_config.update(
        dataset=new_task["dataset"], text_column=None, label_column=None, label_map=None, init_from=production, distill_from=None, max_steps=max_steps,
        limit_train=None, progress=False, epochs=max(prod_config.epochs, math.ceil(max_steps / steps_per_epoch)),
        notes=f"continual round from {production}", **({"method": method} if method else {}))
    from lam_models.continual.l2sp import L2SPHook
    from lam_models.sentiment.api import fit_model, save_trained, version_metrics

    trained = fit_model(config, settings, train, val, [L2SPHook(cfg.l2sp_weight)] if cfg.l2sp_weight > 0 else [])
    tests = [p[2] for p in parts]
    cand_acc = _accuracies(trained.model, trained.tokenizer, tests, config)
    prod_acc = _production_accuracies(settings, production, tests, prod_config)
    matrix = _matrix(root, production, tasks, new_task, prod_acc, cand_acc)
    baseline = [float(np.bincount(t.labels, minlength=len(LABELS)).max() / len(t)) for t in tests]
    bwt, fwt = matrix.bwt(), matrix.fwt(baseline)
    figures = {"bwt": bwt, "fwt": fwt, "candidate_accuracy": cand_acc, "production_accuracy": prod_acc}
    gate = ContinualGate(cfg.min_improvement_points, cfg.max_bwt_drop_points)
    decision = gate.decide(gate.metrics({"continual": figures}), None)  # what `lam model promote --gate` reads back
    verdict, reason = decision.verdict, decision.reason
    record = {
        **matrix.to_dict(), "fwt": fwt, "fwt_baseline": "majority-class accuracy of each task's test set",
        "production": production, "production_accuracy": prod_acc, "candidate_accuracy": cand_acc,
        "verdict": verdict, "reason": reason, "budget": budget, "max_steps": max_steps,
        "new_rows": len(new), "replay_rows": len(replay), "train_rows": len(train),
        "hooks": [h.name for h in trained.hooks], "continual_config": cfg.model_dump(mode="json"),
    }
    metrics = {**version_metrics(trained, config, len(train), val, new_test),
               "continual": {k: record[k] for k in ("bwt", "fwt", "verdict", "reason", "candidate_accuracy", "production_accuracy")}}

    def write_record(folder: Path) -> None:
        (folder / CONTINUAL_FILE).write_text(json.dumps(record, indent=2, default=str))

    version = save_trained(trained, config, settings, metrics, train.content_hash(),
                           {"tasks": [*tasks, new_task], "continual": True}, write_record)
    return {"verdict": verdict, "version": version, "reason": reason, "bwt": bwt, "fwt": fwt,
            "matrix": record["matrix"], "tasks": record["tasks"], "production": production}


def load_new_labels(settings: Any, cfg: ContinualConfig) -> LabelledTexts | None:
    """``cfg.new_labels_path``, else the lake's labels table (``continual.labels``: one row per text hash, latest label)."""
    if cfg.new_labels_path:
        return read_labelled_table(Path(cfg.new_labels_path), label_map=cfg.label_map)
    from lam_models.continual.labels import read_table

    frame = read_table(settings.lake_root)
    if frame.empty:
        return None
    table = Path(settings.home) / "continual" / "lake-labels.parquet"
    table.parent.mkdir(parents=True, exist_ok=True)
    frame[["text", "label"]].astype(str).to_parquet(table, index=False)
    return read_labelled_table(table, "text", "label")


def snapshot_labels(data: LabelledTexts, settings: Any) -> str:
    """Write ``data`` to ``<home>/continual/labels-<sha12>.csv`` (once) and return its path."""
    path = Path(settings.home) / "continual" / f"labels-{data.content_hash()[:12]}.csv"
    if not path.is_file():
        with replacing(path) as tmp, open(tmp, "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(["text", "label"])
            writer.writerows((t, LABELS[int(y)]) for t, y in zip(data.texts, data.labels, strict=True))
    return str(path)


def recorded_tasks(root: Path, version: str, config: TrainConfig) -> list[dict[str, Any]]:
    """The tasks ``version`` was trained on (its ``version.json``), else its own dataset.

    A task is ``{"dataset", "split"}`` plus, when its file needs them, ``text_column``,
    ``label_column`` and ``label_map``.
    """
    tasks = read_json(root, version, "version.json").get("tasks")
    if tasks:
        return [dict(t) for t in tasks]
    task: dict[str, Any] = {"dataset": config.dataset, "split": "test"}
    for key in ("text_column", "label_column", "label_map"):
        if getattr(config, key) is not None:
            task[key] = getattr(config, key)
    return [task]


def _task_parts(task: dict[str, Any], settings: Any, config: TrainConfig) -> tuple[LabelledTexts, ...]:
    from lam_models.sentiment.api import dataset_split, load_dataset

    columns = {k: task.get(k) for k in ("text_column", "label_column", "label_map")}
    data = load_dataset(task["dataset"], settings, config.update(dataset=task["dataset"], **columns))
    split = dataset_split(data, task["dataset"], settings, config.data_split_seed, config.test_size, config.val_size)
    return data.subset(split.train), data.subset(split.validation), data.subset(getattr(split, task.get("split", "test")))


def _accuracies(model: Any, tokenizer: Any, tests: list[LabelledTexts], config: TrainConfig) -> list[float]:
    from lam_models.sentiment.api import evaluate_texts

    return [float(evaluate_texts(model, tokenizer, t, config)["accuracy"]) for t in tests]


def _production_accuracies(settings: Any, production: str, tests: list[LabelledTexts], config: TrainConfig) -> list[float]:
    from lam_models.registry.loading import load_version
    from lam_models.sentiment.model import pick_device

    loaded = load_version(settings.registry_root, production, str(pick_device(config.device)))
    return _accuracies(loaded.model, loaded.tokenizer, tests, config)


def _matrix(root: Path, production: str, tasks: list[dict[str, str]], new_task: dict[str, str],
            prod_acc: list[float], cand_acc: list[float]) -> AccuracyMatrix:
    """History from production's ``continual.json`` when its tasks match; else rebuilt from today's
    production accuracies (R[j][j] of earlier tasks approximated by production's accuracy)."""
    try:
        history = AccuracyMatrix.from_dict(read_json(root, production, CONTINUAL_FILE))
    except RegistryError:
        history = None
    k = len(tasks)
    if history is None or history.tasks != tasks or len(history.rows) < k:
        history = AccuracyMatrix([dict(t) for t in tasks], [])
        for i in range(k):
            history.set_row(i, {j: prod_acc[j] for j in range(i + 1)})
    history.rows = history.rows[:k]
    history.add_task(new_task)
    history.set_row(k - 1, {k: prod_acc[k]})
    history.set_row(k, dict(enumerate(cand_acc)))
    return history
