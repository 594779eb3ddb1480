"""Causal baselines: a vectorised per-key EWMA of the negative share, and univariate ones for NAB.

Every baseline value of a window (or record) is computed from strictly earlier windows (records) only.
"""

from __future__ import annotations

from collections import deque

import numpy as np

from lam_models.monitor.config import MonitorConfig

_MAD_TO_SD = 1.4826
_MEAN_ABS_TO_SD = 1.2533
_TINY = 1e-9


def ewma_share_baseline(
    series: np.ndarray,
    window_index: np.ndarray,
    count: np.ndarray,
    negative_count: np.ndarray,
    config: MonitorConfig,
) -> dict[str, np.ndarray]:
    """Expected negative share and between-window spread of every window, from earlier windows only.

    Per series (a key at one window size) the baseline keeps exponentially decayed sums of headlines
    and of negative headlines; each elapsed window, empty or not, multiplies them by
    ``1 - baseline_alpha``. The expected share is shrunk toward ``prior_negative_share`` by
    ``prior_strength`` pseudo-headlines, so a key with little recent volume sits at the prior.
    Once the decayed history holds ``prior_strength`` headlines, a window enters the sums with its
    share clipped to ``expected +- huber_c * sd`` so spikes do not inflate their own baseline. The
    spread is an EWMA of the between-window variance beyond binomial noise, each window weighted by
    its precision ``1 / (binomial + spread^2)^2`` (so one-headline windows barely move it) times
    ``history / (history + prior_strength)`` (so deviations from the prior teach nothing), and
    windows already ``z_threshold`` above the baseline are left out so one spike cannot mask the
    next. The estimate may dip below zero and is floored at ``spread_floor`` when used.

    The loop runs over the rank of a window within its series and is vectorised across series, so its
    cost is (longest series) x (a few numpy calls), not (all windows) x (Python steps).

    Args:
        series: int array (n,), series code of each window; rows sorted by (series, window_index).
        window_index: int64 array (n,), ``floor(window_start / size)``, strictly rising per series.
        count: int array (n,), headlines in the window (> 0).
        negative_count: int array (n,), negative headlines in the window.
        config: supplies the alpha, prior, shrinkage, clip and floor.

    Returns:
        Dict of float64 arrays (n,): ``baseline_share`` (expected negative share),
        ``baseline_spread`` (between-window sd) and ``baseline_history`` (decayed headlines behind it).
    """
    n = len(series)
    out = {name: np.empty(n, dtype=np.float64) for name in ("baseline_share", "baseline_spread", "baseline_history")}
    if n == 0:
        return out
    series = np.asarray(series, dtype=np.int64)
    _check_sorted(series, window_index)
    starts = np.flatnonzero(np.r_[True, series[1:] != series[:-1]])
    rank = np.arange(n) - np.repeat(starts, np.diff(np.r_[starts, n]))
    order = np.argsort(rank, kind="stable")
    bounds = np.searchsorted(rank[order], np.arange(rank.max() + 2))
    n_series = int(series.max()) + 1
    sum_n, sum_neg = np.zeros(n_series), np.zeros(n_series)
    keep, k0, prior = 1.0 - config.baseline_alpha, config.prior_strength, config.prior_negative_share
    floor2 = config.spread_floor**2
    # precision-weighted EWMA of the between-window variance (num / den), floored only when used;
    # it starts as one pseudo-window at min_volume with variance spread_floor^2
    prior_weight = 1.0 / (prior * (1.0 - prior) / config.min_volume + floor2) ** 2
    var_num, var_den = np.full(n_series, floor2 * prior_weight), np.full(n_series, prior_weight)
    last = np.zeros(n_series, dtype=np.int64)
    count_f = np.asarray(count, dtype=np.float64)
    share = np.asarray(negative_count, dtype=np.float64) / count_f
    for j in range(len(bounds) - 1):
        idx = order[bounds[j]:bounds[j + 1]]
        s = series[idx]
        decay = keep ** (window_index[idx] - last[s]) if j else np.zeros(len(idx))
        hist_n, hist_neg = sum_n[s] * decay, sum_neg[s] * decay
        expected = (hist_neg + k0 * prior) / (hist_n + k0)
        t2 = np.maximum(var_num[s] / var_den[s], floor2)
        binomial = expected * (1.0 - expected) / count_f[idx]
        sd = np.sqrt(binomial + t2)
        established = hist_n >= k0  # clip only against a baseline that rests on data, not on the prior
        clipped = np.where(established, np.clip(share[idx], expected - config.huber_c * sd,
                                                expected + config.huber_c * sd), share[idx])
        sum_n[s] = hist_n + count_f[idx]
        sum_neg[s] = hist_neg + clipped * count_f[idx]
        spike_like = (share[idx] - expected) / sd >= config.z_threshold
        weight = np.where(spike_like, 0.0, hist_n / (hist_n + k0) / (binomial + t2) ** 2)
        var_num[s] = keep * var_num[s] + weight * ((clipped - expected) ** 2 - binomial)
        var_den[s] = keep * var_den[s] + weight
        last[s] = window_index[idx]
        out["baseline_share"][idx] = expected
        out["baseline_spread"][idx] = np.sqrt(t2)
        out["baseline_history"][idx] = hist_n
    return out


class RollingMedianMad:
    """Median and robust spread (MAD, floored by mean absolute deviation) of the last ``horizon`` values."""

    def __init__(self, horizon: int) -> None:
        self._values: deque[float] = deque(maxlen=horizon)

    def __len__(self) -> int:
        return len(self._values)

    def expected(self) -> tuple[float, float]:
        """(center, spread) of the values seen so far; spread > 0. Call only when ``len(self) > 0``."""
        values = np.fromiter(self._values, dtype=np.float64, count=len(self._values))
        center = float(np.median(values))
        deviation = np.abs(values - center)
        spread = max(_MAD_TO_SD * float(np.median(deviation)), _MEAN_ABS_TO_SD * float(deviation.mean()))
        return center, max(spread, _TINY * (1.0 + abs(center)))

    def update(self, value: float) -> None:
        """Add one value (the oldest falls out once ``horizon`` are held)."""
        self._values.append(float(value))


class EwmaMeanVar:
    """Exponentially weighted mean and variance; updates are clipped to ``mean +- clip * sd`` once warm."""

    def __init__(self, alpha: float, clip: float, warmup: int) -> None:
        self.alpha, self.clip, self.warmup = alpha, clip, warmup
        self.n = 0
        self.mean = 0.0
        self.var = 0.0

    def __len__(self) -> int:
        return self.n

    def expected(self) -> tuple[float, float]:
        """(mean, sd) of the values seen so far; sd > 0. Call only when ``len(self) > 0``."""
        return self.mean, max(float(np.sqrt(self.var)), _TINY * (1.0 + abs(self.mean)))

    def update(self, value: float) -> None:
        """Fold one value in; during the first ``warmup`` values it is a plain running mean/variance."""
        value = float(value)
        self.n += 1
        if self.n == 1:
            self.mean = value
            return
        weight = max(self.alpha, 1.0 / self.n) if self.n <= self.warmup else self.alpha
        if self.n > self.warmup:
            sd = float(np.sqrt(self.var))
            value = min(max(value, self.mean - self.clip * sd), self.mean + self.clip * sd)
        delta = value - self.mean
        self.mean += weight * delta
        self.var = (1.0 - weight) * (self.var + weight * delta * delta)


def _check_sorted(series: np.ndarray, window_index: np.ndarray) -> None:
    same = series[1:] == series[:-1]
    if np.any(series[1:] < series[:-1]) or np.any(same & (window_index[1:] <= window_index[:-1])):
        raise ValueError("windows must be sorted by (series, window_index) with one row per window; "
                         "sort with frame.sort_values(['series', 'window_index'])")
