"""Ranking metrics as free functions returning one value per user (pure numpy / scipy).

Conventions (those of Microsoft Recommenders' ``python_evaluation``, binary relevance):
P@K = hits / K; R@K = hits / |relevant|; nDCG@K with gains 1/log2(rank+1) and the ideal list of
min(|relevant|, K) hits; MAP@K = sum of precision at each hit rank within K / |relevant|;
AUC = probability that a relevant candidate outscores an irrelevant one (ties count one half).
Users with no relevant item get NaN, so callers average with ``np.nanmean`` over the users that count.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from scipy.stats import rankdata


def hits_at_k(top_k: np.ndarray, truth: sp.spmatrix) -> np.ndarray:
    """Whether each recommended item is relevant.

    Args:
        top_k: int array (n_users, K) of item indices, best first; -1 pads a short list.
        truth: sparse (n_users, n_items), non-zero = relevant.

    Returns:
        bool array (n_users, K).
    """
    truth = sp.csr_matrix(truth)
    rows = np.repeat(np.arange(top_k.shape[0]), top_k.shape[1])
    cols = top_k.ravel()
    valid = cols >= 0
    out = np.zeros(cols.shape, dtype=bool)
    if valid.any():
        out[valid] = np.asarray(truth[rows[valid], cols[valid]]).ravel() != 0
    return out.reshape(top_k.shape)


def _n_relevant(truth: sp.spmatrix) -> np.ndarray:
    return np.diff(sp.csr_matrix(truth, dtype=bool).indptr).astype(np.float64)


def _with_nan(values: np.ndarray, n_rel: np.ndarray) -> np.ndarray:
    return np.where(n_rel > 0, values, np.nan)


def precision_at_k(top_k: np.ndarray, truth: sp.spmatrix) -> np.ndarray:
    """Share of the K recommendations that are relevant: float (n_users,), NaN if none relevant."""
    hits = hits_at_k(top_k, truth)
    return _with_nan(hits.sum(1) / top_k.shape[1], _n_relevant(truth))


def recall_at_k(top_k: np.ndarray, truth: sp.spmatrix) -> np.ndarray:
    """Share of the relevant items found in the top K: float (n_users,)."""
    n_rel = _n_relevant(truth)
    hits = hits_at_k(top_k, truth)
    return _with_nan(hits.sum(1) / np.maximum(n_rel, 1), n_rel)


def ndcg_at_k(top_k: np.ndarray, truth: sp.spmatrix) -> np.ndarray:
    """Binary-gain nDCG@K: float (n_users,)."""
    n_rel = _n_relevant(truth)
    k = top_k.shape[1]
    discounts = 1.0 / np.log2(np.arange(2, k + 2))
    dcg = (hits_at_k(top_k, truth) * discounts).sum(1)
    ideal = np.concatenate([[0.0], np.cumsum(discounts)])[np.minimum(n_rel, k).astype(int)]
    return _with_nan(dcg / np.maximum(ideal, 1e-12), n_rel)


def map_at_k(top_k: np.ndarray, truth: sp.spmatrix) -> np.ndarray:
    """Average precision within K, divided by the number of relevant items: float (n_users,)."""
    n_rel = _n_relevant(truth)
    hits = hits_at_k(top_k, truth)
    precision_at_rank = np.cumsum(hits, 1) / np.arange(1, top_k.shape[1] + 1)
    return _with_nan((precision_at_rank * hits).sum(1) / np.maximum(n_rel, 1), n_rel)


def auc_score(scores: np.ndarray, truth: sp.spmatrix) -> np.ndarray:
    """Per-user ROC AUC over candidate items; items scored ``-inf`` are not candidates.

    Args:
        scores: float array (n_users, n_items); -inf marks excluded items (seen, out of catalogue).
        truth: sparse (n_users, n_items), non-zero = relevant (non-candidates are ignored).

    Returns:
        float (n_users,), NaN where a user has no relevant or no irrelevant candidate.
    """
    scores = np.asarray(scores, dtype=np.float64)
    candidate = np.isfinite(scores)
    relevant = sp.csr_matrix(truth, dtype=bool).toarray() & candidate
    ranks = rankdata(np.where(candidate, scores, -np.inf), axis=1)  # excluded take the lowest ranks
    ranks -= (~candidate).sum(1, keepdims=True)  # rank among candidates only
    n_pos = relevant.sum(1).astype(np.float64)
    n_neg = candidate.sum(1) - n_pos
    rank_sum = np.where(relevant, ranks, 0.0).sum(1)
    with np.errstate(invalid="ignore", divide="ignore"):
        auc = (rank_sum - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg)
    return np.where((n_pos > 0) & (n_neg > 0), auc, np.nan)


def catalogue_coverage(top_k: np.ndarray, n_candidates: int) -> float:
    """Share of the candidate catalogue recommended to at least one user.

    Args:
        top_k: int array (n_users, K); -1 pads are ignored.
        n_candidates: size of the catalogue the lists were drawn from.
    """
    distinct = np.unique(top_k[top_k >= 0])
    return float(len(distinct) / max(n_candidates, 1))


def intra_list_diversity(top_k: np.ndarray, item_vectors: np.ndarray) -> np.ndarray:
    """Mean pairwise cosine distance between the recommended items' vectors, per user.

    Args:
        top_k: int array (n_users, K), K >= 2, no -1 pads.
        item_vectors: float array (n_items, d), e.g. text embeddings (normalised here).

    Returns:
        float (n_users,) in [0, 2].
    """
    vectors = item_vectors / np.maximum(np.linalg.norm(item_vectors, axis=1, keepdims=True), 1e-12)
    chosen = vectors[top_k]  # (U, K, d)
    sims = np.einsum("ukd,ujd->ukj", chosen, chosen)
    k = top_k.shape[1]
    off_diagonal = (sims.sum((1, 2)) - np.trace(sims, axis1=1, axis2=2)) / (k * (k - 1))
    return 1.0 - off_diagonal
