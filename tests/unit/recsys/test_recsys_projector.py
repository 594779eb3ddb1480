"""The ridge projector's automatic penalty: the fast leave-one-out error is the refit-without-each-item error."""

from __future__ import annotations

import numpy as np
import pytest

from lam_models.recsys.config import RecsysConfig
from lam_models.recsys.projector import fit_projector, leave_one_out_alpha
from lam_models.recsys.train import fit_hybrid, place_items

ALPHAS = (0.01, 0.3, 3.0, 30.0, 300.0)


def problem(seed: int, n: int = 80, p: int = 12, noise: float = 1.0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    design = rng.normal(size=(n, p))
    targets = design @ rng.normal(size=(p, 3)) * 0.3 + rng.normal(scale=noise, size=(n, 3))
    return design, targets, np.log1p(rng.integers(1, 50, n).astype(float))


def brute_force_errors(design: np.ndarray, targets: np.ndarray, weights: np.ndarray) -> dict[float, float]:
    """Refit without each item, predict it: the weighted squared error the fast formula stands for."""
    w = weights / weights.mean()
    errors = {}
    for alpha in ALPHAS:
        total = 0.0
        for i in range(len(design)):
            keep = np.arange(len(design)) != i
            coef = fit_projector(design[keep], targets[keep], alpha, weights[keep]).astype(np.float64)
            predicted = design[i] @ coef[:-1] + coef[-1]
            total += w[i] * ((targets[i] - predicted) ** 2).sum()
        errors[alpha] = total / len(design)
    return errors


@pytest.mark.parametrize("seed", [0, 1])
def test_fast_leave_one_out_matches_refitting_without_each_item(seed: int) -> None:
    design, targets, weights = problem(seed)
    chosen, fast = leave_one_out_alpha(design, targets, weights, ALPHAS)
    slow = brute_force_errors(design, targets, weights)
    for alpha in ALPHAS:
        assert fast[alpha] == pytest.approx(slow[alpha], rel=0.05), (alpha, fast, slow)
    assert chosen == min(slow, key=slow.__getitem__)


def test_noisier_targets_get_a_larger_penalty() -> None:
    quiet, _ = leave_one_out_alpha(*problem(0, noise=0.05), ALPHAS)
    noisy, _ = leave_one_out_alpha(*problem(0, noise=3.0), ALPHAS)
    assert quiet < noisy


def test_auto_penalty_is_recorded_and_a_fixed_one_is_kept(world: dict, tiny_config: RecsysConfig) -> None:
    model = fit_hybrid(world["events"], world["items"], world["emb"], tiny_config.update(projector_alpha="auto"))
    assert model.meta["projector_alpha"] in (0.3, 1.0, 3.0, 10.0, 30.0, 100.0)
    fixed = place_items(model, world["items"], world["emb"], tiny_config.update(projector_alpha=2.5))
    assert fixed.meta["projector_alpha"] == 2.5
    with pytest.raises(ValueError, match="projector_alpha"):
        RecsysConfig(projector_alpha=0.0)
