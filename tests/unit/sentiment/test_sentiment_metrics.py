"""Our metrics against scikit-learn (the slow, trusted reference) and on edge cases."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn import metrics as skm

from lam_models.sentiment.metrics import accuracy, classification_report, confusion_matrix, macro_f1, per_class_prf


@pytest.mark.parametrize("seed", range(5))
def test_matches_sklearn(seed: int) -> None:
    rng = np.random.default_rng(seed)
    y_true = rng.integers(0, 3, 200)
    y_pred = np.where(rng.random(200) < 0.6, y_true, rng.integers(0, 3, 200))
    cm = confusion_matrix(y_true, y_pred, 3)
    np.testing.assert_array_equal(cm, skm.confusion_matrix(y_true, y_pred, labels=[0, 1, 2]))
    assert accuracy(y_true, y_pred) == pytest.approx(skm.accuracy_score(y_true, y_pred))
    assert macro_f1(y_true, y_pred, 3) == pytest.approx(skm.f1_score(y_true, y_pred, average="macro"))
    p, r, f, s = per_class_prf(cm)
    sp, sr, sf, ss = skm.precision_recall_fscore_support(y_true, y_pred, labels=[0, 1, 2], zero_division=0)
    np.testing.assert_allclose(p, sp)
    np.testing.assert_allclose(r, sr)
    np.testing.assert_allclose(f, sf)
    np.testing.assert_array_equal(s, ss)


def test_a_never_predicted_class_scores_zero_like_sklearn() -> None:
    y_true = np.array([0, 1, 2, 2])
    y_pred = np.array([1, 1, 2, 2])
    assert macro_f1(y_true, y_pred, 3) == pytest.approx(skm.f1_score(y_true, y_pred, average="macro", zero_division=0))


def test_report_is_json_ready_and_complete() -> None:
    report = classification_report(np.array([0, 1, 2, 1]), np.array([0, 1, 1, 1]), ["negative", "neutral", "positive"])
    assert report["n"] == 4 and report["accuracy"] == 0.75
    assert report["per_class"]["positive"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 1}
    assert report["confusion_matrix"]["rows_true_cols_pred"] == [[1, 0, 0], [0, 2, 0], [0, 1, 0]]


def test_bad_shapes_and_labels_are_rejected() -> None:
    with pytest.raises(ValueError, match="shape"):
        confusion_matrix(np.array([0, 1]), np.array([0]), 3)
    with pytest.raises(ValueError, match="outside"):
        confusion_matrix(np.array([0, 3]), np.array([0, 1]), 3)
