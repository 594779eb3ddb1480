"""Per-record detector contract: range checked by the base, constant baseline, causal robust z."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lam_models.monitor.config import MonitorConfig
from lam_models.monitor.detector import AnomalyDetector, MonitorDetector, NullDetector, make_detector

TIMES = pd.date_range("2024-01-01", periods=600, freq="5min")


def noisy_series(seed: int = 0, n: int = 600) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return 10 + np.sin(np.arange(n) / 20) + rng.normal(0, 0.3, n)


class _Broken(AnomalyDetector):
    name = "broken"

    def handle_record(self, timestamp, value):
        return 1.5


def test_the_base_rejects_scores_outside_the_unit_interval() -> None:
    with pytest.raises(ValueError, match="broken.*in \\[0, 1\\]"):
        _Broken().run(TIMES[:3], [1.0, 2.0, 3.0])


def test_null_detector_is_constant() -> None:
    assert set(NullDetector().run(TIMES[:50], noisy_series()[:50])) == {0.5}


@pytest.mark.parametrize("method", ["median_mad", "ewma"])
def test_a_spike_scores_far_above_normal_records(method: str) -> None:
    values = noisy_series()
    values[400] += 6
    scores = MonitorDetector(MonitorConfig(nab_method=method)).run(TIMES, values)
    assert scores[400] > 0.6  # z well past z_threshold (score 0.5)
    assert scores[400] > np.quantile(np.delete(scores, 400), 0.99)
    assert np.all(scores[:MonitorConfig().nab_min_history] == 0)


def test_two_spikes_both_stand_out() -> None:
    values = noisy_series(1)
    values[[300, 450]] -= 5
    scores = make_detector("monitor").run(TIMES, values)
    others = np.delete(scores, [300, 450])
    assert min(scores[300], scores[450]) > others.max()


def test_one_sided_scoring_ignores_drops() -> None:
    values = noisy_series(2)
    values[400] -= 6
    scores = MonitorDetector(MonitorConfig(nab_two_sided=False)).run(TIMES, values)
    assert scores[400] == 0.0


@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=1, max_size=80), st.integers(1, 79))
def test_scores_are_in_range_and_causal_for_any_series(values, cut) -> None:
    config = MonitorConfig(nab_min_history=5)
    times = pd.date_range("2024-01-01", periods=len(values), freq="min")
    full = MonitorDetector(config).run(times, values)
    assert np.all((full >= 0) & (full <= 1))
    cut = min(cut, len(values))
    prefix = MonitorDetector(config).run(times[:cut], values[:cut])
    np.testing.assert_array_equal(full[:cut], prefix)


def test_unknown_detector_names_list_the_known_ones() -> None:
    with pytest.raises(ValueError, match="monitor.*null|null.*monitor"):
        make_detector("htm")
