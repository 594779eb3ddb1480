"""Delta tables from Spark jobs: idempotent appends, range replacement, compaction.

Exactly-once is Delta's own: an append carries an application id and a version (``txnAppId`` /
``txnVersion``) that the commit records atomically, so replaying a run after a crash finds its
version taken and writes nothing twice; a range replacement (``replaceWhere``) is one commit.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from lam_models.catalog import Table


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


def append(frame, path: Path | str, table: Table, metadata: dict[str, Any], txn: list | None = None) -> None:
    """Append ``frame`` to ``table`` at ``path``; with ``txn`` ([application id, version]) only once: nothing is
    written when the table already holds that version of that application, and the commit's metadata names it."""
    if txn is None:
        _writer(frame, table, metadata).mode("append").save(str(path))
        return
    (_writer(frame, table, {**metadata, "txn": txn}).mode("append")
     .option("txnAppId", txn[0]).option("txnVersion", txn[1]).save(str(path)))


def replace_where(frame, path: Path | str, table: Table, predicate: str, metadata: dict[str, Any]) -> None:
    """Replace the rows matching ``predicate`` (every row of ``frame`` must match it) with ``frame``, in one commit."""
    _writer(frame, table, metadata).mode("overwrite").option("replaceWhere", predicate).save(str(path))


def _writer(frame, table: Table, metadata: dict[str, Any]):
    """A Delta writer laid out as ``table`` declares (partitioning; properties, which apply when it creates the table)."""
    return (frame.write.format("delta").partitionBy(*table.partition_by).options(**table.properties)
            .option("userMetadata", json.dumps(metadata, sort_keys=True)))


def optimize(spark, path: Path | str) -> dict[str, Any]:
    """Compact the table's small files (bin-packing ``OPTIMIZE``); returns Delta's metrics of the run."""
    row = spark.sql(f"OPTIMIZE delta.`{path}`").first()
    metrics = row["metrics"].asDict(recursive=True) if row is not None else {}
    return {k: metrics[k] for k in ("numFilesAdded", "numFilesRemoved", "totalConsideredFiles") if k in metrics}
