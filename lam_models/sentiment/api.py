"""The functions the ``lam`` CLI calls: train a version, evaluate a version.

Why a thin layer: it only wires data -> split -> model -> hooks -> ``train.fit`` -> registry,
so the CLI, the bench and later issues (continual rounds) call the same path and every
version records the config, data hash and metrics it was made with.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console

from lam_models.registry.loading import load_version
from lam_models.registry.store import write_version
from lam_models.sentiment.config import TrainConfig
from lam_models.sentiment.data import LABELS, LabelledTexts
from lam_models.sentiment.distill import DistillHook, TeacherCache, distillation_texts, with_unlabelled
from lam_models.sentiment.hooks import TrainHook
from lam_models.sentiment.metrics import classification_report
from lam_models.sentiment.model import (
    SentimentModel,
    load_encoder,
    load_tokenizer,
    pick_device,
    predict,
    save_model_files,
)
from lam_models.sentiment.offline_models import resolve_model_path
from lam_models.sentiment.report import print_report
from lam_models.sentiment.sources import dataset_split, load_dataset, texts_hash

if TYPE_CHECKING:
    from lam_models.sentiment.category_head import CategoryTask
    from lam_models.sentiment.train import TrainResult

__all__ = ["Trained", "evaluate_texts", "evaluate_version", "evaluate_version_robustness", "fit_model", "load_dataset", "resolve_model_path",
           "save_trained", "train_sentiment", "version_metrics"]


def build_hooks(config: TrainConfig, settings: Any, train: LabelledTexts) -> list[TrainHook]:
    """The variant hooks ``config`` asks for, in a fixed order: agreement targets (they replace the
    hard-label loss, so they come first), augment, distill, FGM."""
    hooks: list[TrainHook] = []
    if config.agreement_targets and train.agreement is not None:
        from lam_models.sentiment.agreement import AgreementHook
        from lam_models.sentiment.train import class_weights

        hooks.append(AgreementHook(train.agreement, class_weights(train.labels[train.labels >= 0], len(LABELS), config.class_weights)))
    if config.augment:
        from lam_models.sentiment.augment import Augmenter, AugmentHook

        hooks.append(AugmentHook(Augmenter(config.augment_prob, config.augment_dropout)))
    if config.distill_from:
        teacher = load_version(settings.registry_root, config.distill_from, str(pick_device(config.device)))
        cache = TeacherCache(teacher.model, teacher.tokenizer, teacher.max_seq_length, config.eval_batch_size)
        hooks.append(DistillHook(cache, config.distill_temperature, config.distill_alpha, warm_texts=train.texts))
    if config.adversarial == "fgm":
        from lam_models.sentiment.adversarial import FGMHook

        hooks.append(FGMHook(config.fgm_epsilon))
    return hooks


def build_model(config: TrainConfig, settings: Any, category_labels: list[str] | None = None) -> tuple[SentimentModel, Any]:
    """Base encoder + fresh head, or the weights of ``config.init_from``; LoRA applied if asked.

    ``category_labels`` adds a fresh category head (multi-task); without it an ``init_from`` version
    keeps the category head it has.
    """
    import torch

    torch.manual_seed(config.seed)
    if config.init_from:
        loaded = load_version(settings.registry_root, config.init_from)
        model, tokenizer = loaded.model, loaded.tokenizer
        model.dropout.p = config.classifier_dropout
    else:
        model = SentimentModel(load_encoder(config.base_model, config.num_layers), len(LABELS), config.classifier_dropout)
        tokenizer = load_tokenizer(config.base_model)
    if category_labels:
        model.set_category_head(category_labels)
    if config.method == "lora":
        from lam_models.sentiment.lora import apply_lora

        apply_lora(model, config)
    return model, tokenizer


@dataclass
class Trained:
    """A fitted model (LoRA merged, eval mode), its tokenizer, the fit's record and the hooks it ran."""

    model: SentimentModel
    tokenizer: Any
    result: TrainResult
    hooks: list[TrainHook]


def fit_model(config: TrainConfig, settings: Any, train: LabelledTexts, val: LabelledTexts,
              extra_hooks: Sequence[TrainHook] = (), category_labels: list[str] | None = None) -> Trained:
    """The one training path: model (base or ``config.init_from``) -> variant hooks + ``extra_hooks``
    (category head, a continual round's L2-SP...) -> ``train.fit`` -> LoRA merged."""
    from lam_models.sentiment.lora import merge_lora
    from lam_models.sentiment.train import fit

    model, tokenizer = build_model(config, settings, category_labels)
    hooks = [*build_hooks(config, settings, train), *extra_hooks]
    result = fit(model, tokenizer, train, val, config, hooks)
    return Trained(merge_lora(result.model).eval(), tokenizer, result, hooks)


def evaluate_texts(model: SentimentModel, tokenizer: Any, data: LabelledTexts, config: TrainConfig) -> dict[str, Any]:
    """Per-class P/R/F1, accuracy and confusion matrix of ``model`` on ``data``."""
    _, logits = predict(model, tokenizer, data.texts, config.eval_batch_size, config.max_seq_length)
    return classification_report(data.labels, logits.argmax(1), LABELS)


def version_metrics(trained: Trained, config: TrainConfig, train_rows: int, val: LabelledTexts,
                    test: LabelledTexts) -> dict[str, Any]:
    """What every sentiment version records in ``metrics.json``: validation and test reports, and the fit."""
    result = trained.result
    return {
        "dataset": config.dataset,
        "validation": evaluate_texts(trained.model, trained.tokenizer, val, config),
        "test": evaluate_texts(trained.model, trained.tokenizer, test, config),
        "training": {
            "train_seconds": result.train_seconds, "cpu_seconds": result.cpu_seconds, "steps": result.steps, "best_epoch": result.best_epoch,
            "best_val_macro_f1": result.best_val_macro_f1, "stopped_early": result.stopped_early,
            "trainable_params": result.trainable_params, "total_params": result.total_params,
            "history": result.history, "device": str(pick_device(config.device)), "num_threads": config.num_threads,
            "hooks": [h.name for h in trained.hooks], "train_rows": train_rows,
        },
    }


def save_trained(trained: Trained, config: TrainConfig, settings: Any, metrics: dict[str, Any], data_hash: str,
                 extra: dict[str, Any] | None = None, write_more: Callable[[Path], None] | None = None) -> str:
    """Write ``trained`` as a new registry version (atomic, not promoted); returns its id.

    Args:
        extra: more ``version.json`` fields; write_more: writes more files into the version folder.
    """

    def write_files(folder: Path) -> None:
        save_model_files(trained.model, trained.tokenizer, folder)
        if write_more is not None:
            write_more(folder)

    record = {"method": config.method, "dataset": config.dataset, "base_model": config.base_model,
              "teacher": config.distill_from, "train_seconds": trained.result.train_seconds, **(extra or {})}
    return write_version(settings.registry_root, write_files, config=config.model_dump(mode="json"), labels=list(LABELS),
                         metrics=metrics, data_hash=data_hash, parent=config.init_from, extra=record)


def train_sentiment(config: TrainConfig, settings: Any, download_if_missing: bool = False,
                    console: Console | None = None, categories: CategoryTask | None = None) -> str:
    """Train, evaluate on validation and test, save a new registry version; returns its id.

    With ``categories`` a category head trains beside the sentiment head (multi-task, ``category_head.py``)
    and the version holds both heads plus ``categories.json``. The version is written only after
    training and evaluation succeed, and atomically, so a failed run leaves nothing behind. It
    is NOT promoted: run ``promote`` after checking it.
    """
    console = console or Console()
    data = load_dataset(config.dataset, settings, config, download_if_missing)
    if data.skipped:
        console.print(f"[yellow]skipped {len(data.skipped)} rows without usable text (--strict refuses them); "
                      f"first: {'; '.join(data.skipped[:3])}[/yellow]")
    split = dataset_split(data, config.dataset, settings, config.data_split_seed, config.test_size, config.val_size)
    train = data.subset(split.train[: config.limit_train] if config.limit_train else split.train)
    val, test = data.subset(split.validation), data.subset(split.test)
    prepared, extra_hooks, write_more = None, [], None
    if categories is not None:
        from lam_models.sentiment.category_head import CategoryHook, prepare_categories

        prepared = prepare_categories(categories, data, split, train, config.data_split_seed, config.test_size, config.val_size)
        extra_hooks.append(CategoryHook(prepared.category_ids, categories.weight))
    rows = prepared.rows if prepared else train
    unlabelled = distillation_texts(config, settings, data) if config.distill_unlabelled else []
    if unlabelled and prepared:
        raise ValueError("distill_unlabelled with a category head is not supported: train them in separate runs")
    trained = fit_model(config, settings, with_unlabelled(rows, unlabelled), val, extra_hooks,
                        prepared.names if prepared else None)
    metrics = version_metrics(trained, config, len(train), val, test)
    if prepared:
        from lam_models.sentiment.category_head import categories_record, category_report, save_categories_record

        metrics["categories"] = {
            "data": categories.data, "weight": categories.weight, "train_rows": prepared.train_rows,
            **{part: category_report(trained.model, trained.tokenizer, held, config.max_seq_length)
               for part, held in (("validation", prepared.validation), ("test", prepared.test)) if len(held)}}
        record = categories_record(categories, prepared, train.texts + val.texts)

        def write_more(folder: Path) -> None:
            save_categories_record(folder, record)

    if config.progress:
        print_report(metrics, console)
    skipped = {"skipped_rows": len(data.skipped), "skipped_first": list(data.skipped[:5])} if data.skipped else {}
    if unlabelled:
        metrics["training"]["unlabelled_rows"] = len(unlabelled)
        skipped["unlabelled_texts_hash"] = texts_hash(unlabelled)
    return save_trained(trained, config, settings, metrics, train.content_hash(),
                        {"split_data_hash": split.data_hash, **skipped}, write_more)


def evaluate_version(version_id: str, settings: Any, dataset: str | None = None,
                     split: str = "test", console: Console | None = None, print_tables: bool = False) -> dict[str, Any]:
    """Metrics of ``version_id`` on ``split`` of ``dataset`` (default: the one it was trained on).

    On another dataset, rows whose text the model saw in training or validation are left out
    (PhraseBank subsets are nested: AllAgree sentences sit inside 50Agree's training part), and
    the count left out is reported as ``excluded_seen``.
    """
    loaded, dataset, rows, excluded = version_rows(version_id, settings, dataset, split)
    _, logits = predict(loaded.model, loaded.tokenizer, rows.texts, 128, loaded.max_seq_length)
    report = {"version_id": version_id, "dataset": dataset, "split": split, "excluded_seen": excluded,
              **classification_report(rows.labels, logits.argmax(1), loaded.labels)}
    if print_tables:
        print_report({"dataset": dataset, split: report}, console)
    return report


def evaluate_version_robustness(version_id: str, settings: Any, dataset: str | None = None, split: str = "test",
                                names: Sequence[str] | None = None, seed: int = 0) -> dict[str, Any]:
    """``robustness.evaluate_robustness`` of ``version_id`` on ``split`` of ``dataset`` (rows chosen as
    in ``evaluate_version``): clean and perturbed accuracy, macro-F1, drops and flip rates."""
    from lam_models.sentiment.robustness import evaluate_robustness

    loaded, dataset, rows, excluded = version_rows(version_id, settings, dataset, split)

    def classify(texts: list[str]) -> Any:
        return predict(loaded.model, loaded.tokenizer, texts, 128, loaded.max_seq_length)[1].argmax(1)

    report = evaluate_robustness(classify, rows.texts, rows.labels, names, seed, len(loaded.labels))
    return {"version_id": version_id, "dataset": dataset, "split": split, "excluded_seen": excluded, **report}


def version_rows(version_id: str, settings: Any, dataset: str | None, split: str) -> tuple[Any, str, LabelledTexts, int]:
    """The loaded version, the dataset name, its ``split`` rows (minus rows the version saw when
    ``dataset`` is not its own) and how many were left out."""
    if split not in ("train", "validation", "test"):
        raise ValueError(f"split must be train|validation|test, got {split!r}")
    loaded = load_version(settings.registry_root, version_id, str(pick_device(settings.model.device)))
    config = TrainConfig.model_validate(_config_dict(settings, version_id))
    dataset = dataset or config.dataset
    data = load_dataset(dataset, settings, config)
    parts = dataset_split(data, dataset, settings, config.data_split_seed, config.test_size, config.val_size)
    rows = data.subset(getattr(parts, split))
    excluded = 0
    if dataset.lower() != config.dataset.lower():
        own = load_dataset(config.dataset, settings, config)
        own_split = dataset_split(own, config.dataset, settings, config.data_split_seed, config.test_size, config.val_size)
        seen = {own.texts[i] for i in own_split.train + own_split.validation}
        keep = [i for i, t in enumerate(rows.texts) if t not in seen]
        excluded = len(rows) - len(keep)
        rows = rows.subset(keep)
    return loaded, dataset, rows, excluded


def _config_dict(settings: Any, version_id: str) -> dict[str, Any]:
    from lam_models.registry.store import read_json

    return read_json(settings.registry_root, version_id, "config.json")
