"""What a topic model version must show to become production (pure): outlier share and coherence.

The nightly fit used to be promoted unconditionally; now its outlier share may rise at most
``gate_max_outlier_increase`` above production's and its mean NPMI coherence (top terms over
the fit headlines) may fall at most ``gate_max_coherence_drop`` below it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from lam_models.registry.gate import Rule, ToleranceGate
from lam_models.topics.config import TopicConfig
from lam_models.topics.evaluate import quality
from lam_models.topics.model import TopicModel

GATE_METRICS = ("outlier_share", "npmi_mean")


def version_metrics(model: TopicModel, texts: Sequence[str]) -> dict[str, Any]:
    """The quality figures saved beside the fit's stats: mean NPMI coherence and topic diversity."""
    figures = quality(model, texts)
    return {"npmi_mean": figures["npmi_mean"], "topic_diversity": figures["topic_diversity"]}


def gate_policy(config: TopicConfig) -> ToleranceGate:
    """Outlier share not above production's beyond its tolerance; coherence not below it beyond its tolerance."""
    return ToleranceGate((Rule("outlier_share", higher_is_better=False, tolerance=config.gate_max_outlier_increase),
                          Rule("npmi_mean", tolerance=config.gate_max_coherence_drop)))


def summary(meta: Mapping[str, Any], metrics: Mapping[str, Any]) -> dict[str, Any]:
    """What ``lam model list --kind topics`` shows for a version."""
    return {"topics": metrics.get("topics"), "rows": metrics.get("rows"), **{name: metrics.get(name) for name in GATE_METRICS}}
