"""``lam demo``: the nightly path end to end on the embedded default (local broker + local Spark)."""

from __future__ import annotations

import time

from lam_models.adapters.broker import LocalBroker
from lam_models.adapters.kafka_admin import ensure_topics
from lam_models.adapters.producers import benzinga_messages, movielens_messages, produce
from lam_models.cli._common import console, guarded, settings
from lam_models.datasets import fetch


def demo(download: bool = False, keep_broker: bool = False) -> None:
    """Start the broker, replay Benzinga + MovieLens into Kafka, ingest both, score the headlines."""
    s = settings()
    broker = LocalBroker.from_settings(s)
    started_here = not broker.is_running()
    began = time.perf_counter()
    try:
        guarded(broker.start)
        guarded(lambda: ensure_topics(s))
        news, rejected = guarded(lambda: benzinga_messages(fetch("benzinga", s.data_dir, download)))
        produce(s, s.topics.news, news, total=len(news))
        ratings = guarded(lambda: movielens_messages(fetch("movielens_100k", s.data_dir, download)))
        produce(s, s.topics.interactions, ratings, total=len(ratings))
        from jobs import ingest, score

        for kind in ("news", "interactions"):
            result = ingest.run(kind, s)
            console.print(f"ingest {kind}: in={result.records_in} bronze={result.bronze} deadletter={result.deadletter} {result.reasons}")
        scored = score.run(s)
        console.print(f"score: {scored.rows_out} headlines embedded with {scored.model_version}")
        console.print(f"[green]demo done in {time.perf_counter() - began:.0f} s[/green]; lake at {s.lake_root}; "
                      f"{len(rejected)} CSV rows rejected while replaying")
    finally:
        if started_here and not keep_broker:
            broker.stop()
