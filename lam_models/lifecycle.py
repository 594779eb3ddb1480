"""The model kinds of the registry and what each supplies to the one lifecycle: name, gate, list summary.

Every kind stores versions the same way (``registry.store``: immutable folder, sha256 manifest,
no pickle), has a production pointer with history and rollback (``registry.pointers``), and is
promoted by automated steps only through its gate (``registry.gate.promote_if_passing``). This
table is what ``lam model --kind`` and the jobs look kinds up in.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from lam_models.registry.gate import GatePolicy
from lam_models.registry.store import sentiment_summary


@dataclass(frozen=True)
class ModelKind:
    """One kind of model in the registry.

    Attributes:
        name: the registry name (folder under the registry root) and the ``--kind`` value.
        what: one line for help texts.
        gate: builds the kind's gate policy from the settings (its thresholds live in its config section).
        summary: ``(version.json, metrics.json) -> the figures `lam model list` shows``.
    """

    name: str
    what: str
    gate: Callable[[Any], GatePolicy]
    summary: Callable[[Mapping[str, Any], Mapping[str, Any]], dict[str, Any]]


def _sentiment_gate(settings: Any) -> GatePolicy:
    from lam_models.continual.gate import ContinualGate

    cfg = settings.continual
    return ContinualGate(cfg.min_improvement_points, cfg.max_bwt_drop_points)


def _topics_gate(settings: Any) -> GatePolicy:
    from lam_models.topics.lifecycle import gate_policy

    return gate_policy(settings.topic_model)


def _topics_summary(meta: Mapping[str, Any], metrics: Mapping[str, Any]) -> dict[str, Any]:
    from lam_models.topics.lifecycle import summary

    return summary(meta, metrics)


def _recsys_gate(settings: Any) -> GatePolicy:
    from lam_models.recsys.lifecycle import gate_policy

    return gate_policy(settings.recsys)


def _recsys_summary(meta: Mapping[str, Any], metrics: Mapping[str, Any]) -> dict[str, Any]:
    from lam_models.recsys.lifecycle import summary

    return summary(meta, metrics)


KINDS: dict[str, ModelKind] = {kind.name: kind for kind in (
    ModelKind("sentiment", "sentiment classifier (continual candidates gated on new-task gain and BWT)",
              _sentiment_gate, sentiment_summary),
    ModelKind("topics", "topic discovery (gated on outlier share and coherence)", _topics_gate, _topics_summary),
    ModelKind("recsys", "hybrid recommender (gated on validation nDCG and catalogue coverage)", _recsys_gate, _recsys_summary),
)}


def model_kind(name: str) -> ModelKind:
    """The kind called ``name``.

    Raises:
        ValueError: no such kind; the message lists the known ones.
    """
    try:
        return KINDS[name]
    except KeyError:
        raise ValueError(f"unknown model kind {name!r}: choose one of {sorted(KINDS)}") from None
