"""``lam demo``: the nightly pipeline end to end on the embedded default (local broker + local Spark).

Starts what it needs, replays Benzinga + MovieLens into Kafka, trains (or reuses) a sentiment
version, runs the same steps as the ``nightly`` DAG, delivers the alerts through a consumer group,
prints a summary and the report's path, and stops everything it started (also on Ctrl-C).
"""

from __future__ import annotations

import json
import sys
import time
from datetime import datetime, timedelta, timezone

import typer

from lam_models.adapters.broker import LocalBroker
from lam_models.adapters.kafka_admin import ensure_topics
from lam_models.adapters.producers import benzinga_messages, movielens_messages, produce
from lam_models.cli._common import console, guarded, settings
from lam_models.datasets import fetch
from lam_models.lake_location import is_local


DEMO_TRAIN = dict(epochs=2, limit_train=None, num_layers=3, learning_rate=1e-4, class_weights="sqrt",
                  agreement_targets=False, precision="fp32")
"""The demo's small, fast budget, pinned as measured in bench/results/demo.json: a 3-layer student,
2 epochs (accuracy 0.838 in ~2 CPU-minutes), not the full recipe's 8 epochs of 6 layers. 1 epoch over
1,200 rows was faster but too weak (accuracy 0.63) for any alert to fire."""


def demo(download: bool = False, keep_broker: bool = False, epochs: int = DEMO_TRAIN["epochs"],
         limit_train: int | None = DEMO_TRAIN["limit_train"]) -> None:
    """Replay, train-or-reuse the model, run the nightly steps, deliver alerts, write the report."""
    s = settings()
    broker = LocalBroker.from_settings(s)
    started_here = not broker.is_running()
    began = time.perf_counter()
    try:
        guarded(broker.start)
        guarded(lambda: ensure_topics(s))
        news, _ = guarded(lambda: benzinga_messages(fetch("benzinga", s.data_dir, download)))
        produce(s, s.topics.news, news, total=len(news))
        ratings = guarded(lambda: movielens_messages(fetch("movielens_100k", s.data_dir, download)))
        produce(s, s.topics.interactions, ratings, total=len(ratings))
        version = _sentiment_version(s, epochs, limit_train, download)
        summaries = _run_nightly(s, datetime(1970, 1, 1, tzinfo=timezone.utc), datetime.now(timezone.utc) + timedelta(days=1))
        delivered = _deliver_alerts(s)
        _print_summary(s, summaries, delivered, version, time.perf_counter() - began)
    except KeyboardInterrupt:
        console.print("[yellow]interrupted: stopping what the demo started[/yellow]")
        raise typer.Exit(130) from None
    finally:
        _stop_spark()
        if started_here and not keep_broker:
            broker.stop()


def _stop_spark() -> None:
    """Stop the local Spark session (and its JVM) if a step started one."""
    if "pyspark" in sys.modules:
        from pyspark.sql import SparkSession

        session = SparkSession.getActiveSession() or SparkSession._instantiatedSession
        if session is not None:
            session.stop()


def _sentiment_version(s, epochs: int, limit_train: int | None, download: bool) -> str:
    """The production version, or a small fast fine-tune promoted on first use (cached afterwards)."""
    from lam_models.registry.pointers import production_version, promote
    from lam_models.sentiment import TrainConfig, train_sentiment

    current = production_version(s.registry_root)
    if current:
        console.print(f"sentiment model: reusing production version {current}")
        return current
    rows = f"{limit_train} rows" if limit_train else "all training rows"
    console.print(f"sentiment model: fine-tuning a demo version ({DEMO_TRAIN['num_layers']} layers, {epochs} epoch(s), {rows})")
    config = TrainConfig(**{**DEMO_TRAIN, "epochs": epochs, "limit_train": limit_train}, device=s.model.device)
    began = time.perf_counter()
    version = train_sentiment(config, s, download_if_missing=download, console=console)
    promote(s.registry_root, version, reason="lam demo")
    console.print(f"sentiment model: {version} trained and promoted in {time.perf_counter() - began:.0f} s")
    return version


def _run_nightly(s, start: datetime, end: datetime) -> list[dict]:
    """Every step of ``jobs.nightly.STEPS`` through ``run_step``, exactly as the DAG's tasks call it, with a progress bar."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from jobs.nightly import STEPS, run_step

    summaries = []
    with Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total} steps"),
                  TimeElapsedColumn(), console=console) as progress:
        bar = progress.add_task("nightly pipeline", total=len(STEPS))
        for step in STEPS:
            progress.update(bar, description=f"nightly pipeline: {step.name}")
            summaries.append(run_step(step.name, s, start, end))
            progress.advance(bar)
    return summaries


def _deliver_alerts(s) -> dict:
    """One consumer-group member drains the alerts topic into a JSON-lines file."""
    from lam_models.adapters.alert_consumer import build_consumer, build_sink, run_consumer
    from lam_models.alerting.config import AlertingConfig

    path = (s.lake_root if is_local(s.lake_root) else s.run_root) / "alerts.jsonl"  # an appended local file
    config = AlertingConfig.from_settings(s)
    member = build_consumer(s, "lam-demo", [build_sink("jsonl", config, path)], config)
    counts = run_consumer(member, idle_timeout_s=5.0, handle_signals=False)
    return {"file": str(path), **counts.as_dict()}


def _print_summary(s, summaries: list[dict], delivered: dict, version: str, seconds: float) -> None:
    from lam_models import catalog
    from lam_models.delta_tables import read_frame
    from lam_models.registry.store import read_json

    by_step = {row["step"]: row for row in summaries}
    alerts = read_frame(catalog.ALERTS.path(s.lake_root))
    console.rule("lam demo summary")
    for step in ("ingest_news", "ingest_interactions", "score", "monitor", "recommend"):
        row = by_step.get(step, {})
        console.print(f"{step:20} " + ", ".join(f"{k}={row[k]}" for k in ("records_in", "bronze", "deadletter", "rows_out",
                                                                           "alerts", "published", "users", "items") if k in row))
    if alerts is not None:
        for record in (json.loads(r) for r in alerts.sort_values("window_start").tail(8)["record"]):
            top = record["evidence"][0]["headline"] if record["evidence"] else "-"
            console.print(f"alert {record['key']:14} {record['window_start']} {record['severity']:6} neg={record['figures']['negative_share']:.2f}  “{top}”")
    recs = read_frame(catalog.RECOMMENDATIONS.path(s.lake_root))
    if recs is not None:
        for row in recs[recs["run_date"] == recs["run_date"].max()].head(3).itertuples():
            console.print(f"user {row.user_id}: top-5 {list(row.items[:5])}")
    test = read_json(s.registry_root, version, "metrics.json").get("test", {})
    console.print(f"model {version}: accuracy={test.get('accuracy', float('nan')):.3f} macro-F1={test.get('macro_f1', float('nan')):.3f}")
    console.print(f"alerts delivered: {delivered}")
    console.print("step seconds: " + ", ".join(f"{row['step']}={row['seconds_total']:.0f}" for row in summaries))
    console.print(f"report: {by_step.get('report', {}).get('report')}")
    console.print(f"[green]demo done in {seconds:.0f} s[/green]")
