"""Ingest job: a Kafka topic -> bronze Parquet (by event date) + dead-letter, by exact offset ranges.

Runs with ``spark-submit jobs/ingest.py --topic news`` or ``lam ingest news``. Exactly-once on
rerun: the planned ranges are recorded before reading, output is published under names derived
from them, and the offset manifest is committed only after the output is durable.
"""

from __future__ import annotations

import argparse
import time
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone

from lam_models import catalog
from lam_models.adapters import failpoints, lake
from lam_models.adapters.kafka_admin import OffsetReader
from lam_models.adapters.kafka_config import spark_options
from lam_models.adapters.manifest import JobState, intent_key
from lam_models.adapters.spark import get_spark
from lam_models.contracts import load_contract, spark_ddl, table_columns
from lam_models.ingest.native import fast_path
from lam_models.ingest.parse import ParseLimits, try_parse
from lam_models.ingest.ranges import OffsetRange, plan_incremental, plan_time_window, spark_offset_options
from lam_models.settings import Settings, get_settings

KINDS = ("news", "interactions", "labels")
DEADLETTER = "deadletter"
SKIPPED = "already ingested"
EPOCH = datetime.fromtimestamp(0, tz=timezone.utc)
FAR_FUTURE = datetime(9999, 1, 1, tzinfo=timezone.utc)


@dataclass
class IngestResult:
    """What one run read and wrote; ``records_in == bronze + deadletter + already_ingested``.

    ``records_in`` counts the records Spark read, which may be fewer than ``offsets_spanned`` on a
    transactional or compacted topic (commit markers and compaction leave offsets without records).
    ``native_validated`` counts the records proved valid by Spark alone (no Python parse)."""

    topic: str
    run_key: str | None = None
    records_in: int = 0
    offsets_spanned: int = 0
    bronze: int = 0
    deadletter: int = 0
    already_ingested: int = 0
    native_validated: int = 0
    reasons: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def reconciled(self) -> bool:
        return self.records_in == self.bronze + self.deadletter + self.already_ingested


def run(kind: str, settings: Settings | None = None, start: datetime | None = None, end: datetime | None = None) -> IngestResult:
    """Ingest the next offset ranges of topic ``kind`` (or the broker-time window [start, end))."""
    settings = settings or get_settings()
    if kind not in KINDS:
        raise ValueError(f"unknown topic kind {kind!r}; expected one of {KINDS}")
    topic = getattr(settings.topics, kind)
    backfill = start is not None or end is not None
    state = JobState.for_job(settings.lake_root, "ingest", topic + ("-backfill" if backfill else ""))
    intent = state.pending() or _plan(settings, topic, state, start, end)
    result = IngestResult(topic=topic)
    if intent is None:
        return result
    began = time.perf_counter()
    ranges = [OffsetRange(**r) for r in intent["ranges"]]
    result.run_key = intent_key(intent)
    result.offsets_spanned = sum(r.count for r in ranges)
    _write(settings, kind, topic, ranges, intent, result, backfill)
    failpoints.hit("ingest.before_commit")
    committed = state.committed()
    offsets = {**committed.get("offsets", {}), **{str(r.partition): r.end for r in ranges}}
    history = committed.get("runs", [])[-99:] + [asdict(result) | {"ranges": intent["ranges"]}]
    state.commit({"offsets": offsets if not backfill else committed.get("offsets", {}), "runs": history})
    for table in ("bronze", DEADLETTER, "_index"):
        lake.discard(lake.staging_dir(settings.lake_root, table, result.run_key))
    result.seconds = round(time.perf_counter() - began, 3)
    return result


def _plan(settings: Settings, topic: str, state: JobState, start: datetime | None, end: datetime | None) -> dict | None:
    """Decide the exact ranges and the run's clock, and record them before anything is read."""
    with OffsetReader(settings, topic) as offsets:
        latest = offsets.latest()
        if start is None and end is None:
            committed = {int(p): o for p, o in state.committed().get("offsets", {}).items()}
            ranges = plan_incremental(committed, offsets.earliest(), latest)
        else:
            ranges = plan_time_window(offsets.at_time(start or EPOCH), latest)
    if not ranges:
        return None
    intent = {"ranges": [asdict(r) for r in ranges], "now": datetime.now(timezone.utc).isoformat()}
    if start is not None or end is not None:
        intent["window"] = [(start or EPOCH).isoformat(), (end or FAR_FUTURE).isoformat()]
    state.begin(intent)
    return intent


def _write(settings: Settings, kind: str, topic: str, ranges: list[OffsetRange], intent: dict, result: IngestResult, backfill: bool) -> None:
    """One read of the Kafka ranges into a cache of parsed rows; duplicates are found on a narrow
    projection of it, so wide rows are never shuffled; bronze, dead-letter and the key index are
    written from the cache by one task per core (no repartition)."""
    from pyspark import StorageLevel
    from pyspark.sql import Observation
    from pyspark.sql import functions as F

    spark = get_spark(settings, f"lam-ingest-{kind}")
    bronze_table, contract = f"bronze_{kind}", load_contract(kind)
    bronze_path = catalog.BRONZE[kind].path(settings.lake_root)
    dead_path = catalog.DEADLETTER.path(settings.lake_root)
    index_path = catalog.DEDUP_INDEX[kind].path(settings.lake_root)
    for path in (bronze_path, dead_path, index_path):
        lake.remove_run_files(path, result.run_key)
    limits = ParseLimits.from_settings(settings.ingest, datetime.fromisoformat(intent["now"]), _known_tickers(settings))
    options = {**spark_options(settings.kafka), **spark_offset_options(topic, ranges),
               "minPartitions": str(max(len(ranges), spark.sparkContext.defaultParallelism * 2))}
    raw = spark.read.format("kafka").options(**options).load()
    if "window" in intent:
        first, last = (datetime.fromisoformat(t) for t in intent["window"])
        raw = raw.filter((F.col("timestamp") >= F.lit(first)) & (F.col("timestamp") < F.lit(last)))
    read = Observation()
    records = raw.select(
        "key", "value", F.col("topic").alias("kafka_topic"), F.col("partition").alias("kafka_partition"),
        F.col("offset").alias("kafka_offset"), F.col("timestamp").alias("kafka_timestamp"),
    ).observe(read, F.count(F.lit(1)).alias("records"))
    parsed_ddl = f"{spark_ddl(bronze_table)}, `kafka_timestamp` timestamp, `key` binary, `value` binary, `reason` string, `_native` boolean"
    columns = table_columns(bronze_table)
    fast = fast_path(contract, limits) if settings.ingest.native_validation else None
    parsed, judged = _parse(records, fast, _parser(contract, limits, columns), columns, parsed_ddl)
    if backfill:
        parsed = _mark_already_ingested(spark, parsed, [bronze_path, dead_path], topic)
    parsed = parsed.persist(StorageLevel.MEMORY_AND_DISK)
    marked = _mark_duplicates(spark, parsed, list(contract.dedup_key), index_path)  # fills the cache
    if judged is not None:
        judged.unpersist()
    kinds = F.split("reason", ":").getItem(0).alias("kind")
    counts = marked.groupBy(kinds).agg(F.count(F.lit(1)).alias("count"), F.sum(F.col("_native").cast("int")).alias("native")).collect()
    result.records_in = int(read.get["records"])
    staged_bronze = lake.staging_dir(settings.lake_root, "bronze", result.run_key)
    staged_dead = lake.staging_dir(settings.lake_root, DEADLETTER, result.run_key)
    staged_index = lake.staging_dir(settings.lake_root, "_index", result.run_key)
    good = marked.filter(F.col("reason").isNull())
    tasks = spark.sparkContext.defaultParallelism
    good.select(*table_columns(bronze_table)).coalesce(tasks).sortWithinPartitions("kafka_partition", "kafka_offset").write.mode("overwrite").partitionBy("event_date").parquet(str(staged_bronze))
    good.select(*contract.dedup_key).coalesce(1).write.mode("overwrite").parquet(str(staged_index))
    bad = marked.filter(F.col("reason").isNotNull() & (F.col("reason") != SKIPPED)).select(*table_columns(DEADLETTER))
    bad.coalesce(1).sortWithinPartitions("kafka_partition", "kafka_offset").write.mode("overwrite").partitionBy("kafka_topic").parquet(str(staged_dead))
    parsed.unpersist()
    for row in counts:
        result.native_validated += int(row["native"] or 0)
        if row["kind"] is None:
            result.bronze = row["count"]
        elif row["kind"] == SKIPPED:
            result.already_ingested = row["count"]
        else:
            result.reasons[row["kind"]] = row["count"]
            result.deadletter += row["count"]
    if not result.reconciled:
        raise RuntimeError(f"counts do not reconcile for {topic}: {asdict(result)}")
    failpoints.hit("ingest.before_publish")
    lake.publish(staged_bronze, bronze_path, result.run_key)
    lake.publish(staged_dead, dead_path, result.run_key)
    lake.publish(staged_index, index_path, result.run_key)


def _mark_duplicates(spark, parsed, dedup: list[str], index_path):
    """Give every valid row whose dedup key repeats an earlier one (in this run, by partition and
    offset) or sits in bronze already a duplicate reason.

    Only the key and position columns are shuffled; the marks (usually few) come to the driver
    and are joined back by broadcast, or not at all when there are none."""
    from pyspark.sql import functions as F
    from pyspark.sql.window import Window

    position = ["kafka_partition", "kafka_offset"]
    label = "/".join(dedup)
    keys = parsed.filter(F.col("reason").isNull()).select(*dedup, *position)
    ranked = keys.withColumn("_rank", F.row_number().over(Window.partitionBy(*dedup).orderBy(*position)))
    marks = ranked.filter(F.col("_rank") > 1).select(*position, F.lit(f"duplicate {label}: within run").alias("_mark"))
    if lake.parquet_files(index_path):
        seen = spark.read.parquet(str(index_path)).select(*dedup)
        firsts = ranked.filter(F.col("_rank") == 1).join(seen, on=dedup, how="left_semi")
        marks = marks.unionByName(firsts.select(*position, F.lit(f"duplicate {label}: already in bronze").alias("_mark")))
    found = marks.collect()
    if not found:
        return parsed
    table = spark.createDataFrame(found, schema="kafka_partition int, kafka_offset bigint, _mark string")
    return (parsed.join(F.broadcast(table), on=position, how="left")
            .withColumn("reason", F.coalesce(F.col("reason"), F.col("_mark"))).drop("_mark"))


def _parse(records, fast, python_parser, columns: list[str], parsed_ddl: str):
    """Every record through the Python parser (which alone writes dead-letter reasons), or with a
    fast path, only those the JVM cannot prove canonical and valid. Returns (parsed, the cached
    judged records both branches read, so Kafka is read once; None without a fast path)."""
    from pyspark import StorageLevel
    from pyspark.sql import functions as F

    if fast is None:
        return records.mapInPandas(python_parser, schema=parsed_ddl), None
    judged = fast.judge(records).persist(StorageLevel.MEMORY_AND_DISK)
    native = fast.rows(judged.filter(F.col("_fast")), [*columns, "kafka_timestamp", "key", "value"])
    native = native.withColumn("reason", F.lit(None).cast("string")).withColumn("_native", F.lit(True))
    rest = judged.filter(~F.col("_fast")).select(*records.columns).mapInPandas(python_parser, schema=parsed_ddl)
    return native.unionByName(rest), judged


def _parser(contract, limits: ParseLimits, columns: list[str]):
    """mapInPandas function: parse each record; raw bytes go along (bronze drops them, dead-letter keeps them)."""
    import pandas as pd

    output = [*columns, "kafka_timestamp", "key", "value", "reason", "_native"]

    def parse_batches(batches):
        for batch in batches:
            rows = []
            for key, value, topic, partition, offset, timestamp in batch.itertuples(index=False, name=None):
                row, reason = try_parse(value, contract, limits)
                provenance = {"kafka_topic": topic, "kafka_partition": partition, "kafka_offset": offset, "kafka_timestamp": timestamp}
                if row is None:
                    rows.append({**provenance, "key": key, "value": value, "reason": reason, "_native": False})
                else:
                    rows.append({**row, **provenance, "key": key, "value": value, "reason": None, "_native": False})
            yield pd.DataFrame({c: [row.get(c) for row in rows] for c in output}, columns=output)

    return parse_batches


def _mark_already_ingested(spark, parsed, tables, topic: str):
    """Backfill: records whose (partition, offset) already sit in bronze or dead-letter are skipped."""
    from pyspark.sql import functions as F

    keys = ["kafka_partition", "kafka_offset"]
    existing = [
        spark.read.parquet(str(path)).filter(F.col("kafka_topic") == topic).select(*keys)
        for path in tables if lake.parquet_files(path)
    ]
    if not existing:
        return parsed
    done = existing[0].unionByName(existing[1]) if len(existing) == 2 else existing[0]
    return parsed.join(done.withColumn("_done", F.lit(True)), on=keys, how="left").withColumn(
        "reason", F.when(F.col("_done"), F.lit(SKIPPED)).otherwise(F.col("reason"))
    ).drop("_done")


def _known_tickers(settings: Settings) -> frozenset[str] | None:
    path = settings.ingest.known_tickers_file
    if not path:
        return None
    with open(path) as handle:
        return frozenset(line.strip() for line in handle if line.strip())


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--topic", choices=KINDS, required=True)
    parser.add_argument("--from", dest="start", type=datetime.fromisoformat, default=None, help="backfill start (broker time)")
    parser.add_argument("--to", dest="end", type=datetime.fromisoformat, default=None, help="backfill end, exclusive")
    args = parser.parse_args(argv)
    result = run(args.topic, start=args.start, end=args.end)
    print(f"ingest {result.topic}: in={result.records_in} bronze={result.bronze} deadletter={result.deadletter} "
          f"already_ingested={result.already_ingested} native_validated={result.native_validated} reconciled={result.reconciled} reasons={result.reasons}")


if __name__ == "__main__":
    main()
