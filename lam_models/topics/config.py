"""Tuned constants of topic discovery and assignment in one frozen, validated, serialisable dataclass."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any, Literal

OUTLIER = -1
"""Topic id of headlines that belong to no topic: empty, very short, non-English, or far from every topic."""

MODEL_NAME = "topics"
"""Registry name of topic model versions (beside ``sentiment``)."""


@dataclass(frozen=True)
class TopicConfig:
    """How topics are found, described, matched across runs and assigned to new headlines.

    Attributes:
        reduce_dims: PCA components the 384-d embeddings are reduced to before clustering.
        clusterer: ``hdbscan`` (density; finds the number of topics) or ``kmeans`` (``n_topics`` topics).
        min_cluster_size: HDBSCAN: fewest headlines in a topic.
        min_samples: HDBSCAN: neighbourhood size of a core point (higher = more conservative).
        n_topics: k-means: number of topics.
        max_fit_rows: most recent headlines a fit uses (the rest is older history).
        assign_threshold: smallest cosine similarity to the nearest centroid for a headline to get
            that topic at scoring time (and for HDBSCAN's noise points to be pulled into one); below
            it the headline is an outlier (-1).
        match_threshold: smallest centroid cosine similarity for a cluster of a new run to take the
            id of a topic of the previous model (Hungarian matching); unmatched clusters get new ids.
        centroid_update: weight of this run's cluster centroid in a matched topic's new centroid
            (1 = replace it, 0 = keep the old one): below 1 a topic drifts slowly and keeps its headlines.
        keep_unmatched: keep an old topic no cluster of this run matched while it still holds
            ``min_cluster_size`` of the fit headlines (else it retires).
        temperature: softmax temperature over centroid similarities that gives ``topic_prob``.
        top_terms: c-TF-IDF terms kept per topic.
        representatives: headlines kept per topic (closest to its centroid).
        min_words: fewest word tokens for a headline to get a topic.
        min_latin_share: smallest share of ASCII letters among a headline's letters (non-English
            scripts fall below it).
        seed: random state of PCA / k-means.
        version: pinned topic model version for scoring; None = the production one.
        gate_max_outlier_increase: the nightly fit becomes production only when its outlier share
            is at most this much above production's ...
        gate_max_coherence_drop: ... and its mean NPMI coherence at most this much below.
    """

    reduce_dims: int = 32
    clusterer: Literal["hdbscan", "kmeans"] = "hdbscan"
    min_cluster_size: int = 15
    min_samples: int = 5
    n_topics: int = 60
    max_fit_rows: int = 50_000
    assign_threshold: float = 0.4
    match_threshold: float = 0.8
    centroid_update: float = 0.2
    keep_unmatched: bool = True
    temperature: float = 0.05
    top_terms: int = 10
    representatives: int = 3
    min_words: int = 3
    min_latin_share: float = 0.8
    seed: int = 0
    version: str | None = None
    gate_max_outlier_increase: float = 0.05
    gate_max_coherence_drop: float = 0.05

    def __post_init__(self) -> None:
        problems = []
        if self.reduce_dims < 2:
            problems.append("reduce_dims must be >= 2")
        if self.min_cluster_size < 2 or self.min_samples < 1:
            problems.append("min_cluster_size must be >= 2 and min_samples >= 1")
        if self.n_topics < 1 or self.max_fit_rows < 1:
            problems.append("n_topics and max_fit_rows must be >= 1")
        for name in ("assign_threshold", "match_threshold"):
            if not -1.0 <= getattr(self, name) <= 1.0:
                problems.append(f"{name} is a cosine similarity: use a value in [-1, 1]")
        if not 0.0 <= self.centroid_update <= 1.0:
            problems.append("centroid_update is a weight: use a value in [0, 1]")
        if self.temperature <= 0:
            problems.append("temperature must be > 0")
        if self.top_terms < 1 or self.representatives < 1 or self.min_words < 0:
            problems.append("top_terms and representatives must be >= 1, min_words >= 0")
        if not 0.0 <= self.min_latin_share <= 1.0:
            problems.append("min_latin_share is a share: use a value in [0, 1]")
        if self.gate_max_outlier_increase < 0 or self.gate_max_coherence_drop < 0:
            problems.append("gate tolerances must be >= 0")
        if problems:
            raise ValueError("invalid TopicConfig: " + "; ".join(problems))

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> TopicConfig:
        """Build from a saved dict, ignoring keys this version does not know."""
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in values.items() if k in known})
