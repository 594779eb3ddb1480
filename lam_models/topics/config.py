"""Tuned constants of topic discovery and assignment in one frozen, validated, serialisable pydantic model."""

from __future__ import annotations

from typing import Literal, Self

from pydantic import Field, model_validator

from lam_models.config_model import FrozenConfig

OUTLIER = -1
"""Topic id of headlines that belong to no topic: empty, very short, non-English, or far from every topic."""

MODEL_NAME = "topics"
"""Registry name of topic model versions (beside ``sentiment``)."""


class TopicConfig(FrozenConfig):
    """How topics are found, described, matched across runs and assigned to new headlines."""

    reduce_dims: int = Field(32, description="PCA components the 384-d embeddings are reduced to before clustering.")
    clusterer: Literal["hdbscan", "kmeans"] = Field("hdbscan", description="``hdbscan`` (density; finds the number of topics) or ``kmeans`` (``n_topics`` topics).")
    min_cluster_size: int = Field(15, description="HDBSCAN: fewest headlines in a topic.")
    min_samples: int = Field(5, description="HDBSCAN: neighbourhood size of a core point (higher = more conservative).")
    n_topics: int = Field(60, description="k-means: number of topics.")
    max_fit_rows: int = Field(50_000, description="most recent headlines a fit uses (the rest is older history).")
    assign_threshold: float = Field(0.4, description="smallest cosine similarity to the nearest centroid for a headline to get that topic at scoring time (and for HDBSCAN's noise points to be pulled into one); below it the headline is an outlier (-1).")
    match_threshold: float = Field(0.8, description="smallest centroid cosine similarity for a cluster of a new run to take the id of a topic of the previous model (Hungarian matching); unmatched clusters get new ids.")
    centroid_update: float = Field(0.2, description="weight of this run's cluster centroid in a matched topic's new centroid (1 = replace it, 0 = keep the old one): below 1 a topic drifts slowly and keeps its headlines.")
    keep_unmatched: bool = Field(True, description="keep an old topic no cluster of this run matched while it still holds ``min_cluster_size`` of the fit headlines (else it retires).")
    temperature: float = Field(0.05, description="softmax temperature over centroid similarities that gives ``topic_prob``.")
    top_terms: int = Field(10, description="c-TF-IDF terms kept per topic.")
    representatives: int = Field(3, description="headlines kept per topic (closest to its centroid).")
    min_words: int = Field(3, description="fewest word tokens for a headline to get a topic.")
    min_latin_share: float = Field(0.8, description="smallest share of ASCII letters among a headline's letters (non-English scripts fall below it).")
    seed: int = Field(0, description="random state of PCA / k-means.")
    version: str | None = Field(None, description="pinned topic model version for scoring; None = the production one.")
    gate_max_outlier_increase: float = Field(0.05, description="the nightly fit becomes production only when its outlier share is at most this much above production's ...")
    gate_max_coherence_drop: float = Field(0.05, description="... and its mean NPMI coherence at most this much below.")

    @model_validator(mode="after")
    def _check(self) -> Self:
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
        return self
