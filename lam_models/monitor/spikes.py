"""Spike rule (pure, vectorised): a window fires when its move, its significance and its volume all suffice."""

from __future__ import annotations

import numpy as np

from lam_models.monitor.config import MonitorConfig

SEVERITIES = ("low", "medium", "high")


def spike_figures(
    count: np.ndarray,
    negative_count: np.ndarray,
    baseline_share: np.ndarray,
    baseline_spread: np.ndarray,
    config: MonitorConfig,
) -> dict[str, np.ndarray]:
    """Move, z and the spike flag of each window against its baseline.

    * move: rise of the shrunk share ``(neg + k0 * p0) / (n + k0)`` over ``p0``; a window of n
      headlines moves it by at most ``n / (n + prior_strength)``, so a handful never suffices.
    * z: ``(neg / n - p0) / sqrt(p0 (1 - p0) / n + spread^2)``, binomial noise plus between-window spread.
    * spike: ``n >= min_volume`` and ``move >= min_move`` and ``z >= z_threshold``.

    Args:
        count: int array (n,), headlines per window (> 0).
        negative_count: int array (n,), negative headlines per window.
        baseline_share: float array (n,), expected negative share in (0, 1).
        baseline_spread: float array (n,), between-window sd (> 0).
        config: thresholds and shrinkage strength.

    Returns:
        Dict of arrays (n,): ``shrunk_share``, ``move``, ``z`` (float64) and ``spike`` (bool).
    """
    n = np.asarray(count, dtype=np.float64)
    neg = np.asarray(negative_count, dtype=np.float64)
    p0 = np.asarray(baseline_share, dtype=np.float64)
    k0 = config.prior_strength
    shrunk = (neg + k0 * p0) / (n + k0)
    move = shrunk - p0
    sd = np.sqrt(p0 * (1.0 - p0) / n + np.asarray(baseline_spread, dtype=np.float64) ** 2)
    z = (neg / n - p0) / sd
    spike = (n >= config.min_volume) & (move >= config.min_move) & (z >= config.z_threshold)
    return {"shrunk_share": shrunk, "move": move, "z": z, "spike": spike}


def severity(z: np.ndarray, config: MonitorConfig) -> np.ndarray:
    """``low`` / ``medium`` / ``high`` by z against ``config.severity_z`` (object array, same shape as z)."""
    medium, high = config.severity_z
    level = (np.asarray(z) >= medium).astype(np.int64) + (np.asarray(z) >= high).astype(np.int64)
    return np.asarray(SEVERITIES, dtype=object)[level]
