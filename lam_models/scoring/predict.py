"""The Spark UDF's model side: ``make_predict_fn`` loads the model once per Python worker.

``predict_batch_udf`` caches what ``make_predict_fn`` returns per worker, so the transformer is
loaded once and reused for every Arrow batch of that worker. One forward pass gives both the
embedding and, when a sentiment version is in use, the class probabilities; the topic of each
headline comes from the same embedding (nearest centroid of the production topic model, -1 and
probability 0 while there is none).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from lam_models.scoring.encoder import Encoder
from lam_models.sentiment.offline_models import resolve_model_path

if TYPE_CHECKING:
    from lam_models.topics.model import TopicModel

SENTIMENT_COLUMNS = ("p_negative", "p_neutral", "p_positive")
TOPIC_COLUMNS = ("topic_id", "topic_prob")


@dataclass(frozen=True)
class ScoringConfig:
    """Everything a worker needs to rebuild the model: plain values, cheap to ship to executors.

    ``registry_root`` + ``version`` name a fine-tuned sentiment version; without them the base
    encoder gives embeddings only. ``topics_root`` + ``topics_version`` name the topic model.
    """

    model_path: str
    model_version: str
    registry_root: str | None = None
    device: str = "auto"
    max_length: int = 128
    token_budget: int = 8192
    threads: int = 1
    topics_root: str | None = None
    topics_version: str | None = None
    precision: str = "auto"

    @classmethod
    def from_settings(cls, settings, threads: int, version: str | None = None) -> ScoringConfig:
        """The pinned version (argument or ``LAM_MODEL__VERSION``), else production, else the base model."""
        from lam_models.registry.pointers import production_version
        from lam_models.topics.store import current_version

        model = settings.model
        chosen = version or model.version or production_version(settings.registry_root)
        common = dict(device=model.device, max_length=model.max_seq_length, token_budget=model.token_budget,
                      threads=model.cpu_threads or threads, precision=model.precision, topics_root=str(settings.registry_root),
                      topics_version=current_version(settings.registry_root, settings.topic_model.version))
        if chosen is None:
            return cls(model_path=resolve_model_path(model.base_model), model_version=f"base:{model.base_model}", **common)
        return cls(model_path="", model_version=chosen, registry_root=str(settings.registry_root), **common)

    @property
    def has_sentiment(self) -> bool:
        return self.registry_root is not None

    def to_dict(self) -> dict:
        return asdict(self)


def load_encoder(config: ScoringConfig) -> tuple[Encoder, list[str]]:
    """The encoder (with the sentiment head of a registry version, if any) and its label names."""
    if not config.has_sentiment:
        encoder = Encoder(config.model_path, device=config.device, max_length=config.max_length,
                          token_budget=config.token_budget, threads=config.threads, precision=config.precision)
        return encoder, []
    from lam_models.registry.loading import load_version

    loaded = load_version(Path(config.registry_root), config.model_version, device="cpu")  # type: ignore[arg-type]
    encoder = Encoder("", device=config.device, max_length=min(config.max_length, loaded.max_seq_length),
                      token_budget=config.token_budget, threads=config.threads,
                      backbone=loaded.model.encoder, head=loaded.model.head, tokenizer=loaded.tokenizer,
                      precision=config.precision)
    return encoder, list(loaded.labels)


def load_topics(config: ScoringConfig) -> TopicModel | None:
    """The topic model the config names (verified), or None when there is none yet."""
    if config.topics_version is None:
        return None
    from lam_models.topics.store import load_model

    return load_model(Path(config.topics_root), config.topics_version)  # type: ignore[arg-type]


def score_texts(encoder: Encoder, labels: list[str], texts: list[str], topics: TopicModel | None = None) -> dict[str, np.ndarray]:
    """Embedding (n, d); with a head, p_negative / p_neutral / p_positive (n,) float32; and
    topic_id (n,) int32 / topic_prob (n,) float32 from ``topics`` (-1 / 0 without one)."""
    out = encoder.encode(texts)
    result = {"embedding": out.embeddings}
    if topics is None:
        result["topic_id"], result["topic_prob"] = np.full(len(texts), -1, np.int32), np.zeros(len(texts), np.float32)
    else:
        result["topic_id"], result["topic_prob"] = topics.assign(texts, out.embeddings)
    if out.logits is not None:
        shifted = out.logits - out.logits.max(axis=1, keepdims=True)
        probs = np.exp(shifted) / np.exp(shifted).sum(axis=1, keepdims=True)
        for column in SENTIMENT_COLUMNS:
            result[column] = probs[:, labels.index(column.removeprefix("p_"))].astype(np.float32)
    return result


def make_predict_fn(config: ScoringConfig) -> Callable[[], Callable[[np.ndarray], dict[str, np.ndarray]]]:
    """Factory for ``predict_batch_udf``: returns the loader the UDF calls once per worker."""

    def load() -> Callable[[np.ndarray], dict[str, np.ndarray]]:
        encoder, labels = load_encoder(config)
        topics = load_topics(config)

        def predict(texts: np.ndarray) -> dict[str, np.ndarray]:
            return score_texts(encoder, labels, [str(t) for t in texts], topics)

        return predict

    return load
