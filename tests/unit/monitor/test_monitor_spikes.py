"""Spike rule: move, significance and volume all needed; a handful of headlines never fires."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from lam_models.monitor.config import MonitorConfig
from lam_models.monitor.spikes import severity, spike_figures

CONFIG = MonitorConfig()


def figures(count, negative, p0=0.25, spread=0.03, config=CONFIG):
    return spike_figures(np.array([count]), np.array([negative]), np.array([p0]), np.array([spread]), config)


def test_a_big_negative_window_fires() -> None:
    out = figures(40, 30)
    assert out["spike"][0] and out["z"][0] > CONFIG.z_threshold and out["move"][0] > CONFIG.min_move


def test_each_condition_can_veto() -> None:
    assert not figures(4, 4)["spike"][0]  # volume below min_volume
    assert not figures(400, 120, p0=0.25)["spike"][0]  # significant but tiny move (0.30 vs 0.25)
    assert not figures(40, 30, spread=0.4)["spike"][0]  # a move the key's normal spread explains


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 3), st.floats(0.001, 0.999), st.floats(0.0, 0.5))
def test_three_headlines_cannot_fire_even_with_min_volume_one(count: int, p0: float, spread: float) -> None:
    config = MonitorConfig(min_volume=1)
    out = figures(count, count, p0=p0, spread=max(spread, 1e-6), config=config)
    assert not out["spike"][0]
    assert out["move"][0] <= count / (count + config.prior_strength)


def test_severity_grows_with_z() -> None:
    assert severity(np.array([3.1, 4.6, 7.0]), CONFIG).tolist() == ["low", "medium", "high"]
