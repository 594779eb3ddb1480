"""Classification metrics as pure numpy functions: accuracy, macro-F1, per-class P/R/F1, confusion.

Why our own: they go into every version's ``metrics.json`` and into promotion gates, so they
must be exact, dependency-light and JSON-ready. The unit tests check them against scikit-learn.
A class with no predictions (or no support) gets precision (or recall) 0, as sklearn's
``zero_division=0`` does.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np


def confusion_matrix(y_true: np.ndarray, y_pred: np.ndarray, num_labels: int) -> np.ndarray:
    """Counts (num_labels, num_labels) int64: row = true label, column = predicted label.

    Args:
        y_true, y_pred: (n,) integer labels in ``[0, num_labels)``.
    """
    y_true = np.asarray(y_true, dtype=np.int64)
    y_pred = np.asarray(y_pred, dtype=np.int64)
    if y_true.shape != y_pred.shape:
        raise ValueError(f"y_true has shape {y_true.shape} but y_pred has {y_pred.shape}")
    for name, arr in (("y_true", y_true), ("y_pred", y_pred)):
        if arr.size and (arr.min() < 0 or arr.max() >= num_labels):
            raise ValueError(f"{name} holds labels outside [0, {num_labels})")
    flat = np.bincount(y_true * num_labels + y_pred, minlength=num_labels * num_labels)
    return flat.reshape(num_labels, num_labels)


def accuracy(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """Share of exact matches; 0.0 for empty input."""
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    return float((y_true == y_pred).mean()) if y_true.size else 0.0


def per_class_prf(confusion: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Precision, recall, F1 and support per class (each (num_labels,)) from a confusion matrix."""
    confusion = np.asarray(confusion, dtype=np.float64)
    tp = np.diag(confusion)
    predicted = confusion.sum(0)
    support = confusion.sum(1)
    precision = np.divide(tp, predicted, out=np.zeros_like(tp), where=predicted > 0)
    recall = np.divide(tp, support, out=np.zeros_like(tp), where=support > 0)
    denom = precision + recall
    f1 = np.divide(2 * precision * recall, denom, out=np.zeros_like(tp), where=denom > 0)
    return precision, recall, f1, support.astype(np.int64)


def macro_f1(y_true: np.ndarray, y_pred: np.ndarray, num_labels: int) -> float:
    """Unweighted mean of per-class F1 over all ``num_labels`` classes."""
    _, _, f1, _ = per_class_prf(confusion_matrix(y_true, y_pred, num_labels))
    return float(f1.mean())


def classification_report(y_true: np.ndarray, y_pred: np.ndarray, labels: Sequence[str]) -> dict[str, Any]:
    """Everything ``metrics.json`` holds for one split, as plain JSON types.

    Returns:
        ``{"n", "accuracy", "macro_f1", "per_class": {label: {precision, recall, f1, support}},
        "confusion_matrix": {"labels": [...], "rows_true_cols_pred": [[...]]}}``
    """
    confusion = confusion_matrix(y_true, y_pred, len(labels))
    precision, recall, f1, support = per_class_prf(confusion)
    return {
        "n": int(np.asarray(y_true).size),
        "accuracy": accuracy(y_true, y_pred),
        "macro_f1": float(f1.mean()),
        "per_class": {
            name: {"precision": float(precision[i]), "recall": float(recall[i]),
                   "f1": float(f1[i]), "support": int(support[i])}
            for i, name in enumerate(labels)
        },
        "confusion_matrix": {"labels": list(labels), "rows_true_cols_pred": confusion.tolist()},
    }
