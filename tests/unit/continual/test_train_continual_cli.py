"""``lam train continual``: a candidate trained on label-flipped data is refused by the gate; production stays."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from typer.testing import CliRunner

from lam_models.cli import app
from lam_models.registry.pointers import production_version, promote
from lam_models.registry.store import list_versions, read_json
from lam_models.sentiment import api
from lam_models.sentiment.config import TrainConfig
from lam_models.settings import Settings, get_settings

FAST = dict(num_layers=1, batch_size=8, max_seq_length=32, num_threads=1, progress=False, learning_rate=1e-3,
            class_weights="none", patience=0)


def run_cli(monkeypatch, tmp_path: Path, *args: str):
    for key, value in {"LAM_HOME": tmp_path / "home", "LAM_REGISTRY_ROOT": tmp_path / "registry",
                       "LAM_LAKE_ROOT": tmp_path / "lake", "LAM_CONTINUAL__REPLAY_SIZE": "0",
                       "LAM_CONTINUAL__L2SP_WEIGHT": "0", "LAM_CONTINUAL__MIN_NEW_LABELS": "10",
                       "LAM_CONTINUAL__LABEL_MAP": '{"up": "positive", "down": "negative", "flat": "neutral"}'}.items():
        monkeypatch.setenv(key, str(value))
    get_settings.cache_clear()
    try:
        return CliRunner().invoke(app, list(args))
    finally:
        get_settings.cache_clear()


def test_label_flipped_candidate_is_refused_and_production_stays(monkeypatch, tmp_path: Path, tiny_csv: Path) -> None:
    base = Settings(home=tmp_path / "home", registry_root=tmp_path / "registry")
    production = api.train_sentiment(TrainConfig(dataset=str(tiny_csv), epochs=8, **FAST), base)
    promote(base.registry_root, production)
    learned = read_json(base.registry_root, production, "metrics.json")["test"]["accuracy"]
    assert learned >= 0.9, f"production must know task 1 for forgetting to show (test accuracy {learned})"

    rows = pd.read_csv(tiny_csv)
    flipped = rows.assign(sentence=rows["sentence"].str.replace(" .", " this quarter .", regex=False),
                          sentiment=rows["sentiment"].map({"positive": "down", "negative": "up", "neutral": "flat"}))
    path = tmp_path / "flipped.csv"
    flipped.to_csv(path, index=False)

    result = run_cli(monkeypatch, tmp_path, "train", "continual", "--data", str(path), "--budget", "24")

    assert result.exit_code == 1, result.output
    assert "GATE: reject" in result.output and "forgets earlier tasks" in result.output
    assert production_version(base.registry_root) == production, "production stays"
    candidate = [v.version_id for v in list_versions(base.registry_root) if v.version_id != production]
    assert len(candidate) == 1
    record = read_json(base.registry_root, candidate[0], "continual.json")
    assert record["verdict"] == "reject" and record["bwt"] < -0.3
    assert record["candidate_accuracy"][1] > record["production_accuracy"][1], "it did learn the (flipped) new task"
