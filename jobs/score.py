"""Scoring job: new bronze news rows -> silver rows with the headline embedding (Spark pandas UDF).

Incremental by Delta's own streaming read of bronze (``trigger(availableNow=True)``, its checkpoint
next to the tables): each batch is appended to silver with the query id and the batch id as Delta
transaction, so a batch replayed after a crash is scored again but never written twice.
"""

from __future__ import annotations

import argparse
import functools
import time
from dataclasses import dataclass

from lam_models import catalog
from lam_models import delta_tables
from lam_models.adapters import delta_spark, failpoints
from lam_models.adapters.spark import get_spark, task_threads
from lam_models.scoring.predict import ScoringConfig, make_predict_fn
from lam_models.settings import Settings, get_settings


@dataclass
class ScoreResult:
    batches: int = 0
    rows_in: int = 0
    rows_out: int = 0
    model_version: str | None = None
    seconds: float = 0.0


def run(settings: Settings | None = None, model_version: str | None = None) -> ScoreResult:
    """Score every bronze news row not scored yet with the production (or pinned) model version."""
    settings = settings or get_settings()
    bronze = catalog.BRONZE["news"].path(settings.lake_root)
    if not delta_tables.is_table(bronze):
        return ScoreResult()
    began = time.perf_counter()
    spark = get_spark(settings, "lam-score")
    config = ScoringConfig.from_settings(settings, threads=task_threads(spark), version=model_version)
    result = ScoreResult()

    def write_batch(news, txn: list) -> None:
        rows_in = news.count()
        silver = catalog.SILVER_NEWS.path(settings.lake_root)
        metadata = {"job": "score", "name": "news", "rows_in": rows_in, "model_version": config.model_version}
        delta_spark.append(in_time_order(score_frame(settings, config, news, rows_in)), silver, catalog.SILVER_NEWS, metadata, txn)
        rows_out = written_rows(silver, txn)
        if rows_out != rows_in:
            raise RuntimeError(f"scoring wrote {rows_out} rows for {rows_in} bronze rows")
        failpoints.hit("score.before_commit")
        result.batches, result.rows_in, result.rows_out = result.batches + 1, result.rows_in + rows_in, result.rows_out + rows_out
        result.model_version = config.model_version

    delta_spark.drain(delta_spark.read_stream(spark, bronze), catalog.checkpoint(settings.lake_root, "score", "news"), "lam-score", write_batch)
    result.seconds = round(time.perf_counter() - began, 3)
    return result


def written_rows(table, txn: list) -> int:
    """Rows the commit of Delta transaction ``txn`` added (by this attempt or by the crashed one it replays)."""
    for commit in delta_tables.history(table):
        if commit["userMetadata"].get("txn") == txn:
            return int(commit.get("operationMetrics", {}).get("numOutputRows", 0))
    return 0


@functools.lru_cache(maxsize=4)
def scoring_udf(config: ScoringConfig, batch_size: int):
    """One UDF per model config in this process: ``predict_batch_udf`` keeps the loaded model in each Python worker
    under the UDF's identity, so reusing the UDF spares a model load for every micro-batch after the first."""
    from pyspark.ml.functions import predict_batch_udf
    from pyspark.sql.types import ArrayType, FloatType, IntegerType, StructField, StructType

    from lam_models.scoring.predict import SENTIMENT_COLUMNS

    outputs = [StructField("embedding", ArrayType(FloatType()))]
    outputs += [StructField(c, FloatType()) for c in SENTIMENT_COLUMNS] if config.has_sentiment else []
    outputs += [StructField("topic_id", IntegerType()), StructField("topic_prob", FloatType())]
    return predict_batch_udf(make_predict_fn(config), return_type=StructType(outputs), batch_size=batch_size)


def score_frame(settings: Settings, config: ScoringConfig, news, rows: int):
    """``news`` (bronze columns) scored by ``config``'s model: the silver columns, lazily."""
    from pyspark.sql import functions as F

    udf = scoring_udf(config, settings.spark.arrow_batch_rows)
    parallelism = max(1, min(news.sparkSession.sparkContext.defaultParallelism // config.threads, rows // 2000 + 1))
    scored = news.repartition(parallelism, "id").withColumn("scores", udf("headline")).select("*", "scores.*")
    scored = _with_sentiment(scored, config.has_sentiment).withColumn("model_version", F.lit(config.model_version))
    return scored.select(*catalog.SILVER_NEWS.columns)


def in_time_order(silver):
    """Silver rows laid out for writing: one file per batch, in time order (so Delta's per-file statistics skip
    files by ``published_at``); the shuffle keeps the scoring stage parallel."""
    return silver.repartition(1).sortWithinPartitions("published_at", "id")


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
    print(f"score news: batches={result.batches} rows={result.rows_out} model={result.model_version} in {result.seconds}s")


if __name__ == "__main__":
    main()
