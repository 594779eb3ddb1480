"""Faded records: the row loop and the rank loop agree, and a record fades, caps its growth and restarts per series."""

from __future__ import annotations

import numpy as np
import pytest

from lam_models.monitor.records import _by_rank, _by_row, faded_records


def test_both_loops_give_the_same_records() -> None:
    rng = np.random.default_rng(0)
    lengths = rng.integers(1, 400, 30)
    series = np.repeat(np.arange(30) * 3, lengths)  # codes ascending, not dense
    position = np.concatenate([np.arange(n) for n in lengths])
    sizes = rng.exponential(1.0, (len(series), 3)) * (rng.random((len(series), 3)) < 0.7)
    args = (sizes, series, position, 0.5 ** (1 / np.array([50.0, 500.0, 50.0])), np.array([3.0, 2.0, np.inf]), 5)
    np.testing.assert_array_equal(_by_row(*args), _by_rank(*args))


def test_a_record_fades_caps_its_growth_and_restarts_per_series() -> None:
    sizes = np.array([[1.0], [0.0], [10.0], [10.0], [5.0], [0.0]])
    series, position = np.array([0, 0, 0, 0, 1, 1]), np.array([0, 1, 2, 3, 0, 1])
    records = faded_records(sizes, series, position, [1.0], [3.0], warm=1)[:, 0]
    assert records.tolist() == pytest.approx([0.0, 1.0, 0.5, 1.5, 0.0, 5.0])
