"""Range re-score job: bring the silver rows of ``[start, end)`` to the pinned model version, in place.

What ``backfill`` runs after the incremental score: silver files holding a row of the range scored
with another version are rewritten (rows of the range re-scored, the others kept as they are) and
swapped in under the run's name. Crash-safe and idempotent: the plan (files, range, version) is
recorded first, the old files are deleted only once the new ones are published, a crash replays the
plan to the same end state, and a rerun finds nothing stale and writes nothing.
"""

from __future__ import annotations

import argparse
import time
from dataclasses import asdict, dataclass
from datetime import datetime

from lam_models import catalog
from lam_models.adapters import failpoints, lake
from lam_models.adapters.manifest import JobState, intent_key
from lam_models.adapters.spark import get_spark
from lam_models.contracts import table_columns
from lam_models.scoring.predict import ScoringConfig
from lam_models.scoring.rescore import stale_files
from lam_models.settings import Settings, get_settings

@dataclass
class RescoreResult:
    files: int = 0
    rows_rescored: int = 0
    rows_kept: int = 0
    model_version: str | None = None
    run_key: str | None = None
    seconds: float = 0.0


def run(settings: Settings | None, start: datetime, end: datetime) -> RescoreResult:
    """Re-score the silver rows with ``published_at`` in ``[start, end)`` not scored by the pinned (or production) version."""
    settings = settings or get_settings()
    state = JobState.for_job(settings.lake_root, "score", "news-rescore")
    silver = catalog.SILVER_NEWS.path(settings.lake_root)
    intent = state.pending()
    if intent is None:
        version = ScoringConfig.from_settings(settings, threads=1).model_version
        files = stale_files(silver, lake.parquet_files(silver), start, end, version)
        if not files:
            return RescoreResult(model_version=version)
        intent = {"start": start.isoformat(), "end": end.isoformat(), "model_version": version, "files": files}
        state.begin(intent)
    began = time.perf_counter()
    plan = {k: v for k, v in intent.items() if k != "published"}
    result = RescoreResult(files=len(plan["files"]), model_version=plan["model_version"], run_key=intent_key(plan))
    staged = lake.staging_dir(settings.lake_root, "silver", result.run_key)
    if not intent.get("published"):
        lake.remove_run_files(silver, result.run_key)
        result.rows_rescored, result.rows_kept = _rewrite(settings, plan, result.run_key)
        lake.publish(staged, silver, result.run_key)
        state.begin({**plan, "published": True, "rows": [result.rows_rescored, result.rows_kept]})
    else:
        result.rows_rescored, result.rows_kept = intent["rows"]
    failpoints.hit("rescore.before_delete")
    for name in plan["files"]:
        (silver / name).unlink(missing_ok=True)
    committed = state.committed()
    state.commit({"runs": committed.get("runs", [])[-99:] + [asdict(result) | {"start": plan["start"], "end": plan["end"]}]})
    lake.discard(staged)
    result.seconds = round(time.perf_counter() - began, 3)
    return result


def _rewrite(settings: Settings, plan: dict, run_key: str) -> tuple[int, int]:
    """Stage the planned files' rows: the range's re-scored, the rest verbatim; returns (re-scored, kept)."""
    from pyspark.sql import functions as F

    from jobs.score import score_frame, write_staged

    spark = get_spark(settings, "lam-rescore")
    silver = catalog.SILVER_NEWS.path(settings.lake_root)
    old = spark.read.option("basePath", str(silver)).parquet(*[str(silver / f) for f in plan["files"]])
    start, end = (datetime.fromisoformat(plan[k]) for k in ("start", "end"))
    inside = (F.col("published_at") >= F.lit(start)) & (F.col("published_at") < F.lit(end))
    bronze_columns = [c for c in table_columns("bronze_news") if c in old.columns]
    rows_in, rescore = old.count(), old.filter(inside).select(*bronze_columns)
    count = rescore.count()
    pinned = None if plan["model_version"].startswith("base:") else plan["model_version"]
    config = ScoringConfig.from_settings(settings, threads=int(spark.conf.get("spark.task.cpus", "1")), version=pinned)
    kept = old.filter(~inside).select(*table_columns("silver_news"))
    rows_out = write_staged(spark, settings, score_frame(settings, config, rescore, count).unionByName(kept), run_key)
    if rows_out != rows_in:
        raise RuntimeError(f"re-scoring wrote {rows_out} rows for the {rows_in} rows of {len(plan['files'])} silver files")
    return count, rows_in - count


def main(argv: list[str] | None = None) -> None:
    from jobs.nightly import as_utc

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--from", dest="start", required=True, help="first instant of the range (ISO-8601, UTC if no offset)")
    parser.add_argument("--to", dest="end", required=True, help="end of the range, exclusive")
    args = parser.parse_args(argv)
    result = run(None, as_utc(args.start), as_utc(args.end))
    print(f"rescore news: files={result.files} rescored={result.rows_rescored} kept={result.rows_kept} model={result.model_version}")


if __name__ == "__main__":
    main()
