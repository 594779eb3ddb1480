"""The protocol runner on the tiny world: every model, every metric, restricted candidates."""

from __future__ import annotations

import numpy as np

from lam_models.recsys.config import RecsysConfig
from lam_models.recsys.evaluate import MODELS, run_protocol


def test_run_protocol_reports_every_metric_for_every_model(world: dict, tiny_config: RecsysConfig) -> None:
    events, items, emb, cold = world["events"], world["items"], world["emb"], world["cold"]
    train = events.groupby("user_id").head(6)
    test = events.drop(train.index)
    config = tiny_config.update(max_epochs=5, validation_fraction=0.0, k=3)
    result = run_protocol(train, test, items, emb, config, np.setdiff1d(items["item_id"], cold))
    assert set(result) == set(MODELS)
    for metrics in result.values():
        for key in ("precision", "recall", "ndcg", "map", "auc", "coverage", "diversity", "fit_seconds", "rank_seconds"):
            assert np.isfinite(metrics[key]), key
        assert 0.0 <= metrics["coverage"] <= 1.0
    assert result["popularity"]["coverage"] <= result["hybrid"]["coverage"]
