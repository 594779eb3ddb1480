"""The scoring job writes ``topic_id`` / ``topic_prob`` beside sentiment, from the production topic model."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pandas as pd
import pytest

from jobs import ingest, score
from lam_models import catalog
from lam_models.adapters.producers import produce
from lam_models.adapters.spark import task_threads
from lam_models.scoring.predict import ScoringConfig, load_encoder, load_topics, score_texts
from lam_models.topics import TopicConfig, TopicModel
from lam_models.topics.store import save_model
from tests.lake_tables import read
from tests.records import DAY0, encode

pytestmark = pytest.mark.integration

HEADLINES = ("Agilent beats estimates on strong demand for lab tools", "Barrick Gold to acquire Equinox Minerals in cash deal",
             "Morgan Stanley downgrades Apple to equal-weight on valuation", "Regulator opens probe into bank lending practices",
             "Shares up", "苹果 股价 今天 大涨 百分之五")


def news(start: int, n: int) -> list[tuple[bytes, bytes, int]]:
    out = []
    for i in range(start, start + n):
        when = DAY0 + timedelta(hours=i)
        record = {"schema_version": 1, "id": f"topic-{i}", "tickers": ["AAPL"], "headline": HEADLINES[i % len(HEADLINES)],
                  "published_at": when.isoformat(), "source": "test"}
        out.append((b"AAPL", encode(record), int(when.timestamp() * 1000)))
    return out


def silver(settings) -> pd.DataFrame:
    return read(catalog.path(settings.lake_root, "silver/news")).sort_values("id").reset_index(drop=True)


def test_score_writes_topic_columns_equal_to_direct_call(kafka_settings, spark):
    s = kafka_settings
    produce(s, s.topics.news, news(0, 12), progress=False)
    ingest.run("news", s)
    score.run(s)
    before = silver(s)
    assert (before["topic_id"] == -1).all() and (before["topic_prob"] == 0).all(), "no topic model yet: -1 and 0"

    first = before.drop_duplicates("headline").set_index("headline").loc[list(HEADLINES[:4])]
    model = TopicModel(np.array([3, 5, 8, 13]), np.stack(first["embedding"].to_numpy()).astype(np.float32),
                       np.ones(4, dtype=np.int64), [["t"]] * 4, [["e"]] * 4, 14, TopicConfig())
    version = save_model(s.registry_root, model, data_hash="test", make_production=True)
    produce(s, s.topics.news, news(100, 12), progress=False)
    ingest.run("news", s)
    assert score.run(s).rows_out == 12

    after = silver(s)
    new = after[~after["id"].isin(before["id"])].reset_index(drop=True)
    assert new["topic_id"].dtype == np.int32 and new["topic_prob"].dtype == np.float32
    by_text = dict(zip(new["headline"], new["topic_id"], strict=True))
    assert [by_text[h] for h in HEADLINES] == [3, 5, 8, 13, -1, -1]
    config = ScoringConfig.from_settings(s, threads=task_threads(spark))
    assert config.topics_version == version
    encoder, labels = load_encoder(config)
    direct = score_texts(encoder, labels, new["headline"].tolist(), load_topics(config))
    assert new["topic_id"].tolist() == direct["topic_id"].tolist()
    np.testing.assert_allclose(new["topic_prob"], direct["topic_prob"], atol=1e-5)
    assert (new.loc[new["topic_id"] >= 0, "topic_prob"] > 0.25).all()
