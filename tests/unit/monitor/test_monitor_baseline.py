"""Baselines: vectorised EWMA vs a slow per-window reference, causality, shrinkage; univariate ones."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lam_models.monitor.baseline import EwmaMeanVar, RollingMedianMad, ewma_share_baseline
from lam_models.monitor.config import MonitorConfig

CONFIG = MonitorConfig()


def slow_reference(series, window_index, count, negative, config: MonitorConfig) -> dict[str, list[float]]:
    """One window at a time, one series at a time, plain floats: the definition of the baseline."""
    keep, k0, prior = 1 - config.baseline_alpha, config.prior_strength, config.prior_negative_share
    floor2 = config.spread_floor**2
    w0 = 1 / (prior * (1 - prior) / config.min_volume + floor2) ** 2
    state: dict[int, list[float]] = {}
    out: dict[str, list[float]] = {"baseline_share": [], "baseline_spread": [], "baseline_history": []}
    for s, w, n, neg in zip(series, window_index, count, negative):
        sum_n, sum_neg, num, den, last = state.get(int(s), [0.0, 0.0, floor2 * w0, w0, None])
        decay = 0.0 if last is None else keep ** (w - last)
        sum_n, sum_neg = sum_n * decay, sum_neg * decay
        expected = (sum_neg + k0 * prior) / (sum_n + k0)
        t2 = max(num / den, floor2)
        binomial = expected * (1 - expected) / n
        sd = math.sqrt(binomial + t2)
        clipped = neg / n
        if sum_n >= k0:
            clipped = min(max(clipped, expected - config.huber_c * sd), expected + config.huber_c * sd)
        spike_like = (neg / n - expected) / sd >= config.z_threshold
        weight = 0.0 if spike_like else sum_n / (sum_n + k0) / (binomial + t2) ** 2
        state[int(s)] = [sum_n + n, sum_neg + clipped * n, keep * num + weight * ((clipped - expected) ** 2 - binomial),
                         keep * den + weight, w]
        out["baseline_share"].append(expected)
        out["baseline_spread"].append(math.sqrt(t2))
        out["baseline_history"].append(sum_n)
    return out


def random_windows(rng: np.random.Generator, n_series: int, length: int):
    series = np.repeat(np.arange(n_series), rng.integers(1, length, n_series))
    window_index = np.concatenate([np.cumsum(rng.integers(1, 5, (series == s).sum())) for s in range(n_series)])
    count = rng.integers(1, 60, len(series))
    negative = rng.binomial(count, rng.uniform(0.05, 0.9, len(series)))
    return series, window_index, count, negative


def test_vectorised_baseline_matches_the_slow_reference() -> None:
    args = random_windows(np.random.default_rng(7), n_series=25, length=80)
    fast = ewma_share_baseline(*args, CONFIG)
    slow = slow_reference(*args, CONFIG)
    for name in fast:
        np.testing.assert_allclose(fast[name], slow[name], rtol=1e-9, atol=1e-12)


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 10_000), st.integers(1, 40))
def test_baseline_of_a_window_uses_only_earlier_windows(seed: int, cut: int) -> None:
    rng = np.random.default_rng(seed)
    series, window_index, count, negative = random_windows(rng, n_series=3, length=50)
    before = ewma_share_baseline(series, window_index, count, negative, CONFIG)
    changed_negative = negative.copy()
    later = np.arange(len(series)) >= min(cut, len(series) - 1)
    changed_negative[later] = count[later]  # make every later window all-negative
    after = ewma_share_baseline(series, window_index, count, changed_negative, CONFIG)
    first_changed = int(np.argmax(later))
    for name in before:
        # a window's baseline never depends on itself or later windows of any series
        same_series_earlier = np.arange(len(series)) <= first_changed
        np.testing.assert_array_equal(before[name][same_series_earlier], after[name][same_series_earlier])


def test_a_new_or_long_quiet_key_sits_at_the_prior() -> None:
    out = ewma_share_baseline(np.array([0, 0, 1]), np.array([0, 10_000, 5]), np.array([50, 3, 4]),
                              np.array([50, 3, 0]), CONFIG)
    assert out["baseline_share"][0] == pytest.approx(CONFIG.prior_negative_share)
    assert out["baseline_share"][1] == pytest.approx(CONFIG.prior_negative_share)  # history decayed away
    assert out["baseline_share"][2] == pytest.approx(CONFIG.prior_negative_share)
    assert out["baseline_spread"][0] == pytest.approx(CONFIG.spread_floor)


def test_the_baseline_adapts_to_a_key_with_a_different_normal() -> None:
    n = 200
    out = ewma_share_baseline(np.zeros(n, dtype=int), np.arange(n), np.full(n, 20), np.full(n, 12), CONFIG)
    assert out["baseline_share"][-1] == pytest.approx(0.6, abs=0.01)


def test_unsorted_windows_are_rejected_with_a_fix() -> None:
    with pytest.raises(ValueError, match="sort"):
        ewma_share_baseline(np.array([0, 0]), np.array([3, 1]), np.array([1, 1]), np.array([0, 0]), CONFIG)


def test_rolling_median_mad_matches_numpy_on_its_horizon() -> None:
    rng = np.random.default_rng(3)
    values = rng.normal(10, 2, 50)
    baseline = RollingMedianMad(horizon=20)
    for v in values:
        baseline.update(v)
    center, spread = baseline.expected()
    tail = values[-20:]
    assert center == pytest.approx(np.median(tail))
    assert spread >= 1.4826 * np.median(np.abs(tail - np.median(tail))) - 1e-12
    flat = RollingMedianMad(horizon=5)
    for _ in range(5):
        flat.update(3.0)
    assert flat.expected()[1] > 0


def test_ewma_mean_var_tracks_level_and_clips_outliers() -> None:
    baseline = EwmaMeanVar(alpha=0.05, clip=2.0, warmup=20)
    rng = np.random.default_rng(0)
    for v in rng.normal(5, 1, 400):
        baseline.update(v)
    mean, sd = baseline.expected()
    assert mean == pytest.approx(5, abs=0.4) and sd == pytest.approx(1, abs=0.35)
    baseline.update(1e6)
    assert baseline.expected()[0] < 6
