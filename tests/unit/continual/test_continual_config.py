"""ContinualConfig validation, its settings section, and reading new labels from the lake table."""

from __future__ import annotations

from pathlib import Path

import pytest

from lam_models.continual.config import ContinualConfig
from lam_models.continual.loop import load_new_labels, snapshot_labels
from lam_models.settings import Settings


def test_defaults_budget_and_section_round_trip() -> None:
    cfg = ContinualConfig()
    assert cfg.default_budget is None and cfg.max_steps(None, epochs_steps=960) == 960, "by data size when no budget"
    assert ContinualConfig(default_budget=100).max_steps(None, 960) == 100 and ContinualConfig(steps_per_budget=2.5).max_steps(4, 960) == 10
    assert Settings().continual == cfg
    assert Settings(continual={"replay_size": 7}).continual == cfg.update(replay_size=7)


@pytest.mark.parametrize("bad", [dict(replay_size=-1), dict(replay_strategy="fifo"), dict(steps_per_budget=0), dict(default_budget=0),
                                 dict(max_bwt_drop_points=-1), dict(embedding_alpha=1.5), dict(min_new_labels=0)])
def test_bad_values_fail_with_a_message(bad: dict) -> None:
    with pytest.raises(ValueError, match="must be|Input should be"):
        ContinualConfig(**bad)


def test_lake_labels_table_latest_label_per_text_and_snapshot(tmp_path: Path) -> None:
    from lam_models.continual import labels

    rows = [("Profit up .", "neutral", "2024-01-01T00:00:01Z"), ("Loss widened .", "negative", "2024-01-01T00:00:02Z"),
            ("Profit up .", "positive", "2024-01-01T00:00:03Z")]  # the same text, labelled again later
    labels.land(tmp_path / "lake", labels.frame_from_records([
        {"schema_version": 1, "id": str(i), "text": t, "label": y, "source": "a", "ts": ts} for i, (t, y, ts) in enumerate(rows)]))
    settings = Settings(home=tmp_path / "home", lake_root=tmp_path / "lake", registry_root=tmp_path / "reg")
    data = load_new_labels(settings, ContinualConfig())
    assert data is not None and dict(zip(data.texts, data.labels.tolist(), strict=True)) == {"Loss widened .": 0, "Profit up .": 2}
    path = snapshot_labels(data, settings)
    assert path == snapshot_labels(data, settings) and Path(path).read_text().startswith("text,label")
    empty = Settings(home=tmp_path / "h2", lake_root=tmp_path / "nolake", registry_root=tmp_path / "reg")
    assert load_new_labels(empty, ContinualConfig()) is None
