"""Topic discovery on the real Benzinga headlines: quality floors and stable ids across two nights.

Embeddings come from the shared cache in ~/.cache/lam-pipelines/test-cache (the scoring encoder,
about 2-4 minutes to build once on 2 cores). Night 1 is the oldest 90% of headlines; night 2 adds
the newest 10%. Figures of the full run (and BERTopic beside it) are in bench/results/topics.json.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from lam_models.datasets import fetch, read_benzinga
from lam_models.recsys.item_text import embed_texts_cached
from lam_models.topics import TopicConfig, fit, npmi_coherence
from lam_models.topics.text import token_lists

pytestmark = pytest.mark.slow
CONFIG = TopicConfig()


@pytest.fixture(scope="module")
def headlines(data_dir: Path) -> tuple[list[str], np.ndarray]:
    rows = [h for h in read_benzinga(fetch("benzinga", data_dir)) if h.reject_reason is None]
    frame = pd.DataFrame({"id": [h.id for h in rows], "text": [h.title for h in rows],
                          "at": pd.to_datetime([h.date for h in rows], utc=True)}).sort_values(["at", "id"], kind="stable")
    texts = frame["text"].tolist()
    return texts, embed_texts_cached(texts)


@pytest.fixture(scope="module")
def night1(headlines):
    texts, vectors = headlines
    n = int(len(texts) * 0.9)
    model, assigned = fit(texts[:n], vectors[:n], CONFIG)
    return n, model, assigned


def test_topics_are_many_coherent_and_few_headlines_are_outliers(headlines, night1):
    texts, _ = headlines
    n, model, _ = night1
    coherence = npmi_coherence(model.terms, token_lists(texts[:n]))
    assert model.n_topics >= 30
    assert model.stats["outlier_share"] <= 0.15
    assert np.nanmean(coherence) >= 0.12


def test_rerun_on_the_same_data_gives_identical_ids(headlines, night1):
    texts, vectors = headlines
    n, model, assigned = night1
    again, assigned_again = fit(texts[:n], vectors[:n], CONFIG)
    assert again.topic_ids.tolist() == model.topic_ids.tolist() and (assigned_again == assigned).all()


def test_second_night_with_ten_percent_new_headlines_keeps_95_percent_of_ids(headlines, night1):
    texts, vectors = headlines
    n, model, assigned = night1
    night2, assigned2 = fit(texts, vectors, CONFIG, previous=model)
    assert (assigned2[:n] == assigned).mean() >= 0.95
    assert set(model.topic_ids.tolist()) - set(night2.topic_ids.tolist()) == set(night2.history[-1]["retired"])
    assert min(night2.history[-1]["new"], default=model.next_id) >= model.next_id, "new topics never reuse ids"
