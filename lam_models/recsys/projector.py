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
