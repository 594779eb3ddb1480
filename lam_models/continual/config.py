"""ContinualConfig: the knobs of a continual-learning round, drift trigger and gate, in one frozen dataclass."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal


@dataclass(frozen=True)
class ContinualConfig:
    """Every constant of a continual round (mirrored into settings with ``section_of``).

    Attributes:
        new_labels_path: a ``text,label`` CSV/Parquet file of new labels; None = the lake's
            labels table (``<lake_root>/labels/labels.parquet``, one row per text hash, ``continual.labels``).
        label_map: raw label -> negative|neutral|positive for label files and the labels
            topic producer (merged over the built-in aliases such as bearish, bullish).
        replay_size: rows of earlier tasks' training data replayed with the new labels (1024 with
            l2sp_weight 0.1 kept BWT >= -1 pt in bench/results/continual.json; 512 + 0.01 did not).
        replay_strategy: ``balanced`` (equal rows per class where possible) or ``reservoir``.
        seed: seed of the replay sampler and of the mixed training order.
        validate_on_earlier: early stopping also sees earlier tasks' validation rows (so it
            keeps the epoch that forgets least); False = new-task validation only (naive).
        default_budget: budget used when the DAG passes none.
        steps_per_budget: optimiser steps per unit of budget (max_steps = budget * this).
        l2sp_weight: strength of the L2-SP pull toward production's encoder weights; 0 = off.
        min_new_labels: fewest new labelled rows a round trains on (fewer: reject, no training).
        min_improvement_points: accuracy points the candidate must gain over production on the
            new task's test set (0 = must not be worse).
        max_bwt_drop_points: the gate rejects when BWT < -this (accuracy points).
        psi_threshold: PSI above which a label / confidence distribution has drifted.
        embedding_alpha: family-wise significance of the per-dimension KS test on embeddings.
        confidence_bins: quantile bins of the confidence PSI.
        trigger_new_labels: new labels that alone trigger a round.
        drift_reference_rows: silver rows of the production version (its earliest) that are
            the drift reference; drift_min_rows: fewest rows on each side to judge drift.
    """

    new_labels_path: str | None = None
    label_map: dict[str, str] | None = field(default=None, hash=False)
    replay_size: int = 1024
    replay_strategy: Literal["balanced", "reservoir"] = "balanced"
    seed: int = 0
    validate_on_earlier: bool = True
    default_budget: int = 100
    steps_per_budget: float = 1.0
    l2sp_weight: float = 0.1
    min_new_labels: int = 30
    min_improvement_points: float = 0.0
    max_bwt_drop_points: float = 1.0
    psi_threshold: float = 0.2
    embedding_alpha: float = 0.01
    confidence_bins: int = 10
    trigger_new_labels: int = 500
    drift_reference_rows: int = 2000
    drift_min_rows: int = 50

    def __post_init__(self) -> None:
        if self.replay_size < 0:
            raise ValueError(f"replay_size must be >= 0 (0 = no replay), got {self.replay_size}")
        if self.replay_strategy not in ("balanced", "reservoir"):
            raise ValueError(f"replay_strategy must be balanced|reservoir, got {self.replay_strategy!r}")
        if self.default_budget < 1 or self.steps_per_budget <= 0:
            raise ValueError("default_budget must be >= 1 and steps_per_budget > 0")
        if self.l2sp_weight < 0 or self.max_bwt_drop_points < 0:
            raise ValueError("l2sp_weight and max_bwt_drop_points must be >= 0")
        if self.min_new_labels < 1 or self.trigger_new_labels < 1:
            raise ValueError("min_new_labels and trigger_new_labels must be >= 1")
        if self.drift_min_rows < 2 or self.drift_reference_rows < self.drift_min_rows:
            raise ValueError("drift_min_rows must be >= 2 and drift_reference_rows >= drift_min_rows")
        if self.psi_threshold <= 0 or not 0 < self.embedding_alpha < 1 or self.confidence_bins < 2:
            raise ValueError("psi_threshold must be > 0, embedding_alpha in (0, 1), confidence_bins >= 2")

    def max_steps(self, budget: float | None) -> int:
        """Optimiser steps for ``budget`` (None = ``default_budget``)."""
        budget = self.default_budget if budget is None else budget
        if budget <= 0:
            raise ValueError(f"budget must be > 0, got {budget}")
        return max(1, round(float(budget) * self.steps_per_budget))

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
