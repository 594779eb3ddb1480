"""The labels table: dedup by text hash, latest label wins, idempotent landing, label maps, schema checks."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest

from lam_models.continual import labels
from lam_models.continual.config import ContinualConfig
from lam_models.continual.loop import load_new_labels
from lam_models.sentiment.data import DataError
from lam_models.settings import Settings


def record(id_: str, text: str, label: str, ts: str, source: str = "analyst:test") -> dict:
    return {"schema_version": 1, "id": id_, "text": text, "label": label, "source": source, "ts": ts}


def test_same_text_lands_once_latest_label_wins_and_rerun_changes_nothing(tmp_path: Path) -> None:
    first = [record("a", "Profit rose  sharply .", "positive", "2026-01-01T09:00:00+00:00"),
             record("b", "Profit rose sharply .", "neutral", "2026-01-02T09:00:00+00:00"),  # same text, respaced
             record("c", "Sales fell .", "negative", "2026-01-01T09:00:00+00:00")]
    result = labels.land(tmp_path, labels.frame_from_records(first))
    assert (result.new, result.updated, len(result.table)) == (2, 0, 2)
    table = labels.read_table(tmp_path).set_index("text")
    assert table.loc["Profit rose sharply .", "label"] == "neutral" and table.loc["Profit rose sharply .", "id"] == "b"
    stamp = os.stat(labels.table_path(tmp_path)).st_mtime_ns

    again = labels.land(tmp_path, labels.frame_from_records(first))
    assert (again.new, again.updated, again.unchanged) == (0, 0, 2)
    assert os.stat(labels.table_path(tmp_path)).st_mtime_ns == stamp, "a rerun does not rewrite the table"

    later = labels.land(tmp_path, labels.frame_from_records([
        record("d", "Sales fell .", "neutral", "2026-01-05T09:00:00+00:00"),      # newer correction
        record("e", "Profit rose sharply .", "negative", "2025-12-01T09:00:00+00:00")]))  # older: stale
    assert (later.updated, later.stale) == (1, 1)
    table = labels.read_table(tmp_path).set_index("text")
    assert table["label"].to_dict() == {"Profit rose sharply .": "neutral", "Sales fell .": "neutral"}
    assert labels.count_since(tmp_path, datetime(2026, 1, 2, tzinfo=UTC)) == 2
    assert labels.count_since(tmp_path, datetime(2026, 1, 3, tzinfo=UTC)) == 1


def test_the_continual_round_reads_the_landed_table(tmp_path: Path) -> None:
    labels.land(tmp_path / "lake", labels.frame_from_records(
        [record(str(i), f"Orders grew {i} % .", ["negative", "neutral", "positive"][i % 3], "2026-01-01T00:00:00Z") for i in range(9)]))
    settings = Settings(home=tmp_path / "home", lake_root=tmp_path / "lake")
    data = load_new_labels(settings, ContinualConfig())
    assert data is not None and len(data) == 9 and data.counts() == {"negative": 3, "neutral": 3, "positive": 3}


def test_file_records_map_labels_and_replay_with_stable_ids(tmp_path: Path) -> None:
    path = tmp_path / "desk.csv"
    pd.DataFrame({"headline": ["Guidance raised again", "Guidance cut", "Board meets"],
                  "sentiment": ["bullish", "down", "flat"]}).to_csv(path, index=False)
    mapping = labels.parse_label_map("down=negative, flat=neutral")
    records = labels.records_from_file(path, mapping)
    labels.check_records(records)
    assert [r["label"] for r in records] == ["positive", "negative", "neutral"]
    assert {r["source"] for r in records} == {"file:desk.csv"}
    assert [r["id"] for r in labels.records_from_file(path, mapping)] == [r["id"] for r in records], "replay = same ids"
    with pytest.raises(DataError, match="unknown label 'down'"):
        labels.records_from_file(path, {})


def test_label_map_parsing_and_schema_errors_are_clear() -> None:
    assert labels.parse_label_map('{"up": "positive"}') == {"up": "positive"}
    assert labels.parse_label_map(None) == {}
    with pytest.raises(ValueError, match="not raw=label"):
        labels.parse_label_map("bearish")
    with pytest.raises(ValueError, match="not model labels"):
        labels.parse_label_map("bearish=sell")
    bad = [record("a", "ok text", "positive", "2026-01-01T00:00:00Z"), record("b", "x" * 1001, "positive", "2026-01-01T00:00:00Z")]
    with pytest.raises(ValueError, match="1 of 2 label rows break schemas/labels.json.*row 1"):
        labels.check_records(bad)
