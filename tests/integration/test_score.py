"""Scoring on real Spark: one unit-norm 384-d vector per headline, equal to a direct encoder call."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from jobs import ingest, score
from lam_models.adapters.lake import table_dir
from lam_models.adapters.producers import produce
from lam_models.scoring.predict import ScoringConfig, load_encoder
from tests.records import good_news

pytestmark = pytest.mark.integration


def test_score_writes_unit_vectors_equal_to_direct_call(kafka_settings, spark):
    s = kafka_settings
    produce(s, s.topics.news, good_news(24), progress=False)
    ingest.run("news", s)

    result = score.run(s)

    silver = pd.read_parquet(table_dir(s.lake_root, "silver/news")).sort_values("id").reset_index(drop=True)
    assert result.rows_out == 24 and len(silver) == 24 and silver["id"].is_unique
    vectors = np.stack(silver["embedding"].to_numpy())
    assert vectors.shape == (24, 384)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    direct = load_encoder(ScoringConfig.from_settings(s.model, threads=1)).encode(silver["headline"].tolist())
    np.testing.assert_allclose(vectors, direct.embeddings, atol=1e-5)
    assert score.run(s).rows_out == 0, "scored files are not scored again"
