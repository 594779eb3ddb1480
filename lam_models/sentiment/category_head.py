"""Multi-task fine-tuning: a topic head beside the sentiment head on one encoder (issue #14 item 2).

Why one encoder: scoring runs one forward pass per headline; a topic head on the same pooled
vector costs a 384 x k matmul, not a second model. Loss = sentiment CE + lambda * topic CE.
Training rows are the union of the sentiment training rows and the topic file's training rows;
a row missing one task's label (-1) is skipped by that task's loss. Topic rows whose text is in
the sentiment validation or test part go to the topic validation/test part, so no sentiment
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

TOPIC_COLUMNS = ("topic", "topics", "category", "label", "class")
NO_LABEL = -1
TOPICS_FILE = "topics.json"  # in a version with a topic head: labels, task, digests of the texts it saw


@dataclass(frozen=True)
class TopicTexts:
    """Texts with topic ids (indices into ``names``; -1 = no topic label) and their source."""

    texts: list[str]
    topics: np.ndarray  # (n,) int64
    names: list[str]
    source: str

    def __len__(self) -> int:
        return len(self.texts)

    def subset(self, index: list[int] | np.ndarray) -> TopicTexts:
        idx = np.asarray(index, dtype=np.int64)
        return TopicTexts([self.texts[i] for i in idx], self.topics[idx], self.names, self.source)


def read_topic_table(path: Path, text_column: str | None = None, topic_column: str | None = None,
                     names: list[str] | None = None) -> TopicTexts:
    """A CSV/TSV/Parquet file of ``text,topic`` rows; topic names are sorted unless ``names`` fixes them.

    Raises:
        DataError: unsupported file, missing column, empty text, fewer than 2 topics, or (with
            ``names``) a topic the model does not know; the message names the file and row.
    """
    path = Path(path)
    frame, offset = read_table(path)
    where = "line" if offset else "row"
    text_col = pick_column(frame.columns, text_column, ("text", "sentence", "headline", "title"), "text", path)
    topic_col = pick_column(frame.columns, topic_column, TOPIC_COLUMNS, "topic", path)
    texts, raw = [], []
    for i, (text, topic) in enumerate(zip(frame[text_col].tolist(), frame[topic_col].tolist(), strict=True)):
        row = f"{where} {i + offset}"
        if not isinstance(text, str):
            raise DataError(f"{path}, {row}: text is {type(text).__name__} {text!r}, expected a string")
        if not str(topic).strip():
            raise DataError(f"{path}, {row}: empty topic")
        texts.append(_check_text(text.strip(), path, row))
        raw.append(str(topic).strip())
    known = list(names) if names is not None else sorted(set(raw))
    if len(known) < 2:
        raise DataError(f"{path}: {len(known)} distinct topic(s); a topic head needs at least 2")
    index = {name: i for i, name in enumerate(known)}
    for i, name in enumerate(raw):
        if name not in index:
            raise DataError(f"{path}, {where} {i + offset}: unknown topic {name!r}; the model knows {known}")
    return TopicTexts(texts, np.asarray([index[n] for n in raw], dtype=np.int64), known, str(path))


def split_topics(topics: TopicTexts, held_out: dict[str, str], seed: int = 0, test_size: float = 0.2,
                 val_size: float = 0.2) -> dict[str, np.ndarray]:
    """Row indices of the topic file's ``train`` / ``validation`` / ``test`` parts.

    Args:
        held_out: text -> ``validation`` | ``test`` for the sentiment held-out sentences; those rows
            go to the same part. The other rows are split seeded and stratified (the FinBERT protocol).
    """
    from sklearn.model_selection import train_test_split

    parts: dict[str, list[int]] = {"train": [], "validation": [], "test": []}
    free = []
    for i, text in enumerate(topics.texts):
        (parts[held_out[text]] if text in held_out else free).append(i)
    if free:
        free_arr = np.asarray(free)
        rest, test = train_test_split(free_arr, test_size=test_size, random_state=seed,
                                      stratify=_stratify(topics.topics[free_arr]))
        train, val = train_test_split(rest, test_size=val_size, random_state=seed,
                                      stratify=_stratify(topics.topics[rest]))
        parts["train"] += train.tolist()
        parts["validation"] += val.tolist()
        parts["test"] += test.tolist()
    return {name: np.asarray(sorted(rows), dtype=np.int64) for name, rows in parts.items()}


def _stratify(labels: np.ndarray) -> np.ndarray | None:
    """Stratify on ``labels`` when every topic present has >= 3 rows (else sklearn cannot)."""
    counts = np.bincount(labels)
    return labels if counts[counts > 0].min() >= 3 else None


def joint_rows(sentiment: LabelledTexts, topics: TopicTexts) -> tuple[LabelledTexts, np.ndarray]:
    """Training rows of both tasks: sentiment rows (with their topic, if the topic file has the
    text) then topic-only rows (sentiment label -1). Returns the rows and their topic ids (-1 = none)."""
    topic_of = dict(zip(topics.texts, topics.topics.tolist(), strict=True))
    own = set(sentiment.texts)
    extra = [i for i, t in enumerate(topics.texts) if t not in own]
    texts = sentiment.texts + [topics.texts[i] for i in extra]
    labels = np.concatenate([sentiment.labels, np.full(len(extra), NO_LABEL, dtype=np.int64)])
    topic_ids = np.asarray([topic_of.get(t, NO_LABEL) for t in sentiment.texts] + [topics.topics[i] for i in extra],
                           dtype=np.int64)
    return LabelledTexts(texts, labels, sentiment.source), topic_ids


class TopicHook(TrainHook):
    """Adds ``weight * CE(topic head, topic)`` over the batch rows that have a topic label."""

    name = "topics"

    def __init__(self, topic_ids: np.ndarray, weight: float) -> None:
        if weight < 0:
            raise ValueError(f"topic loss weight must be >= 0, got {weight}")
        self.topic_ids = torch.as_tensor(topic_ids, dtype=torch.long)
        self.weight = weight

    def loss(self, state: TrainState, batch: Batch, outputs: SentimentOutput, loss: torch.Tensor) -> torch.Tensor:
        if batch.rows is None or outputs.topic_logits is None:
            raise RuntimeError("TopicHook needs batch row indices and a model with a topic head")
        target = self.topic_ids[torch.as_tensor(batch.rows)].to(outputs.topic_logits.device)
        labelled = target >= 0
        if not bool(labelled.any()):
            return loss
        return loss + self.weight * F.cross_entropy(outputs.topic_logits[labelled], target[labelled])


def topic_report(model: SentimentModel, tokenizer: Any, topics: TopicTexts, max_length: int = 64,
                 batch_size: int = 128) -> dict[str, Any]:
    """Accuracy, macro-F1, per-topic P/R/F1 and the confusion matrix of the topic head on ``topics``."""
    if model.topic_head is None:
        raise DataError("this model version has no topic head: train one with `lam train topics`")
    if topics.names != model.topic_labels:
        raise DataError(f"{topics.source}: topics {topics.names} differ from the model's {model.topic_labels}")
    logits = predict_heads(model, tokenizer, topics.texts, batch_size, max_length)["topic_logits"]
    return classification_report(topics.topics, logits.argmax(1), model.topic_labels)


def text_digest(text: str) -> str:
    """Short sha256 of a text: how a version records which sentences it trained on, without the text."""
    return hashlib.sha256(text.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class TopicTask:
    """The topic side of a multi-task run: the ``text,topic`` file and the loss weight lambda."""

    data: str
    weight: float = 0.5
    text_column: str | None = None
    topic_column: str | None = None


@dataclass(frozen=True)
class PreparedTopics:
    """A topic task joined to the sentiment split: training rows of both tasks and held-out parts."""

    rows: LabelledTexts
    topic_ids: np.ndarray
    validation: TopicTexts
    test: TopicTexts
    names: list[str]
    train_rows: int


def prepare_topics(task: TopicTask, data: LabelledTexts, split: Any, sentiment_train: LabelledTexts,
                   seed: int, test_size: float, val_size: float) -> PreparedTopics:
    """Read the topic file and join it to the sentiment rows (see the module docstring)."""
    topics = read_topic_table(Path(task.data), task.text_column, task.topic_column)
    held = {data.texts[i]: "validation" for i in split.validation} | {data.texts[i]: "test" for i in split.test}
    parts = split_topics(topics, held, seed, test_size, val_size)
    train = topics.subset(parts["train"])
    rows, topic_ids = joint_rows(sentiment_train, train)
    return PreparedTopics(rows, topic_ids, topics.subset(parts["validation"]), topics.subset(parts["test"]),
                          topics.names, len(train))


def evaluate_topics(version_id: str, settings: Any, data: Path, text_column: str | None = None,
                    topic_column: str | None = None) -> dict[str, Any]:
    """The topic head of ``version_id`` on ``data``, leaving out rows it trained or validated on.

    Raises:
        DataError: the version has no topic head, or ``data`` holds a topic the head does not know.
    """
    from lam_models.registry.loading import load_version
    from lam_models.registry.store import read_json

    loaded = load_version(settings.registry_root, version_id)
    if loaded.model.topic_head is None:
        raise DataError(f"version {version_id} has no topic head: train one with `lam train topics`")
    topics = read_topic_table(Path(data), text_column, topic_column, names=loaded.model.topic_labels)
    record = read_json(settings.registry_root, version_id, TOPICS_FILE)
    seen = set(record["seen_text_digests"])
    keep = [i for i, t in enumerate(topics.texts) if text_digest(t) not in seen]
    if not keep:
        raise DataError(f"{data}: every row was used to train or validate {version_id}; nothing left to evaluate")
    report = topic_report(loaded.model, loaded.tokenizer, topics.subset(keep), loaded.max_seq_length)
    return {"version_id": version_id, "data": str(data), "excluded_seen": len(topics) - len(keep), **report}


def topics_record(task: TopicTask, prepared: PreparedTopics, sentiment_seen: list[str]) -> dict[str, Any]:
    """``topics.json`` of a version: labels, the task, and digests of every text it trained or validated on."""
    seen = set(sentiment_seen) | set(prepared.rows.texts) | set(prepared.validation.texts)
    return {"labels": prepared.names, "data": task.data, "weight": task.weight, "train_rows": prepared.train_rows,
            "seen_text_digests": sorted(text_digest(t) for t in seen)}


def save_topics_record(folder: Path, record: dict[str, Any]) -> None:
    """Write :func:`topics_record` output into a version folder being built."""
    (Path(folder) / TOPICS_FILE).write_text(json.dumps(record, indent=1))
