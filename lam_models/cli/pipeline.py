"""``lam ingest`` and ``lam score``: the Spark jobs, run in-process on the configured master."""

from __future__ import annotations

from datetime import datetime

import typer

from lam_models.cli._common import console, guarded, settings


def ingest(
    topic: str = typer.Argument(..., help="news, interactions or labels"),
    start: datetime = typer.Option(None, "--from", help="backfill: first broker timestamp (ISO-8601)"),
    end: datetime = typer.Option(None, "--to", help="backfill: end broker timestamp, exclusive"),
) -> None:
    """Read the next exact offset ranges (or a time window) into bronze + dead-letter."""
    from jobs import ingest as job

    result = guarded(lambda: job.run(topic, settings(), start=start, end=end))
    console.print(
        f"ingest {result.topic}: in={result.records_in} bronze={result.bronze} deadletter={result.deadletter} "
        f"already_ingested={result.already_ingested} reconciled={result.reconciled} reasons={result.reasons}"
    )


def score() -> None:
    """Embed the headlines of bronze files not scored yet into silver."""
    from jobs import score as job

    result = guarded(lambda: job.run(settings()))
    console.print(f"score news: batches={result.batches} rows={result.rows_out} model={result.model_version} in {result.seconds}s")
