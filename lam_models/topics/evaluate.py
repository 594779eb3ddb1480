"""How well discovered topics agree with a labelled taxonomy, and how coherent they are (pure)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from lam_models.topics.metrics import adjusted_mutual_info, npmi_coherence, outlier_share, topic_diversity
from lam_models.topics.model import TopicModel
from lam_models.topics.text import token_lists


def agreement(labels_true: Sequence[object], topic_ids: np.ndarray) -> dict[str, Any]:
    """AMI of discovered topic ids against given labels, with outliers as one cluster and left out.

    Args:
        labels_true: (n,) reference topic names; topic_ids: (n,) int discovered ids (-1 = outlier).
    """
    ids = np.asarray(topic_ids)
    return {"rows": int(len(ids)), "ami": adjusted_mutual_info(labels_true, ids),
            "ami_without_outliers": adjusted_mutual_info(labels_true, ids, ignore_outliers=True),
            "outlier_share": outlier_share(ids), "topics_used": int(len(set(ids[ids >= 0].tolist())))}


def quality(model: TopicModel, texts: Sequence[str]) -> dict[str, Any]:
    """NPMI coherence of each topic's top terms over ``texts`` (mean, median), and topic diversity."""
    coherence = npmi_coherence(model.terms, token_lists(texts)) if model.n_topics else np.array([])
    finite = coherence[np.isfinite(coherence)]
    return {"topics": model.n_topics, "npmi_mean": float(finite.mean()) if len(finite) else float("nan"),
            "npmi_median": float(np.median(finite)) if len(finite) else float("nan"),
            "topic_diversity": topic_diversity(model.terms),
            "npmi_per_topic": {int(i): round(float(c), 4) for i, c in zip(model.topic_ids, coherence, strict=True)}}
