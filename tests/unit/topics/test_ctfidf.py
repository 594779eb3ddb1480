"""c-TF-IDF as BERTopic defines it: L1 term frequency per class times log(1 + A / f_t)."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from lam_models.topics.ctfidf import class_counts, ctfidf, term_counts, top_terms, topic_terms


def test_weights_equal_bertopic_class_tfidf_transformer():
    """Reference values: bertopic 0.17.4 ``ClassTfidfTransformer().fit_transform`` of the same counts."""
    counts = sp.csr_matrix(np.array([[3, 0, 1, 2], [0, 4, 1, 0], [1, 1, 1, 1]]))
    expected = np.array([[0.40546511, 0.0, 0.16347154, 0.32694308],
                         [0.0, 0.55451774, 0.19616585, 0.0],
                         [0.20273255, 0.1732868, 0.24520731, 0.24520731]])
    np.testing.assert_allclose(ctfidf(counts).toarray(), expected, atol=1e-8)


def test_formula_by_hand():
    counts = np.array([[2.0, 2.0], [0.0, 4.0]])
    average_words = 4  # (4 + 4) / 2
    frequency = counts.sum(axis=0)
    expected = counts / counts.sum(axis=1, keepdims=True) * np.log(1 + average_words / frequency)
    np.testing.assert_allclose(ctfidf(sp.csr_matrix(counts)).toarray(), expected)


def test_class_counts_sum_documents_of_each_class_in_the_given_order():
    counts = sp.csr_matrix(np.array([[1, 0], [0, 2], [3, 0]]))
    per_class = class_counts(counts, np.array([5, -1, 5]), np.array([-1, 5])).toarray()
    assert per_class.tolist() == [[0, 2], [4, 0]]


def test_top_terms_rank_by_weight_skip_zeros_and_break_ties_by_vocabulary():
    weights = sp.csr_matrix(np.array([[0.1, 0.5, 0.5, 0.0], [0.0, 0.0, 0.0, 0.0]]))
    assert top_terms(weights, np.array(["a", "b", "c", "d"]), 3) == [["b", "c", "a"], []]


def test_topic_terms_describe_each_topic_by_its_own_words(four_topics):
    texts, _, truth, _ = four_topics
    terms = topic_terms(texts, truth, np.array([0, 1, 2, 3]), 5)
    assert set(terms[1]) <= {"merger", "acquire", "deal", "buyout", "takeover", "bid"}
    assert set(terms[3]) <= {"lawsuit", "regulator", "probe", "fine", "court", "settlement"}
    assert all(len(t) == 5 for t in terms)


def test_empty_vocabulary_gives_no_terms_and_no_error():
    counts, vocabulary = term_counts(["", "a", "!!"])
    assert counts.shape == (3, 0) and len(vocabulary) == 0
    assert topic_terms(["", "?"], np.array([0, 0]), np.array([0]), 5) == [[]]
