"""Ingest throughput: the Spark ingest job vs a plain kafka-python consumer loop writing Parquet.

Both read the same N messages (Benzinga headlines resampled over a week, 1% malformed) from the
same topic, apply the same parser and write bronze + dead-letter Parquet. The Spark job runs in a
fresh process per validation mode (Python parser, native fast path): a cold run (the first in a new
JVM, as a nightly spark-submit pays it), then a warm run on a second topic in the same session.
Writes ``bench/results/ingest.json``. Run: ``python bench/ingest.py [--messages 200000]``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from lam_models.adapters.broker import LocalBroker  # noqa: E402
from lam_models.adapters.kafka_admin import ensure_topics  # noqa: E402
from lam_models.adapters.kafka_config import client_config  # noqa: E402
from lam_models.adapters.producers import encode, produce  # noqa: E402
from lam_models.contracts import load_contract  # noqa: E402
from lam_models.datasets import fetch, read_benzinga  # noqa: E402
from lam_models.ingest.parse import ParseLimits, try_parse  # noqa: E402
from lam_models.settings import IngestSettings, KafkaSettings, Settings, SparkSettings, TopicSettings  # noqa: E402

PORT = 19192
COLD_TOPIC, WARM_TOPIC = "bench-news", "bench-news-warm"


def messages(data_dir: Path, n: int, seed: int = 0, prefix: str = "b") -> list[tuple[bytes, bytes, int]]:
    """n headlines resampled from Benzinga, stamped over one week in time order, 1% malformed;
    ids are ``<prefix>-<i>``."""
    rng = random.Random(seed)
    titles = [(h.title, h.ticker) for h in read_benzinga(fetch("benzinga", data_dir)) if h.reject_reason is None]
    start = datetime(2024, 1, 1, tzinfo=timezone.utc)
    out = []
    for i in range(n):
        when = start + timedelta(seconds=i * 7 * 86400 // n)
        title, ticker = rng.choice(titles)
        value = encode({"schema_version": 1, "id": f"{prefix}-{i}", "tickers": [ticker], "headline": title,
                        "published_at": when.isoformat(), "source": "bench"})
        if i % 100 == 0:
            value = value[: len(value) // 2]
        out.append((ticker.encode(), value, int(when.timestamp() * 1000)))
    return out


def plain_consumer(settings: Settings, topic: str, total: int, out: Path) -> dict:
    """The baseline: one kafka-python consumer, same parser, pyarrow Parquet writes."""
    import pyarrow as pa
    import pyarrow.parquet as pq
    from kafka import KafkaConsumer, TopicPartition

    contract, began = load_contract("news"), time.perf_counter()
    limits = ParseLimits.from_settings(settings.ingest, datetime.now(timezone.utc))
    consumer = KafkaConsumer(**client_config(settings.kafka), enable_auto_commit=False, max_poll_records=5000,
                             fetch_max_bytes=64 << 20, max_partition_fetch_bytes=16 << 20)
    partitions = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic))]
    consumer.assign(partitions)
    consumer.seek_to_beginning()
    good, bad, seen = [], [], 0
    while seen < total:
        for records in consumer.poll(timeout_ms=1000).values():
            for record in records:
                seen += 1
                row, reason = try_parse(record.value, contract, limits)
                if row is None:
                    bad.append({"partition": record.partition, "offset": record.offset, "value": record.value, "reason": reason})
                else:
                    good.append({**row, "kafka_partition": record.partition, "kafka_offset": record.offset})
    consumer.close()
    pq.write_to_dataset(pa.Table.from_pylist(good), out / "bronze", partition_cols=["event_date"])
    pq.write_table(pa.Table.from_pylist(bad), out / "deadletter.parquet")
    seconds = time.perf_counter() - began
    return {"seconds": round(seconds, 2), "msgs_per_s": round(total / seconds), "bronze": len(good), "deadletter": len(bad)}


def bench_settings(root: Path, data_dir: Path, native: bool = False) -> Settings:
    return Settings(lake_root=root / "lake", run_root=root / "run", data_dir=data_dir,
                    kafka=KafkaSettings(bootstrap_servers=f"127.0.0.1:{PORT}", port_base=PORT),
                    topics=TopicSettings(news=COLD_TOPIC), spark=SparkSettings(master="local[*]"),
                    ingest=IngestSettings(native_validation=native))


def spark_runs(root: Path, data_dir: Path, native: bool) -> dict:
    """In a fresh process (fresh JVM): ingest the cold topic, then the warm topic in the same session."""
    settings = bench_settings(root, data_dir, native)
    from jobs import ingest
    from lam_models.adapters.spark import get_spark

    began = time.perf_counter()
    get_spark(settings, "bench-ingest")
    runs: dict = {"session_start_s": round(time.perf_counter() - began, 2)}
    for name, topic in (("cold", COLD_TOPIC), ("warm", WARM_TOPIC)):
        result = ingest.run("news", settings.model_copy(update={"topics": TopicSettings(news=topic)}))
        runs[name] = {"seconds": result.seconds, "msgs_per_s": round(result.records_in / result.seconds),
                      "bronze": result.bronze, "deadletter": result.deadletter, "reconciled": result.reconciled,
                      "native_validated": result.native_validated}
    return runs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=200_000)
    parser.add_argument("--data-dir", type=Path, default=Path(Settings().data_dir))
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "results" / "ingest.json")
    parser.add_argument("--spark-worker", choices=["python", "native"], help=argparse.SUPPRESS)
    parser.add_argument("--root", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.spark_worker:
        print(json.dumps(spark_runs(args.root, args.data_dir, args.spark_worker == "native")))
        return
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        settings = bench_settings(root, args.data_dir)
        broker = LocalBroker.from_settings(settings)
        broker.start()
        try:
            ensure_topics(settings, [COLD_TOPIC, WARM_TOPIC])
            batch = messages(args.data_dir, args.messages)
            began = time.perf_counter()
            produce(settings, COLD_TOPIC, batch, total=len(batch))
            produced = time.perf_counter() - began
            produce(settings, WARM_TOPIC, messages(args.data_dir, args.messages, seed=1, prefix="w"), total=len(batch))
            spark = {}
            for mode in ("python", "native"):
                command = [sys.executable, __file__, "--spark-worker", mode, "--root", str(root / mode),
                           "--data-dir", str(args.data_dir)]
                done = subprocess.run(command, check=True, capture_output=True, text=True)
                spark[mode] = json.loads(done.stdout.strip().splitlines()[-1])
            plain = plain_consumer(settings, COLD_TOPIC, args.messages, root / "plain")
        finally:
            broker.stop()
    best = spark["python"]["cold"]
    report = {
        "benchmark": "ingest", "messages": args.messages, "cores": os.cpu_count(),
        "machine": platform.platform(), "python": platform.python_version(),
        "produce_msgs_per_s": round(args.messages / produced),
        "spark_ingest": {**best, "mode": "python parser (default)"},
        "spark_modes": {"python_parser": spark["python"], "native_fast_path": spark["native"]},
        "plain_kafka_python_loop": plain,
        "spark_vs_plain": round(plain["seconds"] / best["seconds"], 2),
        "target_msgs_per_s": 50_000,
        "note": "cold = the first ingest in a fresh JVM (what a nightly spark-submit pays); warm = a second topic "
                "ingested in the same Spark session",
        "load_average_1m": os.getloadavg()[0],
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2))
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
