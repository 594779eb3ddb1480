"""Recommender hyperparameters: one frozen, validated, JSON-serialisable dataclass.

Defaults are the measured choices on MovieLens-100k (see ``bench/recsys.py``); the settings
section ``recsys`` mirrors these fields and the saved model version records them.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields, replace
from typing import Any

ITEM_FEATURE_BLOCKS = ("genre", "year", "recency", "text")


@dataclass(frozen=True)
class RecsysConfig:
    """Everything that changes what the hybrid recommender learns or returns.

    LightFM: ``no_components``, ``loss`` (warp | bpr), ``learning_rate``, ``item_alpha``,
    ``user_alpha``, ``max_sampled``, ``rating_weights`` (sample weight = rating / max rating).
    Events (``recsys.events``): a rating keeps its value, an implicit event counts as
    ``view_weight`` / ``click_weight`` / ``purchase_weight`` on the same scale; sample weights
    halve every ``recency_half_life_days`` of age (0 = no decay).
    Early stopping: evaluate validation nDCG@k every ``eval_every`` epochs up to ``max_epochs``;
    stop after ``patience`` evaluations without gain; ``refit`` retrains on all data for the best
    epoch count. Item side: ``lightfm_item_features`` are attribute blocks given to LightFM beside
    the identity feature (``text`` = ``text_codes`` k-means codes of the text embedding);
    ``projector_alpha`` is the ridge penalty of the text -> latent projection used for items
    without interactions (``project_cold_items`` off leaves them at LightFM's feature sum;
    ``projector_text`` off drops the text embedding from its input, an ablation);
    ``neighbour_weight`` blends an item-neighbourhood (EASE, ``neighbour_lambda``) score into
    warm-item scores (0 turns it off). Gate (the nightly step promotes a new version only through
    it): validation nDCG@k at most ``gate_max_ndcg_drop`` below production's, catalogue coverage
    of the top-k lists at least ``gate_min_coverage``.
    """

    no_components: int = 128
    loss: str = "warp"
    learning_rate: float = 0.02
    item_alpha: float = 1e-4
    user_alpha: float = 1e-4
    max_sampled: int = 10
    rating_weights: bool = True
    view_weight: float = 1.0
    click_weight: float = 2.0
    purchase_weight: float = 4.0
    recency_half_life_days: float = 0.0
    max_epochs: int = 80
    eval_every: int = 5
    patience: int = 3
    validation_fraction: float = 0.1
    refit: bool = True
    num_threads: int = 2
    seed: int = 0
    k: int = 10
    lightfm_item_features: tuple[str, ...] = ()
    attribute_weight: float = 0.5
    text_codes: int = 64
    year_bins: int = 15
    recency_bins: int = 15
    projector_alpha: float = 10.0
    project_cold_items: bool = True
    projector_text: bool = True
    neighbour_weight: float = 0.5
    neighbour_lambda: float = 500.0
    neighbour_max_items: int = 5000
    gate_max_ndcg_drop: float = 0.02
    gate_min_coverage: float = 0.05

    def __post_init__(self) -> None:
        if self.loss not in ("warp", "bpr"):
            raise ValueError(f"loss must be 'warp' or 'bpr', got {self.loss!r}")
        unknown = set(self.lightfm_item_features) - set(ITEM_FEATURE_BLOCKS)
        if unknown:
            raise ValueError(f"unknown item feature blocks {sorted(unknown)}: choose from {ITEM_FEATURE_BLOCKS}")
        if not 0.0 <= self.validation_fraction < 0.5:
            raise ValueError("validation_fraction must lie in [0, 0.5): it is the per-user share held out")
        positive = ("no_components", "learning_rate", "max_epochs", "eval_every", "num_threads", "k", "max_sampled")
        for name in positive:
            if getattr(self, name) <= 0:
                raise ValueError(f"{name} must be > 0, got {getattr(self, name)}")
        if self.projector_alpha <= 0:
            raise ValueError(f"projector_alpha must be > 0, got {self.projector_alpha}")
        if self.neighbour_weight < 0 or self.neighbour_lambda <= 0:
            raise ValueError("neighbour_weight must be >= 0 and neighbour_lambda > 0")
        if min(self.view_weight, self.click_weight, self.purchase_weight) <= 0 or self.recency_half_life_days < 0:
            raise ValueError("event weights must be > 0 and recency_half_life_days >= 0 (0 = no decay)")
        if self.gate_max_ndcg_drop < 0 or not 0.0 <= self.gate_min_coverage <= 1.0:
            raise ValueError("gate_max_ndcg_drop must be >= 0 and gate_min_coverage in [0, 1]")

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict (tuples become lists)."""
        return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(self).items()}

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> RecsysConfig:
        """Inverse of :meth:`to_dict`; unknown keys are an error so typos surface."""
        names = {f.name for f in fields(cls)}
        unknown = set(values) - names
        if unknown:
            raise ValueError(f"unknown RecsysConfig fields {sorted(unknown)}")
        clean = {k: tuple(v) if isinstance(v, list) else v for k, v in values.items()}
        return cls(**clean)

    def update(self, **changes: Any) -> RecsysConfig:
        """A copy with ``changes`` applied (validated again)."""
        return replace(self, **changes)
