"""Accuracy matrix, BWT and FWT against hand-computed values."""

from __future__ import annotations

import json
import math

import pytest

from lam_models.continual.forgetting import AccuracyMatrix, backward_transfer, forward_transfer

R = [[0.90, 0.40, 0.30],
     [0.85, 0.80, 0.50],
     [0.70, 0.75, 0.88]]


def test_bwt_by_hand() -> None:
    # (R[2][0] - R[0][0] + R[2][1] - R[1][1]) / 2 = (-0.20 - 0.05) / 2
    assert backward_transfer(R) == pytest.approx(-0.125)


def test_fwt_by_hand() -> None:
    # (R[0][1] - b1 + R[1][2] - b2) / 2 = (0.40 - 0.33 + 0.50 - 0.33) / 2
    assert forward_transfer(R, [0.33, 0.33, 0.33]) == pytest.approx(0.12)


def test_no_forgetting_is_zero_and_one_task_is_none() -> None:
    assert backward_transfer([[0.9, 0.1], [0.9, 0.8]]) == pytest.approx(0.0)
    assert backward_transfer([[0.9]]) is None
    with pytest.raises(ValueError, match="square"):
        backward_transfer([[0.9, 0.1]])
    with pytest.raises(ValueError, match="one accuracy per task"):
        forward_transfer(R, [0.3])


def test_matrix_grows_and_round_trips_through_json() -> None:
    m = AccuracyMatrix()
    m.add_task({"dataset": "a", "split": "test"})
    m.set_row(0, {0: 0.9})
    m.add_task({"dataset": "b", "split": "test"})
    m.set_row(0, {1: 0.4})
    m.set_row(1, {0: 0.85, 1: 0.8})
    assert m.bwt() == pytest.approx(-0.05)
    payload = json.loads(json.dumps(m.to_dict()))
    assert payload["matrix"] == [[0.9, 0.4], [0.85, 0.8]] and payload["bwt"] == pytest.approx(-0.05)
    again = AccuracyMatrix.from_dict(payload)
    again.add_task({"dataset": "c", "split": "test"})
    assert math.isnan(again.array()[1, 2]) and again.to_dict()["matrix"][1][2] is None
    assert again.bwt() is None or math.isnan(again.array()[2, 0])  # row 2 not trained yet
