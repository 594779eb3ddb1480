"""Ingest job: a Kafka topic -> bronze (Delta, by event date) + dead-letter (Delta), by Spark's own Kafka source.

Runs with ``spark-submit jobs/ingest.py --topic news`` or ``lam ingest news``. Exactly-once by Spark's
and Delta's own means: the incremental read is a streaming query (``trigger(availableNow=True)``) whose
checkpoint records each batch's offsets before the batch runs; bronze and then dead-letter are appended
with the query id and the batch id as Delta transaction (``txnAppId`` / ``txnVersion``), so a batch
replayed after a crash writes only what the crashed attempt had not committed, and the run's clock is
taken from the crashed attempt's bronze commit. A backfill reads the broker-time window ``[start, end)``
in one bounded read (Kafka's timestamp-based starting offsets) and skips every record already ingested.
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone

from lam_models import catalog
from lam_models import delta_tables
from lam_models.adapters import delta_spark, failpoints
from lam_models.adapters.kafka_admin import OffsetReader
from lam_models.adapters.kafka_config import spark_options
from lam_models.adapters.spark import get_spark
from lam_models.adapters.native_validation import fast_path
from lam_models.contracts import load_contract, spark_ddl
from lam_models.ingest.parse import ParseLimits
from lam_models.adapters.spark_parse import parse, parser
from lam_models.settings import Settings, get_settings

KINDS = ("news", "interactions", "labels")
SKIPPED = "already ingested"
EPOCH = datetime.fromtimestamp(0, tz=timezone.utc)
FAR_FUTURE = datetime(9999, 1, 1, tzinfo=timezone.utc)
POSITION = ["kafka_partition", "kafka_offset"]
RUN_LEVEL = ("offsets_spanned", "seconds")
"""Figures of a whole run, not of one batch: left out of the batch's commit metadata."""


@dataclass
class IngestResult:
    """What one run read and wrote; ``records_in == bronze + deadletter + already_ingested``.

    ``records_in`` counts the records Spark read, which may be fewer than ``offsets_spanned`` on a
    transactional or compacted topic (commit markers and compaction leave offsets without records).
    ``native_validated`` counts the records proved valid by Spark alone (no Python parse)."""

    topic: str
    batches: int = 0
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

    def add(self, batch: IngestResult) -> None:
        for name in ("batches", "records_in", "bronze", "deadletter", "already_ingested", "native_validated"):
            setattr(self, name, getattr(self, name) + getattr(batch, name))
        for reason, count in batch.reasons.items():
            self.reasons[reason] = self.reasons.get(reason, 0) + count


def run(kind: str, settings: Settings | None = None, start: datetime | None = None, end: datetime | None = None) -> IngestResult:
    """Ingest what topic ``kind`` holds beyond the last run (or the broker-time window [start, end))."""
    settings = settings or get_settings()
    if kind not in KINDS:
        raise ValueError(f"unknown topic kind {kind!r}; expected one of {KINDS}")
    topic = getattr(settings.topics, kind)
    with OffsetReader(settings, topic) as offsets:  # a clear error when the broker or the topic is missing
        earliest = offsets.earliest()
    began = time.perf_counter()
    spark = get_spark(settings, f"lam-ingest-{kind}")
    if start is None and end is None:
        result = _incremental(spark, settings, kind, topic, earliest)
    else:
        result = _backfill(spark, settings, kind, topic, start or EPOCH, end or FAR_FUTURE)
    if not result.reconciled:
        raise RuntimeError(f"counts do not reconcile for {topic}: {asdict(result)}")
    result.seconds = round(time.perf_counter() - began, 3)
    return result


def _incremental(spark, settings: Settings, kind: str, topic: str, earliest: dict[int, int]) -> IngestResult:
    """Every record after the checkpoint's offsets, in one or more batches, each written exactly once."""
    result = IngestResult(topic=topic)
    stream = (spark.readStream.format("kafka").options(**spark_options(settings.kafka))
              .option("subscribe", topic).option("startingOffsets", "earliest").option("failOnDataLoss", "false")
              .option("minPartitions", str(spark.sparkContext.defaultParallelism * 2)).load())
    progress = delta_spark.drain(stream, catalog.checkpoint(settings.lake_root, "ingest", topic), "lam-ingest",
                                 lambda batch, txn: result.add(_write(spark, settings, kind, topic, batch, txn)))
    result.offsets_spanned = _spanned(progress, topic, earliest)
    return result


def _spanned(progress: list, topic: str, earliest: dict[int, int]) -> int:
    """Offsets the run's batches covered (records, commit markers, compacted gaps), from the query's progress."""
    total = 0
    for update in progress:
        for source in update.sources:
            start, end = (json.loads(o) if isinstance(o, str) else o for o in (source.startOffset, source.endOffset))
            ends = (end or {}).get(topic, {})
            total += sum(int(o) - int(((start or {}).get(topic) or {}).get(p, earliest.get(int(p), 0))) for p, o in ends.items())
    return total


def _backfill(spark, settings: Settings, kind: str, topic: str, start: datetime, end: datetime) -> IngestResult:
    """One bounded read from the first offsets at ``start`` to the end, kept to ``[start, end)`` by broker time."""
    from pyspark.sql import functions as F

    raw = (spark.read.format("kafka").options(**spark_options(settings.kafka)).option("subscribe", topic)
           .option("startingTimestamp", str(int(start.timestamp() * 1000)))
           .option("startingOffsetsByTimestampStrategy", "latest").option("endingOffsets", "latest")
           .option("minPartitions", str(spark.sparkContext.defaultParallelism * 2)).load())
    window = raw.filter((F.col("timestamp") >= F.lit(start)) & (F.col("timestamp") < F.lit(end)))
    result = _write(spark, settings, kind, topic, window, txn=None, window=(start, end))
    result.offsets_spanned = result.records_in
    return result


def _write(spark, settings: Settings, kind: str, topic: str, raw, txn: list | None,
           window: tuple[datetime, datetime] | None = None) -> IngestResult:
    """Parse one batch of Kafka records into a cache; duplicates are found on a narrow projection of it, so
    wide rows are never shuffled; bronze, then dead-letter, are appended from the cache by one task per core.

    ``txn``: the (application, batch) Delta transaction of an incremental batch; a backfill has none and
    instead skips every record whose position bronze or dead-letter holds already."""
    from pyspark import StorageLevel
    from pyspark.sql import functions as F

    bronze, dead, contract = catalog.BRONZE[kind], catalog.DEADLETTER, load_contract(kind)
    replayed = _replayed_commit(settings, bronze, txn)
    now = datetime.fromisoformat(replayed["userMetadata"]["now"]) if replayed else datetime.now(timezone.utc)
    limits = ParseLimits.from_settings(settings.ingest, now, _known_tickers(settings))
    records = raw.select(
        "key", "value", F.col("topic").alias("kafka_topic"), F.col("partition").alias("kafka_partition"),
        F.col("offset").alias("kafka_offset"), F.col("timestamp").alias("kafka_timestamp"),
    )
    parsed_ddl = f"{spark_ddl(bronze.schema)}, `kafka_timestamp` timestamp, `key` binary, `value` binary, `reason` string, `_native` boolean"
    fast = fast_path(contract, limits) if settings.ingest.native_validation else None
    parsed, judged = parse(records, fast, parser(contract, limits, bronze.columns), bronze.columns, parsed_ddl)
    read_versions = {t.name: delta_tables.version(t.path(settings.lake_root)) for t in (bronze, dead)} if window else {}
    if window is not None:
        parsed = _mark_already_ingested(spark, settings, parsed, topic, read_versions)
    parsed = parsed.persist(StorageLevel.MEMORY_AND_DISK)
    records_in = parsed.count()  # one row per record read (fills the cache)
    marked = _mark_duplicates(spark, parsed, list(contract.dedup_key), bronze.path(settings.lake_root),
                              replayed["version"] - 1 if replayed else None)
    if judged is not None:
        judged.unpersist()
    kinds = F.split("reason", ":").getItem(0).alias("kind")
    counts = marked.groupBy(kinds).agg(F.count(F.lit(1)).alias("count"), F.sum(F.col("_native").cast("int")).alias("native")).collect()
    result = _counted(topic, records_in, counts)
    if not result.reconciled:
        raise RuntimeError(f"counts do not reconcile for {topic}: {asdict(result)}")
    figures = {k: v for k, v in asdict(result).items() if k not in RUN_LEVEL}
    metadata = {"job": "ingest", "name": topic + ("-backfill" if window else ""), "now": now.isoformat(), **figures}
    if window is not None:  # what the backfill read: its window, and the table versions it checked against
        metadata |= {"window": [t.isoformat() for t in window], "read_versions": read_versions}
    tasks = spark.sparkContext.defaultParallelism
    good = marked.filter(F.col("reason").isNull()).select(*bronze.columns).coalesce(tasks).sortWithinPartitions(*POSITION)
    bad = marked.filter(F.col("reason").isNotNull() & (F.col("reason") != SKIPPED)).select(*dead.columns)
    delta_spark.append(good, bronze.path(settings.lake_root), bronze, metadata, txn)
    failpoints.hit("ingest.before_deadletter")
    delta_spark.append(bad.coalesce(1).sortWithinPartitions(*POSITION), dead.path(settings.lake_root), dead, metadata, txn)
    parsed.unpersist()
    failpoints.hit("ingest.before_commit")
    return result


def _replayed_commit(settings: Settings, bronze: catalog.Table, txn: list | None) -> dict | None:
    """Bronze's commit of this batch's transaction when a crashed attempt of the batch made it (else None): the
    replay takes that attempt's clock and checks duplicates against bronze as it was before that commit."""
    path = bronze.path(settings.lake_root)
    committed = delta_tables.transaction_version(path, txn[0]) if txn is not None else None
    if committed is None or committed < txn[1]:
        return None
    return next((commit for commit in delta_tables.history(path) if commit["userMetadata"].get("txn") == txn), None)


def _counted(topic: str, records_in: int, counts) -> IngestResult:
    """The batch's figures from the per-reason-kind counts (kind None: valid, to bronze)."""
    result = IngestResult(topic=topic, batches=1, records_in=records_in)
    for row in counts:
        result.native_validated += int(row["native"] or 0)
        if row["kind"] is None:
            result.bronze = row["count"]
        elif row["kind"] == SKIPPED:
            result.already_ingested = row["count"]
        else:
            result.reasons[row["kind"]] = row["count"]
            result.deadletter += row["count"]
    return result


def _mark_duplicates(spark, parsed, dedup: list[str], bronze_path, bronze_version: int | None):
    """Give every valid row whose dedup key repeats an earlier one (in this batch, by partition and
    offset) or sits in bronze already (as of ``bronze_version``: a replayed batch checks against bronze
    as it was before its crashed attempt committed) a duplicate reason.

    Only the key and position columns are shuffled; the marks (usually few) come to the driver
    and are joined back by broadcast, or not at all when there are none."""
    from pyspark.sql import functions as F
    from pyspark.sql.window import Window

    label = "/".join(dedup)
    keys = parsed.filter(F.col("reason").isNull()).select(*dedup, *POSITION)
    ranked = keys.withColumn("_rank", F.row_number().over(Window.partitionBy(*dedup).orderBy(*POSITION)))
    marks = ranked.filter(F.col("_rank") > 1).select(*POSITION, F.lit(f"duplicate {label}: within run").alias("_mark"))
    if delta_tables.is_table(bronze_path) and bronze_version != -1:  # -1: the replayed commit created bronze
        seen = delta_spark.read(spark, bronze_path, bronze_version).select(*dedup)
        firsts = ranked.filter(F.col("_rank") == 1).join(seen, on=dedup, how="left_semi")
        marks = marks.unionByName(firsts.select(*POSITION, F.lit(f"duplicate {label}: already in bronze").alias("_mark")))
    found = marks.collect()
    if not found:
        return parsed
    table = spark.createDataFrame(found, schema="kafka_partition int, kafka_offset bigint, _mark string")
    return (parsed.join(F.broadcast(table), on=POSITION, how="left")
            .withColumn("reason", F.coalesce(F.col("reason"), F.col("_mark"))).drop("_mark"))


def _mark_already_ingested(spark, settings: Settings, parsed, topic: str, versions: dict[str, int | None]):
    """Backfill: records whose (partition, offset) already sit in bronze or dead-letter (at the table
    ``versions`` given, read by time travel) are skipped."""
    from pyspark.sql import functions as F

    existing = [
        delta_spark.read(spark, catalog.path(settings.lake_root, name), version).filter(F.col("kafka_topic") == topic).select(*POSITION)
        for name, version in versions.items() if version is not None
    ]
    if not existing:
        return parsed
    done = existing[0].unionByName(existing[1]) if len(existing) == 2 else existing[0]
    return parsed.join(done.distinct().withColumn("_done", F.lit(True)), on=POSITION, how="left").withColumn(
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
