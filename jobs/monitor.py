"""Monitor job: silver scored news -> window aggregates -> detector -> alerts table + Kafka topic.

Spark distributes the (large) scored table and runs the core's own window aggregation on it
(``applyInPandas``); the detector runs on the (small) windows table. Every run re-evaluates all windows, so late headlines re-open their
window; an alert already sent is re-sent only as a new revision, never as a second copy.
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import asdict, dataclass

import pandas as pd

from lam_models import catalog
from lam_models import delta_tables
from lam_models.adapters import delta_spark, failpoints
from lam_models.adapters.job_state import JobState, intent_key
from lam_models.adapters.kafka_admin import read_topic_since, topic_end_offsets
from lam_models.adapters.spark import get_spark
from lam_models.contracts import load_contract
from lam_models.monitor import alerts_from_windows, evaluate_windows
from lam_models.monitor.config import group_span_seconds
from lam_models.monitor.evidence import top_headlines
from lam_models.monitor.state import deliveries
from lam_models.monitor.windows import TOPIC_COLUMN, compute_windows, explode_keys, monitor_key_columns, whole_counts
from lam_models.settings import Settings, get_settings

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
    silver_path = catalog.SILVER_NEWS.path(settings.lake_root)
    if not delta_tables.is_table(silver_path):
        return result
    config = settings.monitor
    spark = get_spark(settings, "lam-monitor")
    silver = delta_spark.read(spark, silver_path)
    windows, result.rows, latest = _windows(silver, config)
    evaluated = evaluate_windows(windows, config)
    result.windows, result.spike_windows = len(evaluated), int(evaluated["spike"].sum())
    watermark = as_of if as_of is not None else pd.Timestamp(latest, tz="UTC")
    fired = evaluated[evaluated["alerting"]]
    alerts = alerts_from_windows(evaluated, config, watermark, _evidence(silver, fired, config))
    contract = load_contract("alert")
    for alert in alerts:
        contract.validate(alert)
    result.alerts = len(alerts)
    _write_windows(settings, evaluated)
    result.published, result.already_on_topic = _deliver(settings, alerts)
    result.seconds = round(time.perf_counter() - began, 3)
    return result


WINDOW_SCHEMA = ("key string, kind string, window_size string, window_index long, window_start timestamp, "
                 "count double, negative_count double, negative_share double, mean_score double")
HEADLINE_COLUMNS = ("id", "tickers", "headline", "published_at", "label", "score")


def _windows(silver, config) -> tuple[pd.DataFrame, int, object]:
    """Window aggregates of every size by the core's own ``compute_windows``, one Spark group per span of the
    largest window (so every window lies whole in one group); the headline count and the latest event time."""
    from pyspark.sql import functions as F

    columns = [*HEADLINE_COLUMNS, *([TOPIC_COLUMN] if TOPIC_COLUMN in silver.columns else [])]
    scored = silver.filter(F.col("label").isNotNull()).select(*columns)  # base-encoder rows carry no sentiment
    span = group_span_seconds(config.window_sizes)
    sizes, weight = config.window_sizes, config.multi_ticker_weight

    def aggregate(frame: pd.DataFrame) -> pd.DataFrame:
        frame = frame.assign(published_at=pd.to_datetime(frame["published_at"], utc=True))
        windows = compute_windows(frame, sizes, multi_ticker_weight=weight).drop(columns="window_end")
        return windows.assign(key=windows["key"].astype(str), window_start=windows["window_start"].dt.tz_localize(None),
                              count=windows["count"].astype(float), negative_count=windows["negative_count"].astype(float))

    group = F.floor(F.unix_seconds("published_at") / span).alias("_span")
    windows = scored.groupBy(group).applyInPandas(aggregate, WINDOW_SCHEMA).toPandas()
    windows["window_start"] = pd.to_datetime(windows["window_start"]).dt.tz_localize("UTC")
    for column in ("count", "negative_count"):
        windows[column] = whole_counts(windows[column].to_numpy())
    stats = scored.agg(F.count("*").alias("rows"), F.max("published_at").alias("max_time")).first()
    return windows, int(stats["rows"]), stats["max_time"]


def _evidence(silver, fired: pd.DataFrame, config) -> dict:
    """Top headlines of every firing window by the core's ``top_headlines``, on the headlines of those windows only."""
    from pyspark.sql import functions as F

    if fired.empty:
        return {}
    columns = [*HEADLINE_COLUMNS, *([TOPIC_COLUMN] if TOPIC_COLUMN in silver.columns else [])]
    spans = silver.sparkSession.createDataFrame(fired[["window_start", "window_end"]].drop_duplicates())
    inside = (F.col("published_at") >= spans["window_start"]) & (F.col("published_at") < spans["window_end"])
    frame = silver.filter(F.col("label").isNotNull()).join(F.broadcast(spans), inside, "left_semi").select(*columns).toPandas()
    frame["published_at"] = pd.to_datetime(frame["published_at"], utc=True)
    keyed = explode_keys(frame, monitor_key_columns(frame), config.multi_ticker_weight)
    targets = list(zip(fired["key"], fired["window_size"], fired["window_index"].astype(int)))
    return top_headlines(frame, keyed, targets, config.top_k)


def _write_windows(settings: Settings, evaluated: pd.DataFrame) -> None:
    """The window aggregates table: a full snapshot, replaced in one Delta commit."""
    table = catalog.MONITOR_WINDOWS.path(settings.lake_root)
    columns = ["key", "kind", "window_size", "window_start", "window_end", "count", "negative_count", "negative_share",
               "mean_score", "baseline_share", "baseline_spread", "move", "z", "spike", "severity"]
    delta_tables.write_frame(table, evaluated[columns])


def _deliver(settings: Settings, alerts: list[dict]) -> tuple[int, int]:
    """Publish new alerts and changed revisions; a rerun after a crash never sends a copy twice."""
    from lam_models.adapters.alert_publisher import publish_alerts

    table = catalog.ALERTS.path(settings.lake_root)
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
    delta_tables.write_frame(table, pd.DataFrame({
        "alert_id": list(current), "key": [a["key"] for a in current.values()],
        "window_start": [a["window_start"] for a in current.values()], "state": [a["state"] for a in current.values()],
        "severity": [a["severity"] for a in current.values()], "revision": [a["revision"] for a in current.values()],
        "record": [json.dumps(a, sort_keys=True) for a in current.values()],
    }))
    state.commit({"last_run": intent_key(intent), "alerts": len(current)})
    return len(fresh), len(to_send) - len(fresh)


def _read_alerts(table) -> dict[str, dict]:
    frame = delta_tables.read_frame(table)
    return {} if frame is None else {row.alert_id: json.loads(row.record) for row in frame.itertuples()}


def main(argv: list[str] | None = None) -> None:
    argparse.ArgumentParser(description=__doc__).parse_args(argv)
    print(f"monitor: {asdict(run())}")


if __name__ == "__main__":
    main()
