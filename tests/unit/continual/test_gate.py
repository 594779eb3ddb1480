"""Gate verdicts: better and not forgetting promotes; worse or forgetting rejects, with a reason."""

from __future__ import annotations

import numpy as np
import pytest

from lam_models.continual.forgetting import backward_transfer
from lam_models.continual.gate import gate_verdict


def test_better_and_no_forgetting_promotes() -> None:
    verdict, reason = gate_verdict(0.86, 0.80, -0.004)
    assert verdict == "promote"
    assert "86.00" in reason and "+6.00 pts" in reason and "BWT -0.40 pts" in reason


def test_not_better_rejects() -> None:
    verdict, reason = gate_verdict(0.80, 0.81, 0.0)
    assert verdict == "reject" and "not better on the new task" in reason


def test_min_improvement_is_in_points() -> None:
    assert gate_verdict(0.815, 0.80, 0.0, min_improvement_points=2.0)[0] == "reject"
    assert gate_verdict(0.825, 0.80, 0.0, min_improvement_points=2.0)[0] == "promote"


def test_bwt_boundary_is_minus_one_point() -> None:
    assert gate_verdict(0.9, 0.8, -0.010)[0] == "promote"
    verdict, reason = gate_verdict(0.9, 0.8, -0.011)
    assert verdict == "reject" and "forgets earlier tasks" in reason


def test_label_flipped_candidate_is_rejected() -> None:
    """A candidate trained on flipped labels collapses on the old tasks: big negative BWT."""
    rng = np.random.default_rng(0)
    truth = rng.integers(0, 3, 300)
    flipped = np.where(truth == 0, 2, np.where(truth == 2, 0, truth))  # negative <-> positive
    good_old = float(np.mean(truth == truth))
    degraded_old = float(np.mean(flipped == truth))
    matrix = [[good_old, 0.5], [degraded_old, 0.95]]
    bwt = backward_transfer(matrix)
    assert bwt is not None and bwt < -0.5
    verdict, reason = gate_verdict(0.95, 0.50, bwt)
    assert verdict == "reject" and "forgets earlier tasks" in reason and "BWT" in reason


def test_no_earlier_task_and_bad_inputs() -> None:
    assert gate_verdict(0.7, 0.6, None) == ("promote", gate_verdict(0.7, 0.6, None)[1])
    assert "n/a" in gate_verdict(0.7, 0.6, None)[1]
    with pytest.raises(ValueError, match="accuracy in"):
        gate_verdict(86.0, 0.8, 0.0)
