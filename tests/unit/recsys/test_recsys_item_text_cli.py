"""``lam train item-text``: a catalogue CSV and an interactions CSV in, an encoder folder the recommender can name out."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
from typer.testing import CliRunner

from lam_models.cli import app
from lam_models.recsys.text_finetune import MARKER
from lam_models.settings import get_settings


def invoke(monkeypatch, tmp_path: Path, catalogue: Path, *args: str):
    monkeypatch.setenv("LAM_RECSYS_CATALOG", str(catalogue))
    monkeypatch.setenv("LAM_HOME", str(tmp_path / "home"))
    get_settings.cache_clear()
    try:
        return CliRunner().invoke(app, ["train", "item-text", *args])
    finally:
        get_settings.cache_clear()


def test_item_text_encoder_trains_from_files_and_bad_input_is_one_clear_error(monkeypatch, tmp_path: Path) -> None:
    catalogue = tmp_path / "items.csv"
    pd.DataFrame({"item_id": range(12), "title": [f"Film {w}" for w in "abcdefghijkl"], "genres": ["Drama|War"] * 6 + ["Comedy"] * 6,
                  "year": [1990] * 12}).to_csv(catalogue, index=False)
    events = tmp_path / "events.csv"
    pd.DataFrame([(u, i) for u in range(20) for i in (range(6) if u < 10 else range(6, 12))], columns=["user_id", "item_id"]).to_csv(events, index=False)
    out = tmp_path / "encoder"
    result = invoke(monkeypatch, tmp_path, catalogue, "--out", str(out), "--events", str(events), "--epochs", "1")
    assert result.exit_code == 0, result.output
    assert json.loads((out / MARKER).read_text())["anchors"] == 12
    assert "LAM_RECSYS__ITEM_TEXT_MODEL=" in result.output
    bad = tmp_path / "bad.csv"
    pd.DataFrame({"user": [1], "item_id": [1]}).to_csv(bad, index=False)
    refused = invoke(monkeypatch, tmp_path, catalogue, "--out", str(tmp_path / "other"), "--events", str(bad))
    assert refused.exit_code == 2 and "need user_id,item_id" in refused.output
    assert not (tmp_path / "other").exists()
