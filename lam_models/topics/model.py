"""The topic model: fit on headlines + their embeddings, keep ids stable across fits, assign new headlines.

A fit clusters the embeddings (``cluster``), takes the centroid of each cluster, gives the clusters
the ids of the previous model's topics they match (``matching``), then assigns every fit headline
by the same rule scoring uses (nearest centroid, if similar enough and the text is topicable), and
describes each topic from those members: c-TF-IDF terms and the headlines closest to its centroid.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd

from lam_models.topics.cluster import centroids, cluster_labels, nearest, representatives
from lam_models.topics.config import OUTLIER, TopicConfig
from lam_models.topics.ctfidf import topic_terms
from lam_models.topics.matching import assign_ids
from lam_models.topics.text import topicable_mask

HISTORY = 365
"""Fits kept in a model's id history (one entry per nightly refit)."""


@dataclass
class TopicModel:
    """Topics with stable ids: what the registry stores and the scoring UDF applies.

    Attributes:
        topic_ids: (k,) int64 ids of the active topics.
        centroids: (k, d) float32 unit-norm centroids, rows aligned with ``topic_ids``.
        sizes: (k,) int64 fit headlines assigned to each topic.
        terms: per topic, its top c-TF-IDF terms.
        examples: per topic, representative headlines (closest to the centroid first).
        next_id: the smallest id never used (ids are not reused after a topic retires).
        config: the settings of the fit.
        embedding_version: the scoring model version whose embeddings were clustered.
        history: one entry per fit: time, matched ids with their similarity, new and retired ids.
        stats: figures of the last fit (rows, outlier share, topics...).
    """

    topic_ids: np.ndarray
    centroids: np.ndarray
    sizes: np.ndarray
    terms: list[list[str]]
    examples: list[list[str]]
    next_id: int
    config: TopicConfig
    embedding_version: str = ""
    history: list[dict[str, Any]] = field(default_factory=list)
    stats: dict[str, Any] = field(default_factory=dict)

    @property
    def n_topics(self) -> int:
        return len(self.topic_ids)

    def assign(self, texts: Sequence[object], embeddings: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Topic of each headline and its probability (softmax over centroid similarities).

        Args:
            texts: (n,) headlines (any value; non-strings are outliers).
            embeddings: (n, d) float32 unit-norm vectors from the same encoder.
        Returns:
            (n,) int32 topic ids (-1 = outlier) and (n,) float32 probabilities (0 for outliers).
        """
        return assign_topics(self, texts, embeddings)

    def table(self) -> pd.DataFrame:
        """One row per topic, largest first: ``topic_id``, ``size``, ``terms``, ``examples``."""
        frame = pd.DataFrame({"topic_id": self.topic_ids.astype(np.int64), "size": self.sizes.astype(np.int64),
                              "terms": [", ".join(t) for t in self.terms], "examples": [" | ".join(e) for e in self.examples]})
        return frame.sort_values(["size", "topic_id"], ascending=[False, True], ignore_index=True)


def empty_model(config: TopicConfig, dims: int = 384) -> TopicModel:
    """A model with no topics: every headline is an outlier."""
    return TopicModel(np.zeros(0, dtype=np.int64), np.zeros((0, dims), dtype=np.float32), np.zeros(0, dtype=np.int64),
                      [], [], 0, config)


def assign_topics(model: TopicModel, texts: Sequence[object], embeddings: np.ndarray,
                  usable: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """See ``TopicModel.assign``; ``usable`` is ``topicable_mask(texts)`` when the caller has it already."""
    n = len(texts)
    ids, probs = np.full(n, OUTLIER, dtype=np.int32), np.zeros(n, dtype=np.float32)
    if n == 0 or model.n_topics == 0:
        return ids, probs
    cfg = model.config
    rows, sims, soft = nearest(np.asarray(embeddings, dtype=np.float32), model.centroids, cfg.temperature)
    if usable is None:
        usable = topicable_mask(texts, cfg.min_words, cfg.min_latin_share)
    keep = (sims >= cfg.assign_threshold) & usable
    ids[keep] = model.topic_ids[rows[keep]]
    probs[keep] = soft[keep]
    return ids, probs


def fit(texts: Sequence[str], embeddings: np.ndarray, config: TopicConfig, previous: TopicModel | None = None,
        embedding_version: str = "") -> tuple[TopicModel, np.ndarray]:
    """Discover topics and give them ids stable with respect to ``previous``.

    Args:
        texts: (n,) headlines, in a deterministic order (a rerun must see the same order).
        embeddings: (n, d) float32 unit-norm vectors of ``texts``.
        config: clustering, assignment and description settings.
        previous: the model whose ids are kept where clusters match; None = ids from 0.
        embedding_version: recorded in the model (the encoder version of ``embeddings``).
    Returns:
        The model and the (n,) int32 topic id it assigns to each fit headline.

    Raises:
        ValueError: texts and embeddings differ in length, or embeddings are not 2-d.
    """
    embeddings = np.asarray(embeddings, dtype=np.float32)
    if embeddings.ndim != 2 or len(embeddings) != len(texts):
        raise ValueError(f"need one embedding row per text: got {len(texts)} texts and embeddings of shape {embeddings.shape}")
    texts = ["" if t is None else str(t) for t in texts]
    usable = topicable_mask(texts, config.min_words, config.min_latin_share)
    labels = np.full(len(texts), OUTLIER, dtype=np.int64)
    labels[usable] = cluster_labels(embeddings[usable], config)
    clusters = np.unique(labels[labels >= 0])
    centres = centroids(embeddings, labels, clusters)
    before = previous or empty_model(config, embeddings.shape[1])
    if before.centroids.shape[1] != embeddings.shape[1]:  # another encoder: nothing to match, ids still never reused
        before = TopicModel(before.topic_ids[:0], np.zeros((0, embeddings.shape[1]), np.float32), before.sizes[:0], [], [],
                            before.next_id, config, before.embedding_version, before.history)
    mapping = assign_ids(centres, before.topic_ids, before.centroids, before.next_id, config.match_threshold)
    ids, centres, carried = _carry_over(before, mapping, centres, config)
    model = TopicModel(ids, centres, np.zeros(len(ids), dtype=np.int64), [], [], mapping.next_id, config,
                       embedding_version, list(before.history)[-(HISTORY - 1):])
    assigned, _ = assign_topics(model, texts, embeddings, usable)
    if carried:  # an unmatched old topic stays only while it still holds a cluster's worth of headlines
        alive = np.array([i not in carried or (assigned == i).sum() >= config.min_cluster_size for i in ids])
        model.topic_ids, model.centroids = ids[alive], centres[alive]
        carried = [i for i in carried if i in set(model.topic_ids.tolist())]
        assigned, _ = assign_topics(model, texts, embeddings, usable)
    retired = sorted(set(mapping.retired) - set(carried))
    _describe(model, texts, embeddings, assigned)
    model.history.append({
        "fit_at": datetime.now(UTC).isoformat(timespec="seconds"), "rows": len(texts),
        "matched": {str(i): round(float(s), 4) for i, s in zip(mapping.ids, mapping.similarity, strict=True) if np.isfinite(s)},
        "new": mapping.new, "carried": carried, "retired": retired})
    model.stats = {"rows": len(texts), "topics": model.n_topics, "outlier_share": float((assigned == OUTLIER).mean()) if len(texts) else 0.0,
                   "hdbscan_noise_share": float((labels == OUTLIER).mean()) if len(texts) else 0.0,
                   "new_topics": len(mapping.new), "carried_topics": len(carried), "retired_topics": len(retired)}
    return model, assigned


def _carry_over(before: TopicModel, mapping, centres: np.ndarray, config: TopicConfig) -> tuple[np.ndarray, np.ndarray, list[int]]:
    """Matched topics move their centroid ``centroid_update`` of the way to the new cluster's;
    unmatched old topics are kept as candidates (``carried``) when ``keep_unmatched``."""
    ids, centres = mapping.ids.copy(), centres.copy()
    old_row = {int(i): r for r, i in enumerate(before.topic_ids)}
    for row, topic in enumerate(ids):
        if int(topic) in old_row:
            blend = (1 - config.centroid_update) * before.centroids[old_row[int(topic)]] + config.centroid_update * centres[row]
            centres[row] = blend / max(float(np.linalg.norm(blend)), 1e-12)
    carried = list(mapping.retired) if config.keep_unmatched else []
    if carried:
        ids = np.concatenate([ids, np.array(carried, dtype=np.int64)])
        centres = np.vstack([centres, before.centroids[[old_row[i] for i in carried]]]).astype(np.float32)
    return ids, centres, carried


def _describe(model: TopicModel, texts: list[str], embeddings: np.ndarray, assigned: np.ndarray) -> None:
    """Sizes, c-TF-IDF terms and representative headlines of each topic, from its assigned members."""
    ids = model.topic_ids
    model.sizes = np.array([(assigned == i).sum() for i in ids], dtype=np.int64)
    model.terms = topic_terms(texts, assigned, ids, model.config.top_terms) if len(ids) else []
    model.examples = representatives(embeddings, texts, assigned, ids, model.centroids, model.config.representatives)
