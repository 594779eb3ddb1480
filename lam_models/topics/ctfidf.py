"""Class-based TF-IDF (c-TF-IDF, as BERTopic defines it): the terms that describe each topic.

All headlines of a topic are one "class document". A term's weight in class c is its frequency
in c, L1-normalised per class, times ``log(1 + A / f_t)``, where ``A`` is the average number of
words per class and ``f_t`` the term's frequency over all classes. The outlier class (-1) takes
part in ``A`` and ``f_t`` like in BERTopic, but gets no terms of its own.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import CountVectorizer

from lam_models.topics.text import tokenize


def term_counts(texts: Sequence[str], min_df: int = 2) -> tuple[sp.csr_matrix, np.ndarray]:
    """Document-term counts with the topic tokenizer.

    Returns:
        (n_docs, n_terms) int64 CSR counts, and the (n_terms,) vocabulary (str, sorted).
    """
    vectorizer = CountVectorizer(tokenizer=tokenize, lowercase=False, token_pattern=None, min_df=min_df)
    try:
        counts = vectorizer.fit_transform(list(texts))
    except ValueError:  # empty vocabulary: nothing to describe topics with
        return sp.csr_matrix((len(texts), 0), dtype=np.int64), np.array([], dtype=str)
    return counts.tocsr().astype(np.int64), vectorizer.get_feature_names_out()


def class_counts(counts: sp.csr_matrix, labels: np.ndarray, classes: np.ndarray) -> sp.csr_matrix:
    """Sum the document rows of each class.

    Args:
        counts: (n_docs, n_terms) document-term counts.
        labels: (n_docs,) int class of each document.
        classes: (k,) the classes, in the row order wanted.
    Returns:
        (k, n_terms) CSR term counts per class.
    """
    position = {int(c): i for i, c in enumerate(classes)}
    rows = np.array([position.get(int(label), -1) for label in labels], dtype=np.int64)
    keep = rows >= 0
    indicator = sp.csr_matrix((np.ones(int(keep.sum())), (rows[keep], np.flatnonzero(keep))), shape=(len(classes), len(labels)))
    return (indicator @ counts).tocsr()


def ctfidf(per_class: sp.csr_matrix) -> sp.csr_matrix:
    """c-TF-IDF weights of a (k, n_terms) class-term count matrix (same shape, float64)."""
    per_class = sp.csr_matrix(per_class, dtype=np.float64)
    frequency = np.asarray(per_class.sum(axis=0)).ravel()
    average_words = max(int(np.asarray(per_class.sum(axis=1)).mean()) if per_class.shape[0] else 0, 1)
    idf = np.log(average_words / np.maximum(frequency, 1e-12) + 1.0)
    row_sums = np.asarray(per_class.sum(axis=1)).ravel()
    tf = sp.diags(1.0 / np.maximum(row_sums, 1e-12)) @ per_class
    return (tf @ sp.diags(idf)).tocsr()


def top_terms(weights: sp.csr_matrix, vocabulary: np.ndarray, n: int) -> list[list[str]]:
    """The ``n`` highest-weighted terms of each row (ties broken by vocabulary order); zero weights are skipped."""
    out: list[list[str]] = []
    for row in range(weights.shape[0]):
        start, stop = weights.indptr[row], weights.indptr[row + 1]
        values, columns = weights.data[start:stop], weights.indices[start:stop]
        order = np.lexsort((columns, -values))[:n]
        out.append([str(vocabulary[columns[i]]) for i in order if values[i] > 0])
    return out


def topic_terms(texts: Sequence[str], labels: np.ndarray, topics: np.ndarray, n: int) -> list[list[str]]:
    """Top c-TF-IDF terms of each of ``topics`` (in that order), the outlier class included in the statistics.

    Args:
        texts: (n_docs,) headlines.
        labels: (n_docs,) int topic of each headline (-1 = outlier).
        topics: (k,) the topics to describe.
    """
    counts, vocabulary = term_counts(texts)
    classes = np.concatenate([np.asarray(topics, dtype=np.int64), [-1]])
    weights = ctfidf(class_counts(counts, np.asarray(labels), classes))
    return top_terms(weights[: len(topics)], vocabulary, n)
