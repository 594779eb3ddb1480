"""ContinualConfig: the knobs of a continual-learning round, drift trigger and gate, in one frozen pydantic model."""

from __future__ import annotations

from typing import Literal, Self

from pydantic import Field, model_validator

from lam_models.config_model import FrozenConfig


class ContinualConfig(FrozenConfig):
    """Every constant of a continual round (``Settings.continual``)."""

    new_labels_path: str | None = Field(None, description="a ``text,label`` CSV/Parquet file of new labels; None = the lake's labels table (``<lake_root>/labels/labels.parquet``, one row per text hash, ``continual.labels``).")
    label_map: dict[str, str] | None = Field(None, description="raw label -> negative|neutral|positive for label files and the labels topic producer (merged over the built-in aliases such as bearish, bullish).")
    replay_size: int = Field(1024, description="rows of earlier tasks' training data replayed with the new labels (bench/results/continual.json, 3 seeds: 1024 with l2sp_weight 0.1 sized by the data, mean BWT +0.66 pt; 512 + 0.01, -0.44 pt).")
    replay_strategy: Literal["balanced", "reservoir"] = Field("balanced", description="``balanced`` (equal rows per class where possible) or ``reservoir``.")
    seed: int = Field(0, description="seed of the replay sampler and of the mixed training order.")
    validate_on_earlier: bool = Field(True, description="early stopping also sees earlier tasks' validation rows (so it keeps the epoch that forgets least); False = new-task validation only (naive).")
    default_budget: int | None = Field(None, description="budget when the DAG or CLI passes none; None = by data size: the production recipe's epochs over the round's training rows (new + replay), early stopping on validation keeps the best step.")
    steps_per_budget: float = Field(1.0, description="optimiser steps per unit of budget (max_steps = budget * this).")
    l2sp_weight: float = Field(0.1, description="strength of the L2-SP pull toward production's encoder weights; 0 = off.")
    min_new_labels: int = Field(30, description="fewest new labelled rows a round trains on (fewer: reject, no training).")
    min_improvement_points: float = Field(0.0, description="accuracy points the candidate must gain over production on the new task's test set (0 = must not be worse).")
    max_bwt_drop_points: float = Field(1.0, description="the gate rejects when BWT < -this (accuracy points).")
    psi_threshold: float = Field(0.2, description="PSI above which a label / confidence distribution has drifted.")
    embedding_alpha: float = Field(0.01, description="family-wise significance of the per-dimension KS test on embeddings.")
    confidence_bins: int = Field(10, description="quantile bins of the confidence PSI.")
    trigger_new_labels: int = Field(500, description="new labels that alone trigger a round.")
    drift_reference_rows: int = Field(2000, description="silver rows of the production version (its earliest) that are the drift reference.")
    drift_min_rows: int = Field(50, description="fewest rows on each side to judge drift.")

    @model_validator(mode="after")
    def _check(self) -> Self:
        if self.replay_size < 0:
            raise ValueError(f"replay_size must be >= 0 (0 = no replay), got {self.replay_size}")
        if (self.default_budget is not None and self.default_budget < 1) or self.steps_per_budget <= 0:
            raise ValueError("default_budget must be None or >= 1 and steps_per_budget > 0")
        if self.l2sp_weight < 0 or self.max_bwt_drop_points < 0:
            raise ValueError("l2sp_weight and max_bwt_drop_points must be >= 0")
        if self.min_new_labels < 1 or self.trigger_new_labels < 1:
            raise ValueError("min_new_labels and trigger_new_labels must be >= 1")
        if self.drift_min_rows < 2 or self.drift_reference_rows < self.drift_min_rows:
            raise ValueError("drift_min_rows must be >= 2 and drift_reference_rows >= drift_min_rows")
        if self.psi_threshold <= 0 or not 0 < self.embedding_alpha < 1 or self.confidence_bins < 2:
            raise ValueError("psi_threshold must be > 0, embedding_alpha in (0, 1), confidence_bins >= 2")
        return self

    def max_steps(self, budget: float | None, epochs_steps: int) -> int:
        """Optimiser steps for ``budget`` (None = ``default_budget``; both None = ``epochs_steps``, the recipe's epochs
        over this round's rows: a fixed step cap trained a 5,000-row source for a fraction of one epoch)."""
        budget = self.default_budget if budget is None else budget
        if budget is None:
            return max(1, epochs_steps)
        if budget <= 0:
            raise ValueError(f"budget must be > 0, got {budget}")
        return max(1, round(float(budget) * self.steps_per_budget))

