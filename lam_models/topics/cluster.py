"""Clustering of unit-norm headline embeddings: PCA, then HDBSCAN (or k-means), then centroids.

Why not UMAP + HDBSCAN (BERTopic's default): ``bench/topics.py`` measures both on the Benzinga
headlines in one run; PCA + HDBSCAN with centroid assignment of the noise points gives comparable
coherence at a fraction of the fit time, no numba, and a deterministic result for the same input.
"""

from __future__ import annotations

import numpy as np

from lam_models.topics.config import OUTLIER, TopicConfig


def cluster_labels(embeddings: np.ndarray, config: TopicConfig) -> np.ndarray:
    """Cluster of each row, ``-1`` for HDBSCAN noise; clusters numbered 0.. by size (largest first).

    Args:
        embeddings: (n, d) float32 unit-norm vectors.
    Returns:
        (n,) int64 labels. Deterministic for the same rows in the same order.
    """
    n = len(embeddings)
    if n < max(config.min_cluster_size, 2):
        return np.full(n, OUTLIER, dtype=np.int64)
    reduced = _reduce(embeddings, config)
    if config.clusterer == "kmeans":
        from sklearn.cluster import KMeans

        k = min(config.n_topics, n)
        labels = KMeans(n_clusters=k, n_init=4, random_state=config.seed).fit_predict(reduced)
    else:
        from sklearn.cluster import HDBSCAN

        labels = HDBSCAN(min_cluster_size=config.min_cluster_size, min_samples=config.min_samples,
                         copy=True).fit_predict(reduced)
    return _by_size(np.asarray(labels, dtype=np.int64))


def _reduce(embeddings: np.ndarray, config: TopicConfig) -> np.ndarray:
    from sklearn.decomposition import PCA

    dims = min(config.reduce_dims, embeddings.shape[1], len(embeddings) - 1)
    reduced = PCA(n_components=dims, svd_solver="full", random_state=config.seed).fit_transform(embeddings.astype(np.float64))
    return reduced / np.maximum(np.linalg.norm(reduced, axis=1, keepdims=True), 1e-12)


def _by_size(labels: np.ndarray) -> np.ndarray:
    """Renumber clusters 0.. by decreasing size, ties by first appearance; -1 stays -1."""
    clusters, first, sizes = np.unique(labels[labels >= 0], return_index=True, return_counts=True)
    order = np.lexsort((first, -sizes))
    mapping = np.full(int(labels.max(initial=-1)) + 2, OUTLIER, dtype=np.int64)
    mapping[clusters[order]] = np.arange(len(order))
    return np.where(labels >= 0, mapping[labels], OUTLIER)


def centroids(embeddings: np.ndarray, labels: np.ndarray, clusters: np.ndarray) -> np.ndarray:
    """(k, d) float32 unit-norm mean direction of each of ``clusters`` (rows in that order)."""
    out = np.zeros((len(clusters), embeddings.shape[1]), dtype=np.float64)
    for row, cluster in enumerate(clusters):
        out[row] = embeddings[labels == cluster].astype(np.float64).sum(axis=0)
    return (out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)).astype(np.float32)


def nearest(embeddings: np.ndarray, centroid_matrix: np.ndarray, temperature: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Nearest centroid of each row by cosine similarity.

    Args:
        embeddings: (n, d) unit-norm vectors; centroid_matrix: (k, d) unit-norm, k >= 1.
    Returns:
        (n,) int64 row of the nearest centroid, (n,) float32 its similarity, (n,) float32 its
        softmax probability over all centroids at ``temperature``.
    """
    sims = embeddings.astype(np.float32, copy=False) @ centroid_matrix.T
    best = sims.argmax(axis=1)
    top = sims[np.arange(len(sims)), best]
    probs = 1.0 / np.exp((sims - top[:, None]) / temperature).sum(axis=1)
    return best.astype(np.int64), top.astype(np.float32), probs.astype(np.float32)


def representatives(embeddings: np.ndarray, texts: list[str], labels: np.ndarray, clusters: np.ndarray,
                    centroid_matrix: np.ndarray, n: int) -> list[list[str]]:
    """Up to ``n`` distinct headlines of each cluster, closest to its centroid first."""
    out = []
    for row, cluster in enumerate(clusters):
        members = np.flatnonzero(labels == cluster)
        order = members[np.argsort(-(embeddings[members] @ centroid_matrix[row]), kind="stable")]
        chosen: list[str] = []
        for index in order:
            text = str(texts[index]).strip()
            if text not in chosen:
                chosen.append(text)
            if len(chosen) == n:
                break
        out.append(chosen)
    return out
