"""The detector contract and the engine's detectors: checked range, causality on prefixes, many series at once,
and the bad input the issue names (gaps, repeated times, NaN, constant series, fewer rows than the warm-up)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lam_models.monitor.config import MonitorConfig
from lam_models.monitor.detector import AnomalyDetector, NullDetector, WindowedGaussianDetector
from lam_models.monitor.engine import DETECTORS, make_detector, episode_onsets

TIMES = pd.date_range("2024-01-01", periods=2000, freq="5min")


def noisy_series(seed: int = 0, n: int = 2000) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return 10 + np.sin(np.arange(n) / 20) + rng.normal(0, 0.3, n)


class _Broken(AnomalyDetector):
    name = "broken"

    def series_figures(self, series, times, values, volumes):
        return {"score": np.full(len(values), 1.5)}


def test_the_base_rejects_scores_outside_the_unit_interval() -> None:
    with pytest.raises(ValueError, match="broken.*outside \\[0, 1\\]"):
        _Broken().score(TIMES[:3], [1.0, 2.0, 3.0])


def test_rows_of_a_series_must_be_contiguous() -> None:
    with pytest.raises(ValueError, match="contiguous"):
        NullDetector().score(TIMES[:3], [1.0, 2.0, 3.0], series=[1, 0, 1])


def test_null_detector_is_constant() -> None:
    assert set(NullDetector().score(TIMES[:50], noisy_series()[:50])) == {0.5}


@pytest.mark.parametrize("name", ["monitor", "windowedGaussian"])
def test_a_spike_scores_far_above_normal_records(name: str) -> None:
    values = noisy_series()
    values[1500] += 6
    scores = make_detector(name, two_sided=True).score(TIMES, values)
    assert scores[1500] > np.quantile(np.delete(scores, 1500)[200:], 0.999)


def test_the_monitor_detector_finds_a_level_shift_and_a_slow_trend() -> None:
    shifted, trended = noisy_series(1), 10 + np.random.default_rng(2).normal(0, 0.3, 2000)
    shifted[1500:] += 2.5
    trended[1200:] += np.linspace(0, 3, 800)  # a slow climb: never more than 1/80 of the noise's sd per row
    detector = make_detector("monitor", two_sided=True)
    for values, start in ((shifted, 1500), (trended, 1200)):
        onsets = episode_onsets(detector.score(TIMES, values), None, 200)
        assert onsets[start:].max() > max(onsets[300:start].max(), 0.5)


def test_one_sided_scoring_ignores_drops() -> None:
    values = noisy_series(2)
    values[1500] -= 6
    up, both = make_detector("monitor"), make_detector("monitor", two_sided=True)
    assert up.score(TIMES, values)[1500] < 0.5 < both.score(TIMES, values)[1500]


def test_many_series_at_once_equal_each_alone() -> None:
    first, second = noisy_series(3, 600), noisy_series(4, 400) * 3
    second[300] += 10
    detector = make_detector("monitor")
    together = detector.score(np.r_[TIMES[:600], TIMES[:400]], np.r_[first, second], series=np.r_[np.zeros(600), np.ones(400)])
    np.testing.assert_array_equal(together[:600], detector.score(TIMES[:600], first))
    np.testing.assert_array_equal(together[600:], detector.score(TIMES[:400], second))


def test_low_volume_windows_count_less() -> None:
    values = np.full(300, 0.2)
    values[250] = 0.9
    detector = make_detector("monitor")
    times = pd.date_range("2024-01-01", periods=300, freq="1h")
    busy = detector.evaluate(times, values, np.full(300, 50.0))
    quiet_spike = np.full(300, 50.0)
    quiet_spike[250] = 2.0
    quiet = detector.evaluate(times, values, quiet_spike)
    assert quiet["move"][250] < busy["move"][250] / 5


@pytest.mark.parametrize("name", sorted(DETECTORS))
def test_bad_input_keeps_scores_in_range(name: str) -> None:
    """Gaps, repeated times, NaN values, a constant series and a series shorter than the warm-up."""
    detector = make_detector(name, two_sided=True)
    gappy = TIMES[np.r_[0:500, 900:1400]]
    values = noisy_series(5, 1000)
    values[[10, 600, 601]] = np.nan
    values[700] = np.inf
    repeated = TIMES[np.repeat(np.arange(500), 2)]
    cases = [(gappy, values), (repeated, noisy_series(6, 1000)), (TIMES[:800], np.full(800, 3.0)), (TIMES[:5], noisy_series(7, 5)),
             (TIMES[:0], np.zeros(0))]
    for times, series in cases:
        scores = detector.score(times, series)
        assert len(scores) == len(series) and np.all((scores >= 0) & (scores <= 1))
    scores = detector.score(gappy, values)
    if name != "null":
        assert scores[[10, 600, 601, 700]].tolist() == [0.0] * 4, "missing values score 0"
    if name == "monitor":
        assert np.all(detector.score(TIMES[:800], np.full(800, 3.0)) == 0), "a constant series never scores"
        assert np.all(detector.score(TIMES[:5], noisy_series(7, 5)) == 0), "nothing before the warm-up"


@settings(max_examples=30, deadline=None)
@given(st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=1, max_size=120), st.integers(1, 119),
       st.sampled_from(sorted(DETECTORS)))
def test_scores_are_in_range_and_causal_for_any_series(values, cut, name) -> None:
    detector = make_detector(name, MonitorConfig(min_history=5), two_sided=True)
    times = pd.date_range("2024-01-01", periods=len(values), freq="min")
    full = detector.score(times, values)
    assert np.all((full >= 0) & (full <= 1))
    cut = min(cut, len(values))
    np.testing.assert_array_equal(full[:cut], detector.score(times[:cut], values[:cut]))


def test_onsets_keep_scores_that_top_the_fading_episode_high() -> None:
    scores = np.array([0.1, 0.6, 0.7, 0.5, 0.2, 0.1, 0.65])
    assert episode_onsets(scores, None, 1e9).tolist() == [0.1, 0.6, 0.7, 0.0, 0.0, 0.0, 0.0]
    assert episode_onsets(scores, None, 1.0).tolist() == [0.1, 0.6, 0.7, 0.5, 0.0, 0.0, 0.65]
    assert episode_onsets(scores, np.array([0, 0, 0, 1, 1, 1, 1]), 1e9).tolist() == [0.1, 0.6, 0.7, 0.5, 0.0, 0.0, 0.65]


def test_windowed_gaussian_is_a_tail_probability() -> None:
    values = np.r_[np.tile([1.0, -1.0], 50), 3.0]
    score = WindowedGaussianDetector().score(TIMES[:101], values)[-1]
    assert score == pytest.approx(0.9969, abs=1e-3)  # |z| ~ 2.98 against the sd of +-1


def test_unknown_detector_names_list_the_known_ones() -> None:
    with pytest.raises(ValueError, match="monitor.*null|null.*monitor"):
        make_detector("htm")
