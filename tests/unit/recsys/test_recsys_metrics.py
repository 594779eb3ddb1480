"""Metrics against hand-computed cases and a slow per-user reference (oracle test)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.sparse as sp

from lam_models.recsys import metrics


def _truth(rows: list[list[int]], n_items: int) -> sp.csr_matrix:
    r = [u for u, items in enumerate(rows) for _ in items]
    c = [i for items in rows for i in items]
    return sp.csr_matrix((np.ones(len(c)), (r, c)), shape=(len(rows), n_items))


def test_hand_computed_case() -> None:
    # user 0: relevant {1, 3, 9}; list [1, 2, 3] -> hits at ranks 1 and 3
    top = np.array([[1, 2, 3]])
    truth = _truth([[1, 3, 9]], 10)
    assert metrics.precision_at_k(top, truth)[0] == pytest.approx(2 / 3)
    assert metrics.recall_at_k(top, truth)[0] == pytest.approx(2 / 3)
    dcg = 1 + 1 / math.log2(4)
    idcg = 1 + 1 / math.log2(3) + 1 / math.log2(4)
    assert metrics.ndcg_at_k(top, truth)[0] == pytest.approx(dcg / idcg)
    assert metrics.map_at_k(top, truth)[0] == pytest.approx((1 / 1 + 2 / 3) / 3)


def test_users_without_positives_are_nan_and_pads_are_misses() -> None:
    top = np.array([[0, -1], [0, 1]])
    truth = _truth([[], [1]], 3)
    assert np.isnan(metrics.precision_at_k(top, truth)[0])
    assert metrics.precision_at_k(top, truth)[1] == pytest.approx(0.5)
    assert metrics.ndcg_at_k(np.array([[1, -1]]), _truth([[1]], 3))[0] == pytest.approx(1.0)


def test_auc_hand_computed_with_ties_and_exclusions() -> None:
    scores = np.array([[0.9, 0.5, 0.5, 0.1, -np.inf]])
    truth = _truth([[1, 4]], 5)  # item 4 is relevant but not a candidate: ignored
    # positive 1 (0.5) vs negatives {0.9, 0.5, 0.1}: beats 0.1, ties 0.5 -> (1 + 0.5) / 3
    assert metrics.auc_score(scores, truth)[0] == pytest.approx(1.5 / 3)
    assert metrics.auc_score(np.array([[1.0, 0.0]]), _truth([[0]], 2))[0] == 1.0
    assert np.isnan(metrics.auc_score(np.array([[1.0, 0.0]]), _truth([[0, 1]], 2))[0])


def test_coverage_and_diversity() -> None:
    top = np.array([[0, 1], [1, 2]])
    assert metrics.catalogue_coverage(top, 6) == pytest.approx(0.5)
    vectors = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 0.0]])
    ild = metrics.intra_list_diversity(top, vectors)
    assert ild == pytest.approx([1.0, 1.0])
    assert metrics.intra_list_diversity(np.array([[0, 2]]), vectors)[0] == pytest.approx(0.0)


def _slow(top: np.ndarray, truth: sp.csr_matrix, scores: np.ndarray) -> dict[str, list[float]]:
    out: dict[str, list[float]] = {"p": [], "r": [], "ndcg": [], "map": [], "auc": []}
    for u in range(top.shape[0]):
        rel = set(truth[u].indices.tolist())
        hits = [1.0 if i in rel else 0.0 for i in top[u]]
        k = len(hits)
        out["p"].append(sum(hits) / k)
        out["r"].append(sum(hits) / len(rel))
        idcg = sum(1 / math.log2(i + 2) for i in range(min(len(rel), k)))
        out["ndcg"].append(sum(h / math.log2(i + 2) for i, h in enumerate(hits)) / idcg)
        ap = sum(sum(hits[: i + 1]) / (i + 1) for i, h in enumerate(hits) if h)
        out["map"].append(ap / len(rel))
        pos = [scores[u, i] for i in rel]
        neg = [scores[u, i] for i in range(scores.shape[1]) if i not in rel]
        pairs = [(p > n) + 0.5 * (p == n) for p in pos for n in neg]
        out["auc"].append(sum(pairs) / len(pairs))
    return out


def test_fast_metrics_match_slow_reference() -> None:
    rng = np.random.default_rng(1)
    n_users, n_items, k = 30, 25, 5
    scores = rng.integers(0, 6, (n_users, n_items)).astype(float)  # many ties on purpose
    dense = rng.random((n_users, n_items)) < 0.2
    dense[np.arange(n_users), rng.integers(0, n_items, n_users)] = True
    truth = sp.csr_matrix(dense)
    top = np.argsort(-scores, 1, kind="stable")[:, :k]
    slow = _slow(top, truth, scores)
    np.testing.assert_allclose(metrics.precision_at_k(top, truth), slow["p"])
    np.testing.assert_allclose(metrics.recall_at_k(top, truth), slow["r"])
    np.testing.assert_allclose(metrics.ndcg_at_k(top, truth), slow["ndcg"])
    np.testing.assert_allclose(metrics.map_at_k(top, truth), slow["map"])
    np.testing.assert_allclose(metrics.auc_score(scores, truth), slow["auc"])
