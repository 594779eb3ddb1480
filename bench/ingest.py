"""Ingest throughput: the Spark ingest job vs a plain kafka-python consumer loop writing Parquet.

Both read the same N messages (Benzinga headlines resampled over a week, 1% malformed) from the
same topic, apply the same parser and write bronze + dead-letter Parquet. Writes
``bench/results/ingest.json``. Run: ``python bench/ingest.py [--messages 200000]``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
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
from lam_models.settings import KafkaSettings, Settings, SparkSettings, TopicSettings  # noqa: E402

PORT = 19192


def messages(data_dir: Path, n: int, seed: int = 0) -> list[tuple[bytes, bytes, int]]:
    """n headlines resampled from Benzinga, stamped over one week in time order, 1% malformed."""
    rng = random.Random(seed)
    titles = [(h.title, h.ticker) for h in read_benzinga(fetch("benzinga", data_dir)) if h.reject_reason is None]
    start = datetime(2024, 1, 1, tzinfo=timezone.utc)
    out = []
    for i in range(n):
        when = start + timedelta(seconds=i * 7 * 86400 // n)
        title, ticker = rng.choice(titles)
        value = encode({"schema_version": 1, "id": f"b-{i}", "tickers": [ticker], "headline": title,
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=200_000)
    parser.add_argument("--data-dir", type=Path, default=Path(Settings().data_dir))
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "results" / "ingest.json")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        settings = Settings(lake_root=root / "lake", run_root=root / "run", data_dir=args.data_dir,
                            kafka=KafkaSettings(bootstrap_servers=f"127.0.0.1:{PORT}", port_base=PORT),
                            topics=TopicSettings(news="bench-news"), spark=SparkSettings(master="local[*]"))
        broker = LocalBroker.from_settings(settings)
        broker.start()
        try:
            ensure_topics(settings, [settings.topics.news])
            batch = messages(args.data_dir, args.messages)
            began = time.perf_counter()
            produce(settings, settings.topics.news, batch, total=len(batch))
            produced = time.perf_counter() - began

            from jobs import ingest
            from lam_models.adapters.spark import get_spark

            began = time.perf_counter()
            get_spark(settings, "bench-ingest")
            session_start = time.perf_counter() - began
            result = ingest.run("news", settings)
            plain = plain_consumer(settings, settings.topics.news, args.messages, root / "plain")
        finally:
            broker.stop()
    report = {
        "benchmark": "ingest", "messages": args.messages, "cores": os.cpu_count(),
        "machine": platform.platform(), "python": platform.python_version(),
        "produce_msgs_per_s": round(args.messages / produced),
        "spark_session_start_s": round(session_start, 2),
        "spark_ingest": {"seconds": result.seconds, "msgs_per_s": round(args.messages / result.seconds),
                         "bronze": result.bronze, "deadletter": result.deadletter, "reconciled": result.reconciled,
                         "native_validated": result.native_validated},
        "plain_kafka_python_loop": plain,
        "spark_vs_plain": round(plain["seconds"] / result.seconds, 2),
        "target_msgs_per_s": 50_000,
        "load_average_1m": os.getloadavg()[0],
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2))
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
