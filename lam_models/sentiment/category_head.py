"""Category head: a supervised head for a desk's own labels beside the sentiment head on one encoder (issue #14 item 2).

Categories are labels someone gave (earnings, M&A, analyst rating...); topics are what ``lam_models/topics``
discovers by clustering. Why one encoder: scoring runs one forward pass per headline; a category head on
the same pooled vector costs a 384 x k matmul, not a second model. Loss = sentiment CE + lambda * category CE.
Training rows are the union of the sentiment training rows and the category file's training rows;
a row missing one task's label (-1) is skipped by that task's loss. Category rows whose text is in
the sentiment validation or test part go to the category validation/test part, so no sentiment
evaluation sentence is ever trained on, by either head.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from lam_models.sentiment.data import DataError, LabelledTexts, _check_text, pick_column, read_table
from lam_models.sentiment.hooks import Batch, TrainHook, TrainState
from lam_models.sentiment.metrics import classification_report
from lam_models.sentiment.model import SentimentModel, SentimentOutput, predict_heads

CATEGORY_COLUMNS = ("category", "categories", "topic", "topics", "label", "class")
NO_LABEL = -1
CATEGORIES_FILE = "categories.json"  # in a version with a category head: labels, task, digests of the texts it saw


@dataclass(frozen=True)
class CategoryTexts:
    """Texts with category ids (indices into ``names``; -1 = no category label) and their source."""

    texts: list[str]
    categories: np.ndarray  # (n,) int64
    names: list[str]
    source: str

    def __len__(self) -> int:
        return len(self.texts)

    def subset(self, index: list[int] | np.ndarray) -> CategoryTexts:
        idx = np.asarray(index, dtype=np.int64)
        return CategoryTexts([self.texts[i] for i in idx], self.categories[idx], self.names, self.source)


def read_category_table(path: Path, text_column: str | None = None, category_column: str | None = None,
                        names: list[str] | None = None) -> CategoryTexts:
    """A CSV/TSV/Parquet file of ``text,category`` rows; category names are sorted unless ``names`` fixes them.

    Raises:
        DataError: unsupported file, missing column, empty text, fewer than 2 categories, or (with
            ``names``) a category the model does not know; the message names the file and row.
    """
    path = Path(path)
    frame, offset = read_table(path)
    where = "line" if offset else "row"
    text_col = pick_column(frame.columns, text_column, ("text", "sentence", "headline", "title"), "text", path)
    category_col = pick_column(frame.columns, category_column, CATEGORY_COLUMNS, "category", path)
    texts, raw = [], []
    for i, (text, category) in enumerate(zip(frame[text_col].tolist(), frame[category_col].tolist(), strict=True)):
        row = f"{where} {i + offset}"
        if not isinstance(text, str):
            raise DataError(f"{path}, {row}: text is {type(text).__name__} {text!r}, expected a string")
        if not str(category).strip():
            raise DataError(f"{path}, {row}: empty category")
        texts.append(_check_text(text.strip(), path, row))
        raw.append(str(category).strip())
    known = list(names) if names is not None else sorted(set(raw))
    if len(known) < 2:
        raise DataError(f"{path}: {len(known)} distinct category(ies); a category head needs at least 2")
    index = {name: i for i, name in enumerate(known)}
    for i, name in enumerate(raw):
        if name not in index:
            raise DataError(f"{path}, {where} {i + offset}: unknown category {name!r}; the model knows {known}")
    return CategoryTexts(texts, np.asarray([index[n] for n in raw], dtype=np.int64), known, str(path))


def split_categories(categories: CategoryTexts, held_out: dict[str, str], seed: int = 0, test_size: float = 0.2,
                     val_size: float = 0.2) -> dict[str, np.ndarray]:
    """Row indices of the category file's ``train`` / ``validation`` / ``test`` parts.

    Args:
        held_out: text -> ``validation`` | ``test`` for the sentiment held-out sentences; those rows
            go to the same part. The other rows are split seeded and stratified (the FinBERT protocol).
    """
    from sklearn.model_selection import train_test_split

    parts: dict[str, list[int]] = {"train": [], "validation": [], "test": []}
    free = []
    for i, text in enumerate(categories.texts):
        (parts[held_out[text]] if text in held_out else free).append(i)
    if free:
        free_arr = np.asarray(free)
        rest, test = train_test_split(free_arr, test_size=test_size, random_state=seed,
                                      stratify=_stratify(categories.categories[free_arr]))
        train, val = train_test_split(rest, test_size=val_size, random_state=seed,
                                      stratify=_stratify(categories.categories[rest]))
        parts["train"] += train.tolist()
        parts["validation"] += val.tolist()
        parts["test"] += test.tolist()
    return {name: np.asarray(sorted(rows), dtype=np.int64) for name, rows in parts.items()}


def _stratify(labels: np.ndarray) -> np.ndarray | None:
    """Stratify on ``labels`` when every category present has >= 3 rows (else sklearn cannot)."""
    counts = np.bincount(labels)
    return labels if counts[counts > 0].min() >= 3 else None


def joint_rows(sentiment: LabelledTexts, categories: CategoryTexts) -> tuple[LabelledTexts, np.ndarray]:
    """Training rows of both tasks: sentiment rows (with their category, if the category file has the
    text) then category-only rows (sentiment label -1). Returns the rows and their category ids (-1 = none)."""
    category_of = dict(zip(categories.texts, categories.categories.tolist(), strict=True))
    own = set(sentiment.texts)
    extra = [i for i, t in enumerate(categories.texts) if t not in own]
    texts = sentiment.texts + [categories.texts[i] for i in extra]
    labels = np.concatenate([sentiment.labels, np.full(len(extra), NO_LABEL, dtype=np.int64)])
    category_ids = np.asarray([category_of.get(t, NO_LABEL) for t in sentiment.texts]
                              + [categories.categories[i] for i in extra], dtype=np.int64)
    return LabelledTexts(texts, labels, sentiment.source), category_ids


class CategoryHook(TrainHook):
    """Adds ``weight * CE(category head, category)`` over the batch rows that have a category label."""

    name = "categories"

    def __init__(self, category_ids: np.ndarray, weight: float) -> None:
        if weight < 0:
            raise ValueError(f"category loss weight must be >= 0, got {weight}")
        self.category_ids = torch.as_tensor(category_ids, dtype=torch.long)
        self.weight = weight

    def loss(self, state: TrainState, batch: Batch, outputs: SentimentOutput, loss: torch.Tensor) -> torch.Tensor:
        if batch.rows is None or outputs.category_logits is None:
            raise RuntimeError("CategoryHook needs batch row indices and a model with a category head")
        target = self.category_ids[torch.as_tensor(batch.rows)].to(outputs.category_logits.device)
        labelled = target >= 0
        if not bool(labelled.any()):
            return loss
        return loss + self.weight * F.cross_entropy(outputs.category_logits[labelled], target[labelled])


def category_report(model: SentimentModel, tokenizer: Any, categories: CategoryTexts, max_length: int = 64,
                    batch_size: int = 128) -> dict[str, Any]:
    """Accuracy, macro-F1, per-category P/R/F1 and the confusion matrix of the category head on ``categories``."""
    if model.category_head is None:
        raise DataError("this model version has no category head: train one with `lam train categories`")
    if categories.names != model.category_labels:
        raise DataError(f"{categories.source}: categories {categories.names} differ from the model's "
                        f"{model.category_labels}")
    logits = predict_heads(model, tokenizer, categories.texts, batch_size, max_length)["category_logits"]
    return classification_report(categories.categories, logits.argmax(1), model.category_labels)


def text_digest(text: str) -> str:
    """Short sha256 of a text: how a version records which sentences it trained on, without the text."""
    return hashlib.sha256(text.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class CategoryTask:
    """The category side of a multi-task run: the ``text,category`` file and the loss weight lambda."""

    data: str
    weight: float = 0.5
    text_column: str | None = None
    category_column: str | None = None


@dataclass(frozen=True)
class PreparedCategories:
    """A category task joined to the sentiment split: training rows of both tasks and held-out parts."""

    rows: LabelledTexts
    category_ids: np.ndarray
    validation: CategoryTexts
    test: CategoryTexts
    names: list[str]
    train_rows: int


def prepare_categories(task: CategoryTask, data: LabelledTexts, split: Any, sentiment_train: LabelledTexts,
                       seed: int, test_size: float, val_size: float) -> PreparedCategories:
    """Read the category file and join it to the sentiment rows (see the module docstring)."""
    categories = read_category_table(Path(task.data), task.text_column, task.category_column)
    held = {data.texts[i]: "validation" for i in split.validation} | {data.texts[i]: "test" for i in split.test}
    parts = split_categories(categories, held, seed, test_size, val_size)
    train = categories.subset(parts["train"])
    rows, category_ids = joint_rows(sentiment_train, train)
    return PreparedCategories(rows, category_ids, categories.subset(parts["validation"]),
                              categories.subset(parts["test"]), categories.names, len(train))


def evaluate_categories(version_id: str, settings: Any, data: Path, text_column: str | None = None,
                        category_column: str | None = None) -> dict[str, Any]:
    """The category head of ``version_id`` on ``data``, leaving out rows it trained or validated on.

    Raises:
        DataError: the version has no category head, or ``data`` holds a category the head does not know.
    """
    from lam_models.registry.loading import load_version

    loaded = load_version(settings.registry_root, version_id)
    if loaded.model.category_head is None:
        raise DataError(f"version {version_id} has no category head: train one with `lam train categories`")
    categories = read_category_table(Path(data), text_column, category_column, names=loaded.model.category_labels)
    seen = set(read_categories_record(settings.registry_root, version_id)["seen_text_digests"])
    keep = [i for i, t in enumerate(categories.texts) if text_digest(t) not in seen]
    if not keep:
        raise DataError(f"{data}: every row was used to train or validate {version_id}; nothing left to evaluate")
    report = category_report(loaded.model, loaded.tokenizer, categories.subset(keep), loaded.max_seq_length)
    return {"version_id": version_id, "data": str(data), "excluded_seen": len(categories) - len(keep), **report}


def categories_record(task: CategoryTask, prepared: PreparedCategories, sentiment_seen: list[str]) -> dict[str, Any]:
    """``categories.json`` of a version: labels, the task, and digests of every text it trained or validated on."""
    seen = set(sentiment_seen) | set(prepared.rows.texts) | set(prepared.validation.texts)
    return {"labels": prepared.names, "data": task.data, "weight": task.weight, "train_rows": prepared.train_rows,
            "seen_text_digests": sorted(text_digest(t) for t in seen)}


def save_categories_record(folder: Path, record: dict[str, Any]) -> None:
    """Write :func:`categories_record` output into a version folder being built."""
    (Path(folder) / CATEGORIES_FILE).write_text(json.dumps(record, indent=1))


def read_categories_record(registry_root: Path, version_id: str) -> dict[str, Any]:
    """A version's ``categories.json``, or ``topics.json`` in versions saved before the category head was renamed."""
    from lam_models.registry.store import read_json, versions_dir

    folder = versions_dir(registry_root) / version_id
    old = "topics.json"
    name = old if not (folder / CATEGORIES_FILE).is_file() and (folder / old).is_file() else CATEGORIES_FILE
    return read_json(registry_root, version_id, name)
