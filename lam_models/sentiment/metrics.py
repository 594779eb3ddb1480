"""Classification metrics for ``metrics.json`` and the promotion gates: scikit-learn's, as JSON-ready values.

Every metric is taken over the full label set ``range(num_labels)``, so a class with no
predictions (or no support) counts with precision (or recall) 0 (``zero_division=0``).
scikit-learn is imported on first use, so ``import lam_models.sentiment`` stays cheap.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np


def _checked(y_true: np.ndarray, y_pred: np.ndarray, num_labels: int) -> tuple[np.ndarray, np.ndarray]:
    """Both label arrays as int64, or a ValueError naming what is wrong (sklearn would drop unknown labels)."""
    y_true = np.asarray(y_true, dtype=np.int64)
    y_pred = np.asarray(y_pred, dtype=np.int64)
    if y_true.shape != y_pred.shape:
        raise ValueError(f"y_true has shape {y_true.shape} but y_pred has {y_pred.shape}")
    for name, arr in (("y_true", y_true), ("y_pred", y_pred)):
        if arr.size and (arr.min() < 0 or arr.max() >= num_labels):
            raise ValueError(f"{name} holds labels outside [0, {num_labels})")
    return y_true, y_pred


def confusion_matrix(y_true: np.ndarray, y_pred: np.ndarray, num_labels: int) -> np.ndarray:
    """Counts (num_labels, num_labels) int64: row = true label, column = predicted label."""
    from sklearn.metrics import confusion_matrix as sk_confusion_matrix

    y_true, y_pred = _checked(y_true, y_pred, num_labels)
    if not y_true.size:
        return np.zeros((num_labels, num_labels), dtype=np.int64)
    return sk_confusion_matrix(y_true, y_pred, labels=np.arange(num_labels)).astype(np.int64)


def accuracy(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """Share of exact matches; 0.0 for empty input."""
    from sklearn.metrics import accuracy_score

    return float(accuracy_score(y_true, y_pred)) if np.asarray(y_true).size else 0.0


def per_class_prf(y_true: np.ndarray, y_pred: np.ndarray,
                  num_labels: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Precision, recall, F1 and support per class (each (num_labels,)); all zero for empty input."""
    from sklearn.metrics import precision_recall_fscore_support

    y_true, y_pred = _checked(y_true, y_pred, num_labels)
    if not y_true.size:
        zeros = np.zeros(num_labels)
        return zeros, zeros, zeros, zeros.astype(np.int64)
    precision, recall, f1, support = precision_recall_fscore_support(
        y_true, y_pred, labels=np.arange(num_labels), zero_division=0)
    return precision, recall, f1, support.astype(np.int64)


def macro_f1(y_true: np.ndarray, y_pred: np.ndarray, num_labels: int) -> float:
    """Unweighted mean of per-class F1 over all ``num_labels`` classes."""
    return float(per_class_prf(y_true, y_pred, num_labels)[2].mean())


def classification_report(y_true: np.ndarray, y_pred: np.ndarray, labels: Sequence[str]) -> dict[str, Any]:
    """Everything ``metrics.json`` holds for one split, as plain JSON types.

    Returns:
        ``{"n", "accuracy", "macro_f1", "per_class": {label: {precision, recall, f1, support}},
        "confusion_matrix": {"labels": [...], "rows_true_cols_pred": [[...]]}}``
    """
    precision, recall, f1, support = per_class_prf(y_true, y_pred, len(labels))
    return {
        "n": int(np.asarray(y_true).size),
        "accuracy": accuracy(y_true, y_pred),
        "macro_f1": float(f1.mean()),
        "per_class": {
            name: {"precision": float(precision[i]), "recall": float(recall[i]),
                   "f1": float(f1[i]), "support": int(support[i])}
            for i, name in enumerate(labels)
        },
        "confusion_matrix": {"labels": list(labels),
                             "rows_true_cols_pred": confusion_matrix(y_true, y_pred, len(labels)).tolist()},
    }
