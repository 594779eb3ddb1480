"""The nightly drift check on a lake: a shifted interval triggers, an unshifted one does not; new labels count."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from jobs import drift_check
from lam_models import catalog
from lam_models.continual import labels
from lam_models.registry.pointers import promote
from lam_models.registry.store import write_version
from lam_models.settings import Settings
from tests.lake_tables import append

START = datetime(2024, 3, 10, tzinfo=UTC)
END = START + timedelta(days=1)
NAMES = np.array(["negative", "neutral", "positive"])


def lake_settings(tmp_path: Path, **continual) -> Settings:
    return Settings(home=tmp_path / "home", lake_root=tmp_path / "lake", registry_root=tmp_path / "registry",
                    continual={"trigger_new_labels": 5, "drift_min_rows": 50, **continual})


def production(settings: Settings) -> str:
    version = write_version(settings.registry_root, lambda folder: (folder / "weights.txt").write_text("w"),
                            config={}, labels=list(NAMES), metrics={}, data_hash="t")
    promote(settings.registry_root, version, reason="test")
    return version


def scored(seed: int, n: int, first: datetime, version: str, shift: float = 0.0, label_p=(0.2, 0.5, 0.3)) -> pd.DataFrame:
    """Silver rows: seeded predicted labels, probabilities and 8-d unit embeddings, one per minute."""
    rng = np.random.default_rng(seed)
    label = rng.choice(3, n, p=label_p)
    top = np.clip(rng.beta(8 - 4 * shift, 2, n), 0.34, 0.98)
    probs = np.full((n, 3), 0.0)
    probs[np.arange(n), label] = top
    probs[probs == 0] = np.repeat((1 - top) / 2, 2)
    emb = rng.normal(0, 1, (n, 8)).astype(np.float32)
    emb[:, :2] += shift
    return pd.DataFrame({
        "published_at": [first + timedelta(minutes=i) for i in range(n)], "label": NAMES[label],
        "p_negative": probs[:, 0], "p_neutral": probs[:, 1], "p_positive": probs[:, 2],
        "embedding": list(emb), "model_version": version,
    })


def write_silver(settings: Settings, frame: pd.DataFrame, part: int) -> None:
    append(catalog.path(settings.lake_root, "silver/news"), frame.assign(event_date=str(part)))


def test_unshifted_interval_does_not_trigger_and_a_shifted_one_does(tmp_path: Path) -> None:
    s = lake_settings(tmp_path)
    version = production(s)
    write_silver(s, scored(0, 400, START - timedelta(days=5), version), 0)
    write_silver(s, scored(9, 300, START - timedelta(days=6), "older-version", shift=1.5), 1)  # another version: ignored
    write_silver(s, scored(1, 300, START, version), 2)

    calm = drift_check.run(s, START, END)
    assert (calm.production, calm.reference_rows, calm.recent_rows) == (version, 400, 300)
    assert not calm.trigger and calm.reasons == [] and calm.note == ""

    write_silver(s, scored(2, 300, START + timedelta(hours=6), version, shift=1.0, label_p=(0.6, 0.3, 0.1)), 3)
    shifted = drift_check.run(s, START, END)
    assert shifted.trigger and shifted.recent_rows == 600
    assert any("predicted-label PSI" in r for r in shifted.reasons) and any("embedding KS" in r for r in shifted.reasons)


def test_new_labels_since_promotion_trigger_without_enough_scored_rows(tmp_path: Path) -> None:
    s = lake_settings(tmp_path)
    version = production(s)
    write_silver(s, scored(0, 20, START, version), 0)
    recent = datetime.now(UTC).isoformat()
    old = [{"id": f"o{i}", "text": f"Old label {i}", "label": "neutral", "source": "t", "ts": "2020-01-01T00:00:00Z"} for i in range(9)]
    labels.land(s.lake_root, labels.frame_from_records(old))
    quiet = drift_check.run(s, START, END)
    assert not quiet.trigger and quiet.new_labels == 0 and "drift not judged" in quiet.note

    fresh = labels.frame_from_records([{"id": f"n{i}", "text": f"New label {i}", "label": "negative", "source": "t",
                                        "ts": recent} for i in range(5)]).drop(columns="text_hash")
    append(catalog.path(s.lake_root, "bronze/labels"), fresh.assign(event_date="2026-01-01"))
    loud = drift_check.run(s, START, END)
    assert loud.trigger and loud.landed_labels == 5 and loud.reasons == ["5 new labels >= 5"]
    assert drift_check.run(s, START, END).landed_labels == 0, "landing the bronze rows again changes nothing"
