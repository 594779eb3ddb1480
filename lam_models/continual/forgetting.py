"""Accuracy matrix of a task sequence and its backward / forward transfer (pure, JSON-able).

``R[i][j]`` is the accuracy on task ``j``'s test set after training task ``i`` (NaN = not
measured). With ``T`` tasks, BWT = mean over j < T-1 of ``R[T-1][j] - R[j][j]`` (negative =
forgetting) and FWT = mean over j > 0 of ``R[j-1][j] - b[j]`` against baseline accuracies ``b``
(Lopez-Paz & Ranzato, 2017).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np


def backward_transfer(matrix: np.ndarray | list[list[float]]) -> float | None:
    """BWT of a (T, T) accuracy matrix; None when fewer than two tasks or no pair was measured."""
    r = np.asarray(matrix, dtype=np.float64)
    _check_square(r)
    t = r.shape[0]
    if t < 2:
        return None
    diffs = r[t - 1, : t - 1] - np.diag(r)[: t - 1]
    diffs = diffs[~np.isnan(diffs)]
    return float(diffs.mean()) if diffs.size else None


def forward_transfer(matrix: np.ndarray | list[list[float]], baseline: np.ndarray | list[float]) -> float | None:
    """FWT: mean over j >= 1 of ``R[j-1][j] - baseline[j]``; None when nothing was measured."""
    r = np.asarray(matrix, dtype=np.float64)
    _check_square(r)
    b = np.asarray(baseline, dtype=np.float64)
    if b.shape != (r.shape[0],):
        raise ValueError(f"baseline has shape {b.shape}; expected ({r.shape[0]},), one accuracy per task")
    if r.shape[0] < 2:
        return None
    diffs = np.array([r[j - 1, j] - b[j] for j in range(1, r.shape[0])])
    diffs = diffs[~np.isnan(diffs)]
    return float(diffs.mean()) if diffs.size else None


def _check_square(r: np.ndarray) -> None:
    if r.ndim != 2 or r.shape[0] != r.shape[1]:
        raise ValueError(f"accuracy matrix must be square (tasks x tasks), got shape {r.shape}")


@dataclass
class AccuracyMatrix:
    """Tasks (``{"dataset", "split"}`` dicts) and the accuracy matrix over them, growable row by row."""

    tasks: list[dict[str, str]] = field(default_factory=list)
    rows: list[list[float]] = field(default_factory=list)

    def add_task(self, task: dict[str, str]) -> int:
        """Append a task column (NaN in earlier rows); returns its index."""
        self.tasks.append(dict(task))
        for row in self.rows:
            row.append(math.nan)
        return len(self.tasks) - 1

    def set_row(self, i: int, accuracies: dict[int, float]) -> None:
        """Set ``R[i][j]`` for the given ``j``; rows up to ``i`` are created (NaN) as needed."""
        while len(self.rows) <= i:
            self.rows.append([math.nan] * len(self.tasks))
        for j, acc in accuracies.items():
            self.rows[i][j] = float(acc)

    def array(self) -> np.ndarray:
        """(T, T) float64; rows not yet trained are NaN."""
        t = len(self.tasks)
        out = np.full((t, t), np.nan)
        for i, row in enumerate(self.rows[:t]):
            out[i, : len(row)] = row
        return out

    def bwt(self) -> float | None:
        return backward_transfer(self.array())

    def fwt(self, baseline: list[float]) -> float | None:
        return forward_transfer(self.array(), baseline)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: NaN becomes None."""
        clean = [[None if math.isnan(x) else x for x in row] for row in self.array().tolist()]
        return {"tasks": self.tasks, "matrix": clean, "bwt": self.bwt()}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> AccuracyMatrix:
        rows = [[math.nan if x is None else float(x) for x in row] for row in data.get("matrix", [])]
        return cls([dict(t) for t in data.get("tasks", [])], rows)
