"""Topic models in the registry: .npz + JSON, verified on load, production pointer of their own."""

from __future__ import annotations

import json

import numpy as np
import pytest

from lam_models.registry.pointers import production_version
from lam_models.registry.store import RegistryError, versions_dir
from lam_models.topics import TopicConfig, fit
from lam_models.topics.config import MODEL_NAME
from lam_models.topics.store import current_version, data_hash, latest_version, load_model, save_model
from tests.unit.test_no_pickle import pickle_like_files

CONFIG = TopicConfig(reduce_dims=16, min_cluster_size=10)


def test_round_trip_and_production(tmp_path, four_topics):
    texts, vectors, _, _ = four_topics
    model, assigned = fit(texts, vectors, CONFIG, embedding_version="base:test")
    assert latest_version(tmp_path) is None and current_version(tmp_path) is None
    version = save_model(tmp_path, model, data_hash=data_hash(range(len(texts))), make_production=True)
    assert production_version(tmp_path, MODEL_NAME) == version == current_version(tmp_path) == latest_version(tmp_path)
    loaded = load_model(tmp_path, version)
    assert loaded.topic_ids.tolist() == model.topic_ids.tolist() and loaded.terms == model.terms
    assert loaded.examples == model.examples and loaded.next_id == model.next_id and loaded.config == CONFIG
    assert loaded.embedding_version == "base:test" and loaded.history == model.history
    np.testing.assert_array_equal(loaded.centroids, model.centroids)
    assert loaded.assign(texts, vectors)[0].tolist() == assigned.tolist()
    folder = versions_dir(tmp_path, MODEL_NAME) / version
    assert {p.name for p in folder.iterdir()} >= {"centroids.npz", "topics.json", "config.json", "MANIFEST.json"}
    assert pickle_like_files(folder) == []
    assert json.loads((folder / "version.json").read_text())["topics"] == 4


def test_a_damaged_version_is_refused(tmp_path, four_topics):
    texts, vectors, _, _ = four_topics
    version = save_model(tmp_path, fit(texts, vectors, CONFIG)[0], data_hash="x")
    (versions_dir(tmp_path, MODEL_NAME) / version / "topics.json").write_text("{}")
    with pytest.raises(RegistryError, match="corrupt"):
        load_model(tmp_path, version)


def test_the_sentiment_registry_is_untouched(tmp_path, four_topics):
    texts, vectors, _, _ = four_topics
    save_model(tmp_path, fit(texts, vectors, CONFIG)[0], data_hash="x", make_production=True)
    assert production_version(tmp_path) is None and not (tmp_path / "sentiment").exists()
