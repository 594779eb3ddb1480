"""The frozen text projection: a weighted ridge regression from item text + attributes to LightFM's item space.

Fitted on warm items (their design row, ``features.ItemFeaturizer.design``, to their LightFM
[vector, bias]); it places items without interactions, alone or as the base of the
behaviour-trained ``text_tower.TextTower``. ``train.place_items`` applies both.
"""

from __future__ import annotations

import numpy as np


def fit_projector(design: np.ndarray, targets: np.ndarray, alpha: float, weights: np.ndarray) -> np.ndarray:
    """Weighted ridge regression (intercept unpenalised) from item design rows to [vector, bias].

    Items with few interactions have noisy latent vectors, so each row is weighted by
    ``weights`` (log1p of its interaction count: +0.004 cold AUC over equal weights on ML-100k).

    Args:
        design: float (n_warm, p); targets: float (n_warm, c + 1); weights: float (n_warm,) > 0.

    Returns:
        float32 (p + 1, c + 1): coefficients, then the intercept row.
    """
    w = (weights / weights.mean()).astype(np.float64)[:, None]
    x_mean = (w * design).sum(0) / w.sum()
    y_mean = (w * targets).sum(0) / w.sum()
    xc, yc = design - x_mean, targets - y_mean
    gram = (xc * w).T @ xc + alpha * np.eye(design.shape[1])
    coef = np.linalg.solve(gram, (xc * w).T @ yc)
    return np.vstack([coef, y_mean - x_mean @ coef]).astype(np.float32)


PROJECTOR_ALPHAS = (0.3, 1.0, 3.0, 10.0, 30.0, 100.0)
"""Ridge penalties ``projector_alpha: auto`` chooses from."""


def leave_one_out_alpha(design: np.ndarray, targets: np.ndarray, weights: np.ndarray,
                        alphas: tuple[float, ...] = PROJECTOR_ALPHAS) -> tuple[float, dict[float, float]]:
    """The penalty of ``fit_projector`` whose weighted leave-one-out error on the warm items is least.

    Exact for each candidate from one SVD of the weighted, centred design (residual / (1 - leverage)), so the
    choice follows the encoder and the catalogue: a 768-d embedding wants a different penalty than a 384-d one.

    Returns:
        (chosen penalty, {penalty: mean weighted squared leave-one-out error}).
    """
    w = (weights / weights.mean()).astype(np.float64)
    x_mean = (w[:, None] * design).sum(0) / w.sum()
    y_mean = (w[:, None] * targets).sum(0) / w.sum()
    root = np.sqrt(w)[:, None]
    u, singular, _ = np.linalg.svd(root * (design - x_mean), full_matrices=False)
    y = root * (targets - y_mean)
    projected = u.T @ y
    errors = {}
    for alpha in alphas:
        shrink = singular**2 / (singular**2 + alpha)
        leverage = (u**2) @ shrink
        residual = (y - u @ (shrink[:, None] * projected)) / (1.0 - leverage)[:, None]
        errors[float(alpha)] = float((residual**2).sum(1).mean())
    return min(errors, key=errors.__getitem__), errors
