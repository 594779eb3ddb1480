"""Lake publishing: deterministic names, rerun replaces instead of duplicating, atomic state."""

from __future__ import annotations

import pandas as pd

from lam_models.adapters import lake
from lam_models.adapters.manifest import JobState, intent_key


def _stage(folder, rows):
    (folder / "event_date=2024-01-01").mkdir(parents=True)
    pd.DataFrame({"x": rows}).to_parquet(folder / "event_date=2024-01-01" / "part-0000-uuid.parquet")


def test_republishing_a_run_replaces_its_files(tmp_path):
    table = tmp_path / "table"
    for attempt in range(2):
        staged = tmp_path / f"staged{attempt}"
        _stage(staged, [1, 2, 3])
        published = lake.publish(staged, table, "runA")
    assert published == ["event_date=2024-01-01/part-runA-00000.parquet"]
    assert len(lake.parquet_files(table)) == 1
    assert pd.read_parquet(table)["x"].tolist() == [1, 2, 3]


def test_job_state_commit_clears_the_intent(tmp_path):
    state = JobState.for_job(tmp_path, "ingest", "news")
    intent = {"ranges": [{"partition": 0, "start": 0, "end": 5}]}
    state.begin(intent)
    assert state.pending() == intent
    state.commit({"offsets": {"0": 5}})
    assert state.pending() is None and state.committed() == {"offsets": {"0": 5}}
    assert intent_key(intent) == intent_key(dict(intent)) != intent_key({"ranges": []})
