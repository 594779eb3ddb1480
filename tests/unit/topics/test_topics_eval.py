"""AMI of the unsupervised topic model against a labelled ``text,category`` file, through the scoring encoder."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from lam_models.cli import app
from lam_models.cli import topics as topics_cli
from lam_models.cli.topics import unsupervised_report
from lam_models.scoring.predict import ScoringConfig, load_encoder, score_texts
from lam_models.topics import TopicConfig, TopicModel
from lam_models.topics.evaluate import agreement
from lam_models.topics.store import save_model

ROWS = [("Agilent beats quarterly estimates on strong demand", "earnings"),
        ("Agilent tops quarterly estimates as demand stays strong", "earnings"),
        ("Barrick Gold agrees to acquire Equinox Minerals in a cash deal", "m&a"),
        ("Barrick Gold to buy Equinox Minerals for cash", "m&a"),
        ("Regulator opens probe into bank lending practices", "legal"),
        ("Regulators launch investigation of bank lending practices", "legal")]


def eval_topics(monkeypatch, settings, path):
    """``lam eval topics --data PATH`` under ``settings``."""
    monkeypatch.setattr(topics_cli, "settings", lambda: settings)
    return CliRunner().invoke(app, ["eval", "topics", "--data", str(path)])


def test_no_topic_model_gives_no_report(monkeypatch, settings, tmp_path):
    path = tmp_path / "labels.csv"
    pd.DataFrame(ROWS, columns=["text", "topic"]).to_csv(path, index=False)
    assert unsupervised_report(settings, path, None, None) is None
    result = eval_topics(monkeypatch, settings, path)
    assert result.exit_code == 2 and "lam topics fit" in result.output


def test_ami_is_one_when_topics_match_the_labels(monkeypatch, settings, tmp_path):
    config = ScoringConfig.from_settings(settings, threads=1)
    encoder, labels = load_encoder(config)
    anchors = score_texts(encoder, labels, [ROWS[0][0], ROWS[2][0], ROWS[4][0]])["embedding"]
    model = TopicModel(np.array([10, 20, 30]), anchors, np.ones(3, dtype=np.int64), [["t"]] * 3, [["e"]] * 3, 31,
                       TopicConfig(assign_threshold=0.3))
    save_model(settings.registry_root, model, data_hash="test", make_production=True)
    path = tmp_path / "labels.csv"
    pd.DataFrame(ROWS, columns=["text", "topic"]).to_csv(path, index=False)

    report = unsupervised_report(settings, path, None, None)

    assert report["rows"] == 6 and report["outlier_share"] == 0.0 and report["topics_used"] == 3
    assert report["ami"] == pytest.approx(1.0) and report["topic_model"] is not None
    result = eval_topics(monkeypatch, settings, path)  # the AMI only: the category head is `lam eval categories`
    assert result.exit_code == 0 and "AMI 1.0000" in result.output and "macro-F1" not in result.output, result.output


def test_agreement_counts_outliers_as_one_cluster_or_leaves_them_out():
    out = agreement(["a", "a", "b", "b"], np.array([1, -1, 2, 2]))
    assert out["outlier_share"] == 0.25 and out["ami_without_outliers"] == pytest.approx(1.0) and out["ami"] < 1.0
