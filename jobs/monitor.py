"""Monitor job: silver scored news -> window aggregates -> spike detector -> alerts table + Kafka topic.

Spark aggregates the (large) scored table into per-key event-time windows; the pure detector runs
on the (small) windows table. Every run re-evaluates all windows, so late headlines re-open their
window; an alert already sent is re-sent only as a new revision, never as a second copy.
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import asdict, dataclass

import pandas as pd

from lam_models.adapters import failpoints, lake
from lam_models.adapters.kafka_admin import read_topic_since, topic_end_offsets
from lam_models.adapters.manifest import JobState, intent_key
from lam_models.adapters.spark import get_spark
from lam_models.contracts import load_contract
from lam_models.monitor import alerts_from_windows, evaluate_windows
from lam_models.monitor.config import MARKET_KEY, TICKER_PREFIX, TICKER_TOPIC_PREFIX, TOPIC_PREFIX
from lam_models.monitor.state import deliveries, iso_utc
from lam_models.monitor.windows import OUTLIER_TOPIC, TOPIC_COLUMN, whole_counts
from lam_models.settings import Settings, get_settings

ALERTS_FILE = "alerts.parquet"


@dataclass
class MonitorResult:
    rows: int = 0
    windows: int = 0
    spike_windows: int = 0
    alerts: int = 0
    published: int = 0
    already_on_topic: int = 0
    seconds: float = 0.0


def run(settings: Settings | None = None, as_of: pd.Timestamp | None = None) -> MonitorResult:
    """Evaluate every window of the silver table and publish new or changed alerts."""
    settings = settings or get_settings()
    began, result = time.perf_counter(), MonitorResult()
    silver_path = lake.table_dir(settings.lake_root, "silver/news")
    if not lake.parquet_files(silver_path):
        return result
    config = settings.monitor.to_config()
    spark = get_spark(settings, "lam-monitor")
    keyed = _keyed(spark.read.parquet(str(silver_path)), config.multi_ticker_weight)
    windows, result.rows, latest = _windows(keyed, config.window_sizes)
    evaluated = evaluate_windows(windows, config)
    result.windows, result.spike_windows = len(evaluated), int(evaluated["spike"].sum())
    watermark = as_of if as_of is not None else pd.Timestamp(latest, tz="UTC")
    fired = evaluated[evaluated["alerting"]]
    alerts = alerts_from_windows(evaluated, config, watermark, _evidence(keyed, fired, config.top_k))
    contract = load_contract("alert")
    for alert in alerts:
        contract.validate(alert)
    result.alerts = len(alerts)
    _write_windows(settings, evaluated)
    result.published, result.already_on_topic = _deliver(settings, alerts)
    result.seconds = round(time.perf_counter() - began, 3)
    return result


def _keyed(silver, multi_ticker_weight: str):
    """One weighted row per (headline, key), as ``monitor.windows.explode_keys``: the market once, each
    named ticker (weight 1 or 1/n), and with a topic id other than -1 the topic and each (ticker, topic)."""
    from pyspark.sql import functions as F

    tickers = F.array_distinct(F.filter(F.coalesce("tickers", F.array()), lambda t: t.isNotNull() & (t != "")))
    weight = F.lit(1.0) if multi_ticker_weight == "full" else 1.0 / F.greatest(F.size(tickers), F.lit(1))
    topic = F.coalesce(F.col(TOPIC_COLUMN), F.lit(OUTLIER_TOPIC)) if TOPIC_COLUMN in silver.columns else F.lit(OUTLIER_TOPIC)
    name, none = topic.cast("string"), F.array().cast("array<struct<key:string,weight:double>>")

    def entry(key, w):
        return F.struct(key.alias("key"), w.cast("double").alias("weight"))

    keys = F.concat(
        F.array(entry(F.lit(MARKET_KEY), F.lit(1.0))),
        F.transform(tickers, lambda t: entry(F.concat(F.lit(TICKER_PREFIX), t), weight)),
        F.when(topic != OUTLIER_TOPIC, F.array(entry(F.concat(F.lit(TOPIC_PREFIX), name), F.lit(1.0)))).otherwise(none),
        F.when(topic != OUTLIER_TOPIC, F.transform(
            tickers, lambda t: entry(F.concat(F.lit(TICKER_TOPIC_PREFIX), t, F.lit("@"), name), weight))).otherwise(none),
    )
    scored = silver.filter(F.col("label").isNotNull())  # rows scored by the base encoder carry no sentiment
    return scored.select("id", "headline", "published_at", "label", "score", F.inline(keys))


def _windows(keyed, sizes: tuple[str, ...]) -> tuple[pd.DataFrame, int, object]:
    """Per-key window aggregates of every size, the headline count and the latest event time."""
    from pyspark.sql import functions as F

    frames = []
    for size in sizes:
        seconds = int(pd.Timedelta(size).total_seconds())
        start = F.timestamp_seconds(F.floor(F.unix_timestamp("published_at") / seconds) * seconds)
        frames.append(
            keyed.groupBy("key", start.alias("window_start")).agg(
                F.sum("weight").alias("count"),
                F.sum(F.when(F.col("label") == "negative", F.col("weight")).otherwise(0.0)).alias("negative_count"),
                (F.sum(F.col("score") * F.col("weight")) / F.sum("weight")).alias("mean_score"),
            ).withColumn("window_size", F.lit(size))
        )
    union = frames[0]
    for frame in frames[1:]:
        union = union.unionByName(frame)
    windows = union.toPandas()
    windows["window_start"] = pd.to_datetime(windows["window_start"], utc=True)
    for column in ("count", "negative_count"):
        windows[column] = whole_counts(windows[column].to_numpy())
    stats = keyed.filter(F.col("key") == MARKET_KEY).agg(F.count("*").alias("rows"), F.max("published_at").alias("max_time")).first()
    return windows, int(stats["rows"]), stats["max_time"]


def _evidence(keyed, fired: pd.DataFrame, top_k: int) -> dict:
    """Top headlines (most negative, then most recent) of every firing window, fetched by Spark."""
    from pyspark.sql import functions as F
    from pyspark.sql.window import Window

    if fired.empty:
        return {}
    spark = keyed.sparkSession
    targets = spark.createDataFrame(pd.DataFrame({
        "key": fired["key"], "window_size": fired["window_size"], "window_index": fired["window_index"].astype("int64"),
        "seconds": [int(pd.Timedelta(s).total_seconds()) for s in fired["window_size"]],
    }))
    joined = keyed.join(F.broadcast(targets), "key").filter(
        F.floor(F.unix_timestamp("published_at") / F.col("seconds")) == F.col("window_index"))
    rank = F.row_number().over(Window.partitionBy("key", "window_size", "window_index").orderBy(F.col("score").asc(), F.col("published_at").desc(), "id"))
    rows = joined.withColumn("rank", rank).filter(F.col("rank") <= top_k).orderBy("rank").collect()
    evidence: dict = {}
    for row in rows:
        evidence.setdefault((row["key"], row["window_size"], int(row["window_index"])), []).append({
            "id": row["id"], "headline": row["headline"], "score": round(float(row["score"]), 6),
            "published_at": iso_utc(row["published_at"]),
        })
    return evidence


def _write_windows(settings: Settings, evaluated: pd.DataFrame) -> None:
    """The window aggregates table: a full snapshot, swapped in atomically."""
    table = lake.table_dir(settings.lake_root, "gold/monitor_windows")
    columns = ["key", "kind", "window_size", "window_start", "window_end", "count", "negative_count", "negative_share",
               "mean_score", "baseline_share", "baseline_spread", "move", "z", "spike", "severity"]
    lake.replace_snapshot(table, evaluated[columns])


def _deliver(settings: Settings, alerts: list[dict]) -> tuple[int, int]:
    """Publish new alerts and changed revisions; a rerun after a crash never sends a copy twice."""
    from lam_models.alerting.publish import publish_alerts

    table = lake.table_dir(settings.lake_root, "gold/alerts")
    previous = _read_alerts(table)
    state = JobState.for_job(settings.lake_root, "monitor", "alerts")
    intent = state.pending()
    to_send = deliveries(previous, alerts)
    if intent is None:
        intent = {"sends": sorted(f"{a['alert_id']}#{a['revision']}" for a in to_send),
                  "topic_offsets": topic_end_offsets(settings, settings.topics.alerts)}
        state.begin(intent)
    on_topic = {f"{r['alert_id']}#{r['revision']}" for r in map(json.loads, read_topic_since(settings, settings.topics.alerts, intent["topic_offsets"]))}
    fresh = [a for a in to_send if f"{a['alert_id']}#{a['revision']}" not in on_topic]
    publish_alerts(settings, fresh)
    failpoints.hit("monitor.before_commit")
    current = {**previous, **{a["alert_id"]: a for a in to_send}}
    lake.replace_snapshot(table, pd.DataFrame({
        "alert_id": list(current), "key": [a["key"] for a in current.values()],
        "window_start": [a["window_start"] for a in current.values()], "state": [a["state"] for a in current.values()],
        "severity": [a["severity"] for a in current.values()], "revision": [a["revision"] for a in current.values()],
        "record": [json.dumps(a, sort_keys=True) for a in current.values()],
    }))
    state.commit({"last_run": intent_key(intent), "alerts": len(current)})
    return len(fresh), len(to_send) - len(fresh)


def _read_alerts(table) -> dict[str, dict]:
    frame = lake.read_snapshot(table)
    return {} if frame is None else {row.alert_id: json.loads(row.record) for row in frame.itertuples()}


def main(argv: list[str] | None = None) -> None:
    argparse.ArgumentParser(description=__doc__).parse_args(argv)
    print(f"monitor: {asdict(run())}")


if __name__ == "__main__":
    main()
