"""Scoring job: new bronze news files -> silver rows with the headline embedding (Spark pandas UDF).

Incremental by bronze file: the set of files already scored is the committed state; the run's
file list is recorded first, so a rerun after a crash scores exactly the same files again.
"""

from __future__ import annotations

import argparse
import time
from dataclasses import asdict, dataclass

from lam_models import catalog
from lam_models.adapters import failpoints, lake
from lam_models.adapters.manifest import JobState, intent_key
from lam_models.adapters.spark import get_spark
from lam_models.contracts import table_columns
from lam_models.scoring.predict import ScoringConfig, make_predict_fn
from lam_models.settings import Settings, get_settings


@dataclass
class ScoreResult:
    files: int = 0
    rows_in: int = 0
    rows_out: int = 0
    model_version: str | None = None
    run_key: str | None = None
    seconds: float = 0.0


def run(settings: Settings | None = None, model_version: str | None = None) -> ScoreResult:
    """Score every bronze news file not scored yet with the production (or pinned) model version."""
    settings = settings or get_settings()
    state = JobState.for_job(settings.lake_root, "score", "news")
    bronze = catalog.BRONZE["news"].path(settings.lake_root)
    intent = state.pending()
    if intent is None:
        version = ScoringConfig.from_settings(settings, threads=1, version=model_version).model_version
        done = set(state.committed().get("files", []))
        todo = [str(p.relative_to(bronze)) for p in lake.parquet_files(bronze) if str(p.relative_to(bronze)) not in done]
        if not todo:
            return ScoreResult()
        intent = {"files": todo, "model_version": version}
        state.begin(intent)
    began = time.perf_counter()
    spark = get_spark(settings, "lam-score")
    pinned = None if intent["model_version"].startswith("base:") else intent["model_version"]
    config = ScoringConfig.from_settings(settings, threads=int(spark.conf.get("spark.task.cpus", "1")), version=pinned)
    result = ScoreResult(files=len(intent["files"]), model_version=config.model_version, run_key=intent_key(intent))
    silver = catalog.SILVER_NEWS.path(settings.lake_root)
    lake.remove_run_files(silver, result.run_key)
    result.rows_in, result.rows_out = _score(spark, settings, config, [bronze / f for f in intent["files"]], result.run_key)
    lake.publish(lake.staging_dir(settings.lake_root, "silver", result.run_key), silver, result.run_key)
    failpoints.hit("score.before_commit")
    committed = state.committed()
    state.commit({"files": sorted(set(committed.get("files", [])) | set(intent["files"])),
                  "runs": committed.get("runs", [])[-99:] + [asdict(result)]})
    lake.discard(lake.staging_dir(settings.lake_root, "silver", result.run_key))
    result.seconds = round(time.perf_counter() - began, 3)
    return result


def _score(spark, settings: Settings, config: ScoringConfig, files, run_key: str) -> tuple[int, int]:
    bronze_root = catalog.BRONZE["news"].path(settings.lake_root)
    news = spark.read.option("basePath", str(bronze_root)).parquet(*[str(f) for f in files])
    rows_in = news.count()
    rows_out = write_staged(spark, settings, score_frame(settings, config, news, rows_in), run_key)
    if rows_out != rows_in:
        raise RuntimeError(f"scoring wrote {rows_out} rows for {rows_in} bronze rows")
    return rows_in, rows_out


def score_frame(settings: Settings, config: ScoringConfig, news, rows: int):
    """``news`` (bronze columns) scored by ``config``'s model: the silver columns, lazily."""
    from pyspark.ml.functions import predict_batch_udf
    from pyspark.sql import functions as F
    from pyspark.sql.types import ArrayType, FloatType, IntegerType, StructField, StructType

    from lam_models.scoring.predict import SENTIMENT_COLUMNS

    outputs = [StructField("embedding", ArrayType(FloatType()))]
    outputs += [StructField(c, FloatType()) for c in SENTIMENT_COLUMNS] if config.has_sentiment else []
    outputs += [StructField("topic_id", IntegerType()), StructField("topic_prob", FloatType())]
    udf = predict_batch_udf(make_predict_fn(config), return_type=StructType(outputs), batch_size=settings.spark.arrow_batch_rows)
    parallelism = max(1, min(news.sparkSession.sparkContext.defaultParallelism, rows // 2000 + 1))
    scored = news.repartition(parallelism, "id").withColumn("scores", udf("headline")).select("*", "scores.*")
    scored = _with_sentiment(scored, config.has_sentiment).withColumn("model_version", F.lit(config.model_version))
    return scored.select(*table_columns("silver_news"))


def write_staged(spark, settings: Settings, silver, run_key: str) -> int:
    """Write silver rows into the run's staging folder (one file per event date); returns the rows written."""
    staged = lake.staging_dir(settings.lake_root, "silver", run_key)
    silver.repartition(1, "event_date").sortWithinPartitions("published_at", "id").write.mode("overwrite").partitionBy("event_date").parquet(str(staged))
    return spark.read.parquet(str(staged)).count()


def _with_sentiment(scored, has_sentiment: bool):
    """Label = the most probable class; score = p_positive - p_negative; nulls without a sentiment head."""
    from pyspark.sql import functions as F

    if not has_sentiment:
        for column in ("p_negative", "p_neutral", "p_positive", "score"):
            scored = scored.withColumn(column, F.lit(None).cast("float"))
        return scored.withColumn("label", F.lit(None).cast("string"))
    best = F.greatest("p_negative", "p_neutral", "p_positive")
    label = F.when(F.col("p_negative") == best, "negative").when(F.col("p_positive") == best, "positive").otherwise("neutral")
    return scored.withColumn("label", label).withColumn("score", (F.col("p_positive") - F.col("p_negative")).cast("float"))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model-version", default=None, help="pin a registry version (default: production)")
    result = run(model_version=parser.parse_args(argv).model_version)
    print(f"score news: files={result.files} rows={result.rows_out} model={result.model_version} in {result.seconds}s")


if __name__ == "__main__":
    main()
