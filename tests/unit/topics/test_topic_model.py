"""Fit, stable ids across nights, and assignment of new headlines on synthetic topic blobs."""

from __future__ import annotations

import numpy as np
import pytest

from lam_models.topics import TopicConfig, adjusted_mutual_info, empty_model, fit
from lam_models.topics.store import config_from_saved
from tests.unit.topics.conftest import blobs

CONFIG = TopicConfig(reduce_dims=16, min_cluster_size=10, min_samples=5)


def test_fit_finds_the_topics_with_their_terms_and_examples(four_topics):
    texts, vectors, truth, _ = four_topics
    model, assigned = fit(texts, vectors, CONFIG)
    assert model.n_topics == 4 and model.topic_ids.tolist() == [0, 1, 2, 3]
    assert adjusted_mutual_info(truth, assigned) == pytest.approx(1.0)
    assert model.sizes.sum() == len(texts) and model.stats["outlier_share"] == 0.0
    assert all(len(t) == CONFIG.top_terms or len(t) > 3 for t in model.terms)
    assert all(len(e) == 3 and len(set(e)) == 3 for e in model.examples)
    np.testing.assert_allclose(np.linalg.norm(model.centroids, axis=1), 1.0, atol=1e-5)
    assert model.table().columns.tolist() == ["topic_id", "size", "terms", "examples"]


def test_rerun_on_the_same_data_gives_identical_ids(four_topics):
    texts, vectors, _, _ = four_topics
    first, a = fit(texts, vectors, CONFIG)
    again, b = fit(texts, vectors, CONFIG)
    assert first.topic_ids.tolist() == again.topic_ids.tolist() and a.tolist() == b.tolist()
    refit, c = fit(texts, vectors, CONFIG, previous=first)
    assert refit.topic_ids.tolist() == first.topic_ids.tolist() and c.tolist() == a.tolist()
    assert refit.history[-1]["new"] == [] and refit.history[-1]["retired"] == []
    assert all(s == pytest.approx(1.0, abs=1e-5) for s in refit.history[-1]["matched"].values())


def test_second_night_with_new_headlines_keeps_ids_and_adds_a_topic():
    texts, vectors, _, centers = blobs(60, topics=4, seed=1)
    night1, first = fit(texts, vectors, CONFIG)
    more_texts, more_vectors, _, _ = blobs(6, topics=4, seed=2, centers=centers)  # 10% more of the old topics
    rng = np.random.default_rng(3)
    fresh_center = rng.normal(size=(1, 384))
    fresh_texts, fresh_vectors, _, _ = blobs(20, topics=1, seed=4, centers=fresh_center / np.linalg.norm(fresh_center))
    night2, second = fit(texts + more_texts + fresh_texts, np.vstack([vectors, more_vectors, fresh_vectors]), CONFIG,
                         previous=night1)
    kept = (second[: len(texts)] == first).mean()
    assert kept >= 0.95
    assert set(night1.topic_ids) <= set(night2.topic_ids), "nothing is renumbered"
    assert night2.history[-1]["new"] == [4] and night2.next_id == 5
    assert set(second[-20:].tolist()) == {4}


def test_topics_that_move_slowly_keep_their_id_with_a_blended_centroid(four_topics):
    texts, vectors, _, _ = four_topics
    first, _ = fit(texts, vectors, CONFIG)
    shifted = vectors + 0.3 * first.centroids[0]
    shifted /= np.linalg.norm(shifted, axis=1, keepdims=True)
    second, _ = fit(texts, shifted.astype(np.float32), CONFIG, previous=first)
    assert second.topic_ids.tolist() == first.topic_ids.tolist()


def test_bad_headlines_are_outliers_with_probability_zero(four_topics):
    texts, vectors, _, _ = four_topics
    model, _ = fit(texts, vectors, CONFIG)
    bad = ["", "Buy", "苹果 股价 今天 大涨 百分之五", "Las acciones de Apple suben por las ventas en China", None]
    ids, probs = model.assign(bad, vectors[: len(bad)])
    assert ids.tolist() == [-1] * 5 and probs.tolist() == [0.0] * 5


def test_far_headlines_are_outliers_and_near_ones_get_a_probability(four_topics):
    texts, vectors, _, _ = four_topics
    model, _ = fit(texts, vectors, CONFIG)
    far = -model.centroids.sum(axis=0, keepdims=True)
    ids, probs = model.assign(["Completely Unrelated Words Here", texts[0]], np.vstack([far / np.linalg.norm(far), vectors[:1]]))
    assert ids[0] == -1 and ids[1] == model.topic_ids[0]
    assert probs.dtype == np.float32 and 0.5 < probs[1] <= 1.0


def test_tiny_or_empty_inputs_give_a_model_without_topics():
    texts, vectors, _, _ = blobs(3, topics=1)
    model, assigned = fit(texts, vectors, CONFIG)
    assert model.n_topics == 0 and assigned.tolist() == [-1, -1, -1]
    model, assigned = fit([], np.zeros((0, 384), np.float32), CONFIG)
    assert model.n_topics == 0 and len(assigned) == 0
    ids, probs = empty_model(CONFIG).assign(["Apple beats estimates again"], vectors[:1])
    assert ids.tolist() == [-1] and probs.tolist() == [0.0]


def test_kmeans_clusterer_is_an_option(four_topics):
    texts, vectors, truth, _ = four_topics
    model, assigned = fit(texts, vectors, TopicConfig(reduce_dims=16, clusterer="kmeans", n_topics=4))
    assert model.n_topics == 4 and adjusted_mutual_info(truth, assigned) == pytest.approx(1.0)


def test_misaligned_inputs_are_refused():
    with pytest.raises(ValueError, match="one embedding row per text"):
        fit(["a b c"], np.zeros((2, 384), np.float32), CONFIG)


def test_config_is_validated():
    with pytest.raises(ValueError, match="match_threshold"):
        TopicConfig(match_threshold=1.5)
    with pytest.raises(ValueError, match="unknown"):
        TopicConfig(unknown=1)
    assert config_from_saved({**TopicConfig().model_dump(mode="json"), "unknown": 1}) == TopicConfig()
