"""Topic quality metrics (pure): NPMI coherence of top terms, topic diversity, outlier share, AMI."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from lam_models.topics.config import OUTLIER

EPSILON = 1e-12


def npmi_coherence(topic_terms: Sequence[Sequence[str]], documents: Sequence[Sequence[str]]) -> np.ndarray:
    """Mean NPMI over the pairs of each topic's terms, with document co-occurrence as the window.

    ``NPMI(a, b) = log((P(a,b) + eps) / (P(a) P(b))) / -log(P(a,b) + eps)``, probabilities the
    share of documents holding the term(s) (gensim's ``c_npmi`` with the whole headline as
    window). In [-1, 1]: 1 = the terms always co-occur, 0 = independent, -1 = never together.

    Args:
        topic_terms: per topic, its top terms (tokens as ``text.tokenize`` makes them).
        documents: the reference corpus, one token list per document.
    Returns:
        (k,) float64 coherence per topic; NaN for a topic with fewer than 2 terms known to the corpus.
    """
    wanted = sorted({t for terms in topic_terms for t in terms})
    column = {t: i for i, t in enumerate(wanted)}
    present = np.zeros((len(documents), len(wanted)), dtype=bool)
    for row, tokens in enumerate(documents):
        for token in tokens:
            index = column.get(token)
            if index is not None:
                present[row, index] = True
    n = max(len(documents), 1)
    p = present.sum(axis=0) / n
    out = np.full(len(topic_terms), np.nan)
    for k, terms in enumerate(topic_terms):
        idx = [column[t] for t in dict.fromkeys(terms) if p[column[t]] > 0]
        if len(idx) < 2:
            continue
        block = present[:, idx].astype(np.float64)
        joint = (block.T @ block) / n
        i, j = np.triu_indices(len(idx), k=1)
        pij = joint[i, j] + EPSILON
        out[k] = float(np.mean(np.log(pij / (p[idx][i] * p[idx][j])) / -np.log(pij)))
    return out


def topic_diversity(topic_terms: Sequence[Sequence[str]]) -> float:
    """Share of distinct terms among all topics' top terms (1 = no term repeats across topics)."""
    terms = [t for topic in topic_terms for t in topic]
    return len(set(terms)) / len(terms) if terms else float("nan")


def outlier_share(labels: np.ndarray) -> float:
    """Share of rows in the outlier topic (-1)."""
    labels = np.asarray(labels)
    return float((labels == OUTLIER).mean()) if len(labels) else float("nan")


def adjusted_mutual_info(labels_true: Sequence[object], labels_pred: Sequence[int], ignore_outliers: bool = False) -> float:
    """Adjusted mutual information between given topic labels and discovered topic ids.

    Args:
        labels_true: (n,) reference labels (any hashable values).
        labels_pred: (n,) discovered topic ids; -1 counts as one more cluster unless ``ignore_outliers``.
        ignore_outliers: score only the rows whose predicted topic is not -1.
    Returns:
        AMI in [-1, 1] (1 = same partition, ~0 = chance); NaN when no row is left.
    """
    from sklearn.metrics import adjusted_mutual_info_score

    true, pred = np.asarray(labels_true, dtype=object), np.asarray(labels_pred)
    if len(true) != len(pred):
        raise ValueError(f"{len(true)} reference labels for {len(pred)} predictions: give one label per row")
    if ignore_outliers:
        keep = pred != OUTLIER
        true, pred = true[keep], pred[keep]
    if len(true) == 0:
        return float("nan")
    return float(adjusted_mutual_info_score(true.astype(str), pred))
