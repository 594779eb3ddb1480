"""What a recommender version must show to become production, and what identifies its training data (pure).

The gate reads two figures recorded when the version is saved: validation nDCG@k (the early-stopping
split, held out per user) must not fall more than ``gate_max_ndcg_drop`` below production's, and the
catalogue coverage of the top-k lists of every user must reach ``gate_min_coverage`` (a model that
recommends the same few items to everybody is refused).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

import pandas as pd

from lam_models.recsys.config import RecsysConfig
from lam_models.recsys.hybrid import HybridRecommender
from lam_models.recsys.metrics import catalogue_coverage
from lam_models.registry.gate import Rule, ToleranceGate

GATE_METRICS = ("validation_ndcg", "coverage")


def interactions_hash(events: pd.DataFrame) -> str:
    """sha256 of the interactions, independent of row order: the same events give the same hash."""
    columns = sorted(events.columns)
    ordered = events[columns].sort_values(columns, kind="stable").reset_index(drop=True)
    return hashlib.sha256(pd.util.hash_pandas_object(ordered, index=False).to_numpy().tobytes()).hexdigest()


def version_metrics(model: HybridRecommender) -> dict[str, Any]:
    """The figures saved in a version's ``metrics.json``: the gate's, and what the fit reported."""
    curve = model.meta.get("validation_ndcg") or []
    top, _, _ = model.recommend(model.user_ids, model.config.k)
    positions = pd.Index(model.item_ids).get_indexer(top.ravel()).reshape(top.shape)
    return {
        "validation_ndcg": max((float(ndcg) for _, ndcg in curve), default=None),
        "coverage": round(catalogue_coverage(positions, len(model.item_ids)), 5),
        "k": model.config.k, "users": len(model.user_ids), "items": len(model.item_ids),
        "cold_items": int((~model.warm).sum()), "epochs": model.meta.get("epochs"),
        "fit_seconds": model.meta.get("fit_seconds"), "clean": model.meta.get("clean"),
    }  # fmt: skip


def gate_policy(config: RecsysConfig) -> ToleranceGate:
    """nDCG not worse than production beyond the tolerance; coverage above its floor."""
    return ToleranceGate((Rule("validation_ndcg", tolerance=config.gate_max_ndcg_drop),
                          Rule("coverage", floor=config.gate_min_coverage)))


def summary(meta: Mapping[str, Any], metrics: Mapping[str, Any]) -> dict[str, Any]:
    """What ``lam model list --kind recsys`` shows for a version."""
    return {**{name: metrics.get(name) for name in GATE_METRICS}, "users": metrics.get("users"), "items": metrics.get("items")}

