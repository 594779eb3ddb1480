"""Stable ids: clusters take the ids of the old topics they match; new ones get fresh, never reused ids."""

from __future__ import annotations

import numpy as np

from lam_models.topics.matching import assign_ids, match_centroids


def unit(rows: list[list[float]]) -> np.ndarray:
    a = np.asarray(rows, dtype=np.float32)
    return a / np.linalg.norm(a, axis=1, keepdims=True)


OLD = unit([[1, 0, 0], [0, 1, 0], [0, 0, 1]])
OLD_IDS = np.array([4, 9, 2])


def test_same_centroids_keep_their_ids_in_any_order():
    new = OLD[[2, 0, 1]]
    mapping = assign_ids(new, OLD_IDS, OLD, next_id=10, threshold=0.8)
    assert mapping.ids.tolist() == [2, 4, 9] and mapping.new == [] and mapping.retired == []
    assert mapping.next_id == 10 and np.allclose(mapping.similarity, 1.0)


def test_unmatched_clusters_get_fresh_ids_and_unmatched_topics_retire():
    new = unit([[1, 0.1, 0], [1, 1, 1], [0, 0, 1]])
    mapping = assign_ids(new, OLD_IDS, OLD, next_id=10, threshold=0.9)
    assert mapping.ids.tolist() == [4, 10, 2]
    assert mapping.new == [10] and mapping.retired == [9] and mapping.next_id == 11
    assert np.isnan(mapping.similarity[1])


def test_matching_is_one_to_one_and_maximises_total_similarity():
    new = unit([[1, 0.05, 0], [1, 0.2, 0]])
    pairs = match_centroids(OLD[:1], new, threshold=0.5)
    assert len(pairs) == 1 and pairs[0][:2] == (0, 0)


def test_threshold_is_a_setting():
    new = unit([[1, 1, 0]])  # cosine 0.707 to two old topics
    assert assign_ids(new, OLD_IDS, OLD, 10, threshold=0.7).ids.tolist() in ([4], [9])
    assert assign_ids(new, OLD_IDS, OLD, 10, threshold=0.75).ids.tolist() == [10]


def test_first_run_numbers_from_zero():
    mapping = assign_ids(OLD, np.zeros(0, dtype=np.int64), np.zeros((0, 3), np.float32), next_id=0, threshold=0.8)
    assert mapping.ids.tolist() == [0, 1, 2] and mapping.next_id == 3 and mapping.retired == []


def test_retired_ids_are_never_reused():
    first = assign_ids(OLD[:1], OLD_IDS, OLD, next_id=10, threshold=0.9)
    second = assign_ids(unit([[0, 1, 0]]), first.ids, OLD[:1], first.next_id, threshold=0.9)
    assert second.ids.tolist() == [10] and 9 not in second.ids and 2 not in second.ids
