"""Drift between a reference and a recent window of scored text: PSI and two-sample tests (pure).

Label drift: PSI on the predicted-label distributions. Confidence drift: PSI on the max class
probability, binned at the reference's quantiles. Embedding drift: a two-sample KS test per
dimension with a Bonferroni correction (family-wise ``alpha``), or an MMD permutation test.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

EPS = 1e-4


@dataclass(frozen=True)
class Snapshot:
    """One window of scored records.

    Attributes:
        labels: (n,) int predicted label indices.
        confidence: (n,) float max class probability.
        embeddings: (n, d) float32, or None when not kept.
    """

    labels: np.ndarray
    confidence: np.ndarray
    embeddings: np.ndarray | None = None


@dataclass(frozen=True)
class DriftThresholds:
    """When ``should_trigger`` fires (see ``ContinualConfig`` for the defaults)."""

    psi: float = 0.2
    embedding_alpha: float = 0.01
    new_labels: int = 500
    confidence_bins: int = 10
    num_labels: int = 3


def snapshot_from_frame(frame: Any, labels: tuple[str, ...] = ("negative", "neutral", "positive")) -> Snapshot:
    """A Snapshot of silver rows (``label``, ``p_<label>`` and optional ``embedding`` columns).

    Rows without a sentiment (scored by the base encoder only) are dropped.
    """
    scored = frame[frame["label"].isin(labels)]
    probs = scored[[f"p_{name}" for name in labels]].to_numpy(np.float64)
    index = {name: i for i, name in enumerate(labels)}
    embeddings = None
    if "embedding" in scored.columns and len(scored):
        embeddings = np.stack([np.asarray(e, np.float32) for e in scored["embedding"]])
    return Snapshot(scored["label"].map(index).to_numpy(np.int64), probs.max(axis=1) if len(scored) else np.zeros(0),
                    embeddings)


def psi(expected: np.ndarray, actual: np.ndarray) -> float:
    """Population stability index of two count (or share) vectors of the same bins.

    Shares are floored at ``EPS`` so an empty bin costs a finite amount.
    """
    e, a = np.asarray(expected, dtype=np.float64), np.asarray(actual, dtype=np.float64)
    if e.shape != a.shape or e.ndim != 1:
        raise ValueError(f"expected and actual must be 1-d of the same length, got {e.shape} and {a.shape}")
    if e.sum() <= 0 or a.sum() <= 0:
        raise ValueError("expected and actual must each hold at least one count")
    e = np.clip(e / e.sum(), EPS, None)
    a = np.clip(a / a.sum(), EPS, None)
    return float(np.sum((a - e) * np.log(a / e)))


def label_psi(reference: np.ndarray, recent: np.ndarray, num_labels: int = 3) -> float:
    """PSI of the predicted-label distributions (label indices ``0..num_labels-1``)."""
    return psi(np.bincount(np.asarray(reference, np.int64), minlength=num_labels)[:num_labels],
               np.bincount(np.asarray(recent, np.int64), minlength=num_labels)[:num_labels])


def confidence_psi(reference: np.ndarray, recent: np.ndarray, bins: int = 10) -> float:
    """PSI of confidences binned at the reference's quantiles (ties merged)."""
    ref, rec = np.asarray(reference, np.float64), np.asarray(recent, np.float64)
    edges = np.unique(np.quantile(ref, np.linspace(0, 1, bins + 1)[1:-1]))
    return psi(np.bincount(np.searchsorted(edges, ref, side="right"), minlength=len(edges) + 1),
               np.bincount(np.searchsorted(edges, rec, side="right"), minlength=len(edges) + 1))


def embedding_ks(reference: np.ndarray, recent: np.ndarray, alpha: float = 0.01) -> dict[str, Any]:
    """Per-dimension two-sample KS tests, Bonferroni-corrected.

    Args:
        reference, recent: (n, d) and (m, d) embeddings.

    Returns:
        ``{"drift": bool, "min_p": float, "dims_rejected": int, "alpha_per_dim": float}``.
    """
    from scipy.stats import ks_2samp

    x, y = np.asarray(reference, np.float64), np.asarray(recent, np.float64)
    if x.ndim != 2 or y.ndim != 2 or x.shape[1] != y.shape[1]:
        raise ValueError(f"embeddings must be (n, d) with the same d, got {x.shape} and {y.shape}")
    p = np.asarray(ks_2samp(x, y, axis=0).pvalue, dtype=np.float64).reshape(-1)
    per_dim = alpha / x.shape[1]
    rejected = int((p < per_dim).sum())
    return {"drift": rejected > 0, "min_p": float(p.min()), "dims_rejected": rejected, "alpha_per_dim": per_dim}


def mmd_permutation(reference: np.ndarray, recent: np.ndarray, permutations: int = 200, seed: int = 0,
                    max_rows: int = 500) -> dict[str, float]:
    """Unbiased RBF-kernel MMD² (median-heuristic bandwidth) with a seeded permutation p-value."""
    rng = np.random.default_rng(seed)
    x, y = np.asarray(reference, np.float64), np.asarray(recent, np.float64)
    x = x[rng.choice(len(x), min(len(x), max_rows), replace=False)]
    y = y[rng.choice(len(y), min(len(y), max_rows), replace=False)]
    z = np.concatenate([x, y])
    sq = np.sum(z * z, 1)
    d2 = np.maximum(sq[:, None] + sq[None, :] - 2 * z @ z.T, 0)
    gamma = 1.0 / max(np.median(d2[d2 > 0]) if np.any(d2 > 0) else 1.0, 1e-12)
    k = np.exp(-gamma * d2)
    n = len(x)

    def stat(idx: np.ndarray) -> float:
        a, b = idx[:n], idx[n:]
        kxx, kyy, kxy = k[np.ix_(a, a)], k[np.ix_(b, b)], k[np.ix_(a, b)]
        return float((kxx.sum() - np.trace(kxx)) / (n * (n - 1)) + (kyy.sum() - np.trace(kyy)) / (len(b) * (len(b) - 1))
                     - 2 * kxy.mean())

    observed = stat(np.arange(len(z)))
    null = [stat(rng.permutation(len(z))) for _ in range(permutations)]
    return {"mmd2": observed, "p_value": float((1 + sum(v >= observed for v in null)) / (1 + permutations))}


def should_trigger(reference: Snapshot | None, recent: Snapshot | None, new_label_count: int,
                   thresholds: DriftThresholds | None = None) -> tuple[bool, list[str]]:
    """Whether a continual round should run, and every reason that says so.

    Fires on: enough new labels; label PSI or confidence PSI above ``thresholds.psi``; or the
    embedding KS test rejecting (when both snapshots carry embeddings). With a snapshot missing
    (too little scored data) only the new-label count is judged.
    """
    th = thresholds or DriftThresholds()
    reasons: list[str] = []
    if new_label_count >= th.new_labels:
        reasons.append(f"{new_label_count} new labels >= {th.new_labels}")
    if reference is None or recent is None:
        return bool(reasons), reasons
    value = label_psi(reference.labels, recent.labels, th.num_labels)
    if value > th.psi:
        reasons.append(f"predicted-label PSI {value:.3f} > {th.psi}")
    value = confidence_psi(reference.confidence, recent.confidence, th.confidence_bins)
    if value > th.psi:
        reasons.append(f"confidence PSI {value:.3f} > {th.psi}")
    if reference.embeddings is not None and recent.embeddings is not None:
        ks = embedding_ks(reference.embeddings, recent.embeddings, th.embedding_alpha)
        if ks["drift"]:
            reasons.append(f"embedding KS: {ks['dims_rejected']} dims reject at alpha {th.embedding_alpha} "
                           f"(Bonferroni, min p {ks['min_p']:.2e})")
    return bool(reasons), reasons
