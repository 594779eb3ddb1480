"""Spark side of parsing a batch of Kafka records: the native fast path where it proves a record, the Python parser elsewhere."""

from __future__ import annotations

from lam_models.ingest.parse import ParseLimits, try_parse


def parse(records, fast, python_parser, columns: list[str], parsed_ddl: str):
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


def parser(contract, limits: ParseLimits, columns: list[str]):
    """mapInPandas function: parse each record; raw bytes go along (bronze drops them, dead-letter keeps them).

    Only the values go through Python one by one; the key and provenance columns pass through as they came."""
    import pandas as pd

    passed = ["kafka_topic", "kafka_partition", "kafka_offset", "kafka_timestamp", "key", "value"]
    fields = [c for c in columns if c not in passed]
    output = [*columns, "kafka_timestamp", "key", "value", "reason", "_native"]

    def parse_batches(batches):
        for batch in batches:
            parsed = [try_parse(value, contract, limits) for value in batch["value"]]
            frame = pd.DataFrame({c: [row.get(c) if row is not None else None for row, _ in parsed] for c in fields}, index=batch.index)
            frame[passed] = batch[passed]
            frame["reason"] = [reason for _, reason in parsed]
            frame["_native"] = False
            yield frame[output]

    return parse_batches
