"""Delta tables from Spark jobs: idempotent appends, range replacement, compaction.

Exactly-once is Delta's own: an append carries an application id and a version (``txnAppId`` /
``txnVersion``) that the commit records atomically, so replaying a run after a crash finds its
version taken and writes nothing twice; a range replacement (``replaceWhere``) is one commit.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def read(spark, path: Path | str, version: int | None = None):
    """The table (as of ``version``, by time travel, when given)."""
    reader = spark.read.format("delta")
    return (reader if version is None else reader.option("versionAsOf", version)).load(str(path))


def read_stream(spark, path: Path | str):
    """The table's appends as a stream (compaction commits, which change no data, are not replayed)."""
    return spark.readStream.format("delta").load(str(path))


def drain(stream, checkpoint: Path | str, app: str, write_batch) -> list:
    """Run ``stream`` until it has consumed what is available now (``trigger(availableNow=True)``).

    ``write_batch(batch, txn)`` gets each batch with its Delta transaction ``[app-queryid, batch id]``:
    the query id is the checkpoint's, so a batch replayed from the checkpoint carries the same
    transaction and a new checkpoint never collides with an old one. Returns the query's progress."""
    import threading

    query_id, started = {}, threading.Event()

    def with_txn(batch, batch_id: int) -> None:
        started.wait()
        write_batch(batch, [f"{app}-{query_id['id']}", batch_id])

    query = (stream.writeStream.foreachBatch(with_txn).trigger(availableNow=True)
             .option("checkpointLocation", str(checkpoint)).start())
    query_id["id"] = query.id
    started.set()
    query.awaitTermination()
    return query.recentProgress


def append_once(frame, path: Path | str, app_id: str, txn_version: int, partition_by: list[str], metadata: dict[str, Any]) -> None:
    """Append ``frame`` unless the table already holds ``app_id``'s ``txn_version`` (then nothing is written)."""
    (frame.write.format("delta").mode("append").partitionBy(*partition_by)
     .option("txnAppId", app_id).option("txnVersion", txn_version)
     .option("userMetadata", json.dumps(metadata, sort_keys=True)).save(str(path)))


def replace_where(frame, path: Path | str, predicate: str, partition_by: list[str], metadata: dict[str, Any]) -> None:
    """Replace the rows matching ``predicate`` (every row of ``frame`` must match it) with ``frame``, in one commit."""
    (frame.write.format("delta").mode("overwrite").partitionBy(*partition_by).option("replaceWhere", predicate)
     .option("userMetadata", json.dumps(metadata, sort_keys=True)).save(str(path)))


def optimize(spark, path: Path | str) -> dict[str, Any]:
    """Compact the table's small files (bin-packing ``OPTIMIZE``); returns Delta's metrics of the run."""
    row = spark.sql(f"OPTIMIZE delta.`{path}`").first()
    metrics = row["metrics"].asDict(recursive=True) if row is not None else {}
    return {k: metrics[k] for k in ("numFilesAdded", "numFilesRemoved", "totalConsideredFiles") if k in metrics}
