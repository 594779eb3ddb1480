"""Range re-score on real Spark: the range's silver rows replaced in one Delta commit, a crash before it harmless, a rerun a no-op."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pandas as pd
import pytest

from jobs import ingest, rescore, score
from lam_models import catalog
from lam_models.adapters import failpoints
from lam_models.adapters.producers import produce
from tests.integration.test_score import promote_untrained_version
from tests.lake_tables import data_files, read
from tests.records import DAY0, good_news

pytestmark = pytest.mark.integration


def silver_files(settings) -> dict[str, str]:
    """The table's current data files (relative path -> content hash)."""
    silver = catalog.path(settings.lake_root, "silver/news")
    return {str(path.relative_to(silver)): hashlib.sha256(path.read_bytes()).hexdigest() for path in data_files(silver)}


def test_rescore_replaces_the_range_in_place_and_recovers_from_a_crash(kafka_settings, spark, monkeypatch) -> None:
    s = kafka_settings
    produce(s, s.topics.news, good_news(12, days=3), progress=False)  # 4 rows on each of 2024-03-04, -05, -06
    ingest.run("news", s)
    base = score.run(s).model_version
    version = promote_untrained_version(s)
    start, end = DAY0 + timedelta(minutes=5), (DAY0 + timedelta(days=2)).replace(hour=0)  # 09:05 on the 4th to the 6th
    in_range = {"t-6", "t-9", "t-1", "t-4", "t-7", "t-10"}
    before_crash = read(catalog.path(s.lake_root, "silver/news"))

    monkeypatch.setattr(failpoints, "hit", lambda name: (_ for _ in ()).throw(RuntimeError(name)) if name == "rescore.before_commit" else None)
    with pytest.raises(RuntimeError, match="rescore.before_commit"):
        rescore.run(s, start, end)
    monkeypatch.undo()
    crashed = read(catalog.path(s.lake_root, "silver/news"))
    assert len(crashed) == 12 and (crashed["model_version"] == base).all() and crashed.equals(before_crash), "a crash before the commit changes nothing"

    result = rescore.run(s, start, end)

    # one ingest batch wrote one silver file: Delta rewrites it, keeping the 6 rows outside the range as they were
    assert (result.files, result.rows_rescored, result.rows_kept, result.model_version) == (1, 6, 6, version)
    silver = read(catalog.path(s.lake_root, "silver/news")).set_index("id")
    assert len(silver) == 12 and silver.index.is_unique
    assert set(silver.index[silver["model_version"] == version]) == in_range
    assert (silver.drop(index=sorted(in_range))["model_version"] == base).all() and silver.loc[sorted(in_range), "label"].notna().all()
    untouched = before_crash.set_index("id").drop(index=sorted(in_range)).sort_index()
    pd.testing.assert_frame_equal(silver.drop(index=sorted(in_range)).sort_index()[untouched.columns], untouched, obj="rows outside the range")
    before = silver_files(s)
    assert rescore.run(s, start, end).files == 0 and silver_files(s) == before, "a rerun finds nothing stale"
