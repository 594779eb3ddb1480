"""The metrics.json report: scikit-learn's numbers over the full label set, JSON-ready, and its edge cases."""

from __future__ import annotations

import json

import numpy as np
import pytest

from lam_models.sentiment.metrics import accuracy, classification_report, confusion_matrix, macro_f1, per_class_prf


def test_report_is_json_ready_and_complete() -> None:
    report = classification_report(np.array([0, 1, 2, 1]), np.array([0, 1, 1, 1]), ["negative", "neutral", "positive"])
    assert json.loads(json.dumps(report)) == report
    assert report["n"] == 4 and report["accuracy"] == 0.75
    assert report["macro_f1"] == pytest.approx((1.0 + 0.8 + 0.0) / 3)
    assert report["per_class"]["neutral"] == {"precision": pytest.approx(2 / 3), "recall": 1.0,
                                              "f1": pytest.approx(0.8), "support": 2}
    assert report["per_class"]["positive"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 1}
    assert report["confusion_matrix"]["rows_true_cols_pred"] == [[1, 0, 0], [0, 2, 0], [0, 1, 0]]


def test_a_class_absent_from_both_sides_still_counts_in_the_macro_mean() -> None:
    y = np.array([0, 0, 1, 1])
    assert macro_f1(y, y, 2) == 1.0
    assert macro_f1(y, y, 3) == pytest.approx(2 / 3)
    assert confusion_matrix(y, y, 3).shape == (3, 3)


def test_empty_input_scores_zero() -> None:
    empty = np.array([], dtype=np.int64)
    assert accuracy(empty, empty) == 0.0 and macro_f1(empty, empty, 3) == 0.0
    _, _, _, support = per_class_prf(empty, empty, 3)
    assert support.tolist() == [0, 0, 0]
    assert classification_report(empty, empty, ["a", "b"])["confusion_matrix"]["rows_true_cols_pred"] == [[0, 0], [0, 0]]


def test_bad_shapes_and_labels_are_rejected() -> None:
    with pytest.raises(ValueError, match="shape"):
        confusion_matrix(np.array([0, 1]), np.array([0]), 3)
    with pytest.raises(ValueError, match="outside"):
        macro_f1(np.array([0, 3]), np.array([0, 1]), 3)
