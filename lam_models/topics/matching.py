"""Stable topic ids across runs: a new run's clusters take the ids of the previous model's topics.

One-to-one matching (Hungarian, on centroid cosine similarity) with a threshold: a pair below
``match_threshold`` is no match. Matched clusters keep the old id, unmatched ones get fresh ids
from ``next_id`` (ids are never reused), unmatched old topics retire. Nothing is renumbered, and
refitting on the same data gives every cluster its old id (similarity 1).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import linear_sum_assignment


@dataclass(frozen=True)
class IdMapping:
    """The ids given to a run's clusters and how they were found.

    Attributes:
        ids: (k,) int64 id of each new cluster (in the clusters' order).
        similarity: (k,) float32 centroid similarity to the matched old topic (NaN for new ids).
        new: ids created in this run; retired: old ids no cluster matched.
        next_id: the next id never used so far.
    """

    ids: np.ndarray
    similarity: np.ndarray
    new: list[int]
    retired: list[int]
    next_id: int


def match_centroids(old: np.ndarray, new: np.ndarray, threshold: float) -> list[tuple[int, int, float]]:
    """One-to-one pairs (old row, new row, similarity) maximising total similarity, each >= ``threshold``.

    Args:
        old: (k_old, d) and new: (k_new, d) unit-norm centroids.
    """
    if len(old) == 0 or len(new) == 0:
        return []
    sims = new.astype(np.float64) @ old.astype(np.float64).T
    new_rows, old_rows = linear_sum_assignment(sims, maximize=True)
    pairs = [(int(o), int(n), float(sims[n, o])) for n, o in zip(new_rows, old_rows, strict=True) if sims[n, o] >= threshold]
    return sorted(pairs, key=lambda p: p[1])


def assign_ids(new_centroids: np.ndarray, old_ids: np.ndarray, old_centroids: np.ndarray, next_id: int,
               threshold: float) -> IdMapping:
    """Ids for a run's clusters (given in size order: fresh ids go to larger clusters first).

    Args:
        new_centroids: (k_new, d) unit-norm centroids of this run's clusters.
        old_ids: (k_old,) int ids of the previous model's topics; old_centroids: (k_old, d).
        next_id: the previous model's next unused id (0 without a previous model).
        threshold: smallest similarity for a match.
    """
    ids = np.full(len(new_centroids), -1, dtype=np.int64)
    similarity = np.full(len(new_centroids), np.nan, dtype=np.float32)
    for old_row, new_row, sim in match_centroids(old_centroids, new_centroids, threshold):
        ids[new_row], similarity[new_row] = int(old_ids[old_row]), sim
    fresh = []
    for row in np.flatnonzero(ids < 0):
        ids[row] = next_id
        fresh.append(next_id)
        next_id += 1
    retired = sorted(int(i) for i in set(np.asarray(old_ids).tolist()) - set(ids.tolist()))
    return IdMapping(ids, similarity, fresh, retired, next_id)
