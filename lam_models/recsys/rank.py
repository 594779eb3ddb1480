"""Vectorised ranking: top-K for many users in batches, seen-item exclusion, and similar items.

Scoring is a matrix product per batch of users (never one ``predict`` call per user); the
functions take a ``score_fn`` so every model (hybrid, baselines, loaded versions) ranks the same way.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import scipy.sparse as sp

ScoreFn = Callable[[np.ndarray], np.ndarray]


def top_k(
    score_fn: ScoreFn,
    rows: np.ndarray,
    k: int,
    exclude: sp.spmatrix | None = None,
    candidates: np.ndarray | None = None,
    batch_size: int = 1024,
) -> tuple[np.ndarray, np.ndarray]:
    """Best ``k`` items for each row (user), excluding seen items and non-candidates.

    Args:
        score_fn: maps int row indices (b,) to float scores (b, n_items).
        rows: int (n,) row indices into ``exclude`` and ``score_fn``'s users.
        k: list length.
        exclude: sparse (n_rows_total, n_items); non-zero = never recommend (already seen).
        candidates: bool (n_items,); False = never recommend (e.g. outside the evaluated catalogue).
        batch_size: users scored at once (memory: batch_size x n_items floats).

    Returns:
        (items, scores): int64 (n, k) item indices best first, -1 where fewer than k candidates
        remain, and float32 (n, k) their scores (-inf for the -1 pads).
    """
    rows = np.asarray(rows, dtype=np.int64)
    exclude = None if exclude is None else sp.csr_matrix(exclude)
    out_items = np.full((len(rows), k), -1, dtype=np.int64)
    out_scores = np.full((len(rows), k), -np.inf, dtype=np.float32)
    for start in range(0, len(rows), batch_size):
        batch = rows[start : start + batch_size]
        scores = masked_scores(score_fn, batch, exclude, candidates)
        kk = min(k, scores.shape[1])
        part = _select_k(scores, kk)
        part_scores = np.take_along_axis(scores, part, 1)
        order = np.lexsort((part, -part_scores), axis=1)  # score desc, then item index asc (stable ties)
        items = np.take_along_axis(part, order, 1)
        best = np.take_along_axis(part_scores, order, 1)
        items[~np.isfinite(best)] = -1
        out_items[start : start + len(batch), :kk] = items
        out_scores[start : start + len(batch), :kk] = best
    return out_items, out_scores


def _select_k(scores: np.ndarray, k: int) -> np.ndarray:
    """Indices of the k best per row in O(n_items); ties at the cut go to the lowest item index."""
    kth = -np.partition(-scores, k - 1, axis=1)[:, k - 1 : k]
    above = scores > kth
    at_cut = scores == kth
    room = k - above.sum(1, keepdims=True)
    chosen = above | (at_cut & (np.cumsum(at_cut, axis=1) <= room))
    return np.argsort(~chosen, axis=1, kind="stable")[:, :k]


def masked_scores(
    score_fn: ScoreFn, rows: np.ndarray, exclude: sp.csr_matrix | None = None, candidates: np.ndarray | None = None
) -> np.ndarray:
    """``score_fn(rows)`` as float64 with excluded and non-candidate items set to -inf: (b, n_items)."""
    scores = np.array(score_fn(rows), dtype=np.float64)
    if exclude is not None:
        seen = exclude[rows]
        r, c = seen.nonzero()
        scores[r, c] = -np.inf
    if candidates is not None:
        scores[:, ~np.asarray(candidates, dtype=bool)] = -np.inf
    return scores


def latent_scores(user_vectors: np.ndarray, user_biases: np.ndarray, item_vectors: np.ndarray, item_biases: np.ndarray) -> np.ndarray:
    """LightFM's score ``u . v + b_u + b_i`` for every user x item pair.

    Args:
        user_vectors: (b, c) user representations; user_biases: (b,).
        item_vectors: (n_items, c) item representations; item_biases: (n_items,).

    Returns:
        float32 (b, n_items).
    """
    return (user_vectors @ item_vectors.T + user_biases[:, None] + item_biases[None, :]).astype(np.float32)


def similar_items(vectors: np.ndarray, k: int, rows: np.ndarray | None = None, batch_size: int = 1024) -> tuple[np.ndarray, np.ndarray]:
    """Item-to-item neighbours by cosine similarity of their (hybrid) representations.

    Args:
        vectors: float (n_items, c) item representations.
        k: neighbours per item (the item itself is excluded).
        rows: item indices to query (default: all).
        batch_size: queries per matrix product.

    Returns:
        (items, similarities): int64 (n, k) and float32 (n, k), most similar first.
    """
    unit = vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
    rows = np.arange(len(unit)) if rows is None else np.asarray(rows, dtype=np.int64)
    self_mask = sp.csr_matrix((np.ones(len(rows)), (np.arange(len(rows)), rows)), shape=(len(rows), len(unit)))

    def cosine(batch: np.ndarray) -> np.ndarray:
        return unit[rows[batch]] @ unit.T

    return top_k(cosine, np.arange(len(rows)), k, exclude=self_mask, batch_size=batch_size)
