"""Range re-score job: bring the silver rows of ``[start, end)`` to the pinned model version, in place.

What ``backfill`` runs after the incremental score: when a row of the range carries another version,
the range's rows are written again (those on another version re-scored, the others as they are) and
replace the range in one Delta commit (``replaceWhere``). A crash before the commit leaves silver as
it was, so a rerun simply does the work again; a rerun after it finds nothing stale and writes nothing.
"""

from __future__ import annotations

import argparse
import time
from dataclasses import asdict, dataclass
from datetime import datetime, timezone

from lam_models import catalog
from lam_models import delta_tables
from lam_models.adapters import delta_spark, failpoints
from lam_models.adapters.spark import get_spark, task_threads
from lam_models.scoring.predict import ScoringConfig
from lam_models.settings import Settings, get_settings


@dataclass
class RescoreResult:
    files: int = 0
    rows_rescored: int = 0
    rows_kept: int = 0
    model_version: str | None = None
    seconds: float = 0.0


def run(settings: Settings | None, start: datetime, end: datetime) -> RescoreResult:
    """Re-score the silver rows with ``published_at`` in ``[start, end)`` not scored by the pinned (or production) version.

    ``files`` counts the silver files holding a stale row of the range (those Delta rewrites);
    ``rows_kept`` the rows of those files that keep their scores."""
    from pyspark.sql import functions as F

    from jobs.score import in_time_order, score_frame

    settings = settings or get_settings()
    version = ScoringConfig.from_settings(settings, threads=1).model_version
    path = catalog.SILVER_NEWS.path(settings.lake_root)
    result = RescoreResult(model_version=version)
    if not delta_tables.is_table(path):
        return result
    began = time.perf_counter()
    spark = get_spark(settings, "lam-rescore")
    read_version = delta_tables.version(path)
    silver = delta_spark.read(spark, path, read_version).withColumn("_file", F.input_file_name())
    inside = (F.col("published_at") >= F.lit(start)) & (F.col("published_at") < F.lit(end))
    stale = inside & (F.col("model_version") != F.lit(version))
    files = [r["_file"] for r in silver.filter(stale).select("_file").distinct().collect()]
    if not files:
        return result
    touched = silver.filter(F.col("_file").isin(files))
    counts = touched.agg(F.sum(stale.cast("int")).alias("stale"), F.sum((~inside).cast("int")).alias("outside")).first()
    result.files, result.rows_rescored, result.rows_kept = len(files), int(counts["stale"]), int(counts["outside"])
    pinned = None if version.startswith("base:") else version
    config = ScoringConfig.from_settings(settings, threads=task_threads(spark), version=pinned)
    bronze_columns = [c for c in catalog.BRONZE["news"].columns if c in silver.columns]
    rescored = score_frame(settings, config, silver.filter(stale).select(*bronze_columns), result.rows_rescored)
    current = silver.filter(inside & ~stale).select(*catalog.SILVER_NEWS.columns)
    failpoints.hit("rescore.before_commit")
    predicate = f"published_at >= '{_sql_time(start)}' AND published_at < '{_sql_time(end)}'"
    delta_spark.replace_where(in_time_order(rescored.unionByName(current)), path, catalog.SILVER_NEWS, predicate,
                              {"job": "score", "name": "news-rescore", **asdict(result), "start": start.isoformat(), "end": end.isoformat(),
                               "read_versions": {catalog.SILVER_NEWS.name: read_version}})
    result.seconds = round(time.perf_counter() - began, 3)
    return result


def _sql_time(moment: datetime) -> str:
    """A UTC instant as a Spark SQL timestamp literal (the session time zone is UTC)."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f")


def main(argv: list[str] | None = None) -> None:
    from lam_models.intervals import as_utc

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--from", dest="start", required=True, help="first instant of the range (ISO-8601, UTC if no offset)")
    parser.add_argument("--to", dest="end", required=True, help="end of the range, exclusive")
    args = parser.parse_args(argv)
    result = run(None, as_utc(args.start), as_utc(args.end))
    print(f"rescore news: files={result.files} rescored={result.rows_rescored} kept={result.rows_kept} model={result.model_version}")


if __name__ == "__main__":
    main()
