"""Faded records: the closed-form passes (and the row loop they hand over to) give the definition's records, and a
record fades, caps its growth and restarts per series."""

from __future__ import annotations

import numpy as np
import pytest

from lam_models.monitor import records as module
from lam_models.monitor.records import faded_records


@pytest.mark.parametrize("passes", [1, 2, 64])  # the row loop for every capped series, for some, for none
def test_closed_form_and_row_loop_give_the_definitions_records(monkeypatch, passes: int) -> None:
    rng = np.random.default_rng(0)
    lengths = rng.integers(1, 400, 30)
    series = np.repeat(np.arange(30) * 3, lengths)  # codes ascending, not dense
    position = np.concatenate([np.arange(n) for n in lengths])
    sizes = rng.exponential(1.0, (len(series), 3)) * (rng.random((len(series), 3)) < 0.7)
    args = (sizes, series, position, np.array([50.0, 500.0, 50.0]), np.array([3.0, 2.0, np.inf]), 5)
    expected = _slow(*args)
    monkeypatch.setattr(module, "_PASSES", passes)
    found = faded_records(*args)
    np.testing.assert_allclose(found, expected, rtol=1e-12, atol=0)
    assert np.array_equal(found > 0, expected > 0)


def _slow(sizes, series, position, half_lives, growth, warm) -> np.ndarray:
    """The definition, one plain float at a time."""
    out = np.zeros_like(sizes)
    for j in range(sizes.shape[1]):
        best = 0.0
        for i in range(len(sizes)):
            if i == 0 or series[i] != series[i - 1]:
                best = 0.0
            out[i, j] = best
            value = sizes[i, j]
            capped = min(value, growth[j] * best) if best > 0 and position[i] >= warm else value
            best = max(best * 0.5 ** (1 / half_lives[j]), capped)
    return out


def test_a_record_fades_caps_its_growth_and_restarts_per_series() -> None:
    sizes = np.array([[1.0], [0.0], [10.0], [10.0], [5.0], [0.0]])
    series, position = np.array([0, 0, 0, 0, 1, 1]), np.array([0, 1, 2, 3, 0, 1])
    records = faded_records(sizes, series, position, [1.0], [3.0], warm=1)[:, 0]
    assert records.tolist() == pytest.approx([0.0, 1.0, 0.5, 1.5, 0.0, 5.0])
