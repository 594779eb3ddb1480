"""Rollback: production returns to the previous version and the next scoring run uses it."""

from __future__ import annotations

import numpy as np
import pytest

from jobs import ingest, score
from lam_models import catalog
from lam_models.adapters.producers import produce
from lam_models.registry.pointers import production_version, rollback
from lam_models.adapters.spark import task_threads
from lam_models.scoring.predict import SENTIMENT_COLUMNS, ScoringConfig, load_encoder, score_texts
from tests.integration.test_score import promote_untrained_version
from tests.lake_tables import read
from tests.records import good_news

pytestmark = pytest.mark.integration


def test_rollback_restores_the_previous_version_for_the_next_scoring_run(kafka_settings, spark):
    s = kafka_settings
    previous = promote_untrained_version(s, seed=0)
    current = promote_untrained_version(s, seed=1)
    produce(s, s.topics.news, good_news(8), progress=False)
    ingest.run("news", s)
    assert score.run(s).model_version == current

    rollback(s.registry_root, reason="candidate regressed")

    assert production_version(s.registry_root) == previous
    produce(s, s.topics.news, good_news(8, start=8), progress=False)
    ingest.run("news", s)
    after = score.run(s)
    assert after.model_version == previous and after.rows_out == 8
    silver = read(catalog.path(s.lake_root, "silver/news"))
    assert silver.groupby("model_version").size().to_dict() == {current: 8, previous: 8}
    rescored = silver[silver["model_version"] == previous].sort_values("id")
    encoder, names = load_encoder(ScoringConfig.from_settings(s, threads=task_threads(spark)))
    direct = score_texts(encoder, names, rescored["headline"].tolist())
    np.testing.assert_allclose(rescored[list(SENTIMENT_COLUMNS)].to_numpy(),
                               np.stack([direct[c] for c in SENTIMENT_COLUMNS], axis=1), atol=1e-5)
