"""``lam alerts consume|publish``: deliver alerts from the alerts topic to a sink, or publish alert files."""

from __future__ import annotations

import json
from enum import Enum
from pathlib import Path

import typer

from lam_models.cli._common import clear_errors, console, guarded, operational_errors, settings

app = typer.Typer(help="Deliver sentiment alerts (consumer group) and publish alert records.", no_args_is_help=True)


class SinkKind(str, Enum):
    stdout = "stdout"
    jsonl = "jsonl"
    webhook = "webhook"


@app.command()
def consume(
    group: str = typer.Option(..., "--group", help="consumer group; members of one group share the partitions"),
    sink: SinkKind = typer.Option(..., "--sink", help="where alerts go"),
    path: Path | None = typer.Option(None, "--path", help="jsonl sink: the file (one writer per file)"),
    url: str | None = typer.Option(None, "--url", help="webhook sink: http(s) URL receiving one POST per alert"),
    max_messages: int | None = typer.Option(None, "--max-messages", min=1, help="stop after this many records"),
    idle_timeout: float | None = typer.Option(None, "--idle-timeout", min=0, help="stop after this many seconds without records"),
    deadletter: str | None = typer.Option(None, "--deadletter", help="dead-letter JSON-lines FILE, or 'topic' for <alerts>.deadletter"),
    dedup_db: Path | None = typer.Option(None, "--dedup-db", help="SQLite store of delivered alerts"),
    instance_id: str | None = typer.Option(None, "--instance-id", help="static group member id: a restart takes over at once"),
    status_file: Path | None = typer.Option(None, "--status-file", help="JSON counts and assignment, rewritten after each commit"),
) -> None:
    """Run a consumer-group member until stopped (SIGTERM/SIGINT), --max-messages or --idle-timeout; print counts."""
    from lam_models.alerting.config import AlertingConfig
    from lam_models.alerting.consumer import build_consumer, build_sink, run_consumer
    from lam_models.alerting.sinks import SinkBusy

    s = settings()
    with clear_errors(*operational_errors(), ValueError, SinkBusy):
        config = AlertingConfig.from_settings(s, dedup_db=dedup_db, deadletter=deadletter)
        member = build_consumer(s, group, build_sink(sink.value, config, path, url), config, instance_id, status_file)
    try:
        guarded(lambda: run_consumer(member, max_messages, idle_timeout))
    finally:
        typer.echo("alerts: " + json.dumps(member.status()), err=True)


@app.command()
def publish(file: Path = typer.Argument(..., exists=True, dir_okay=False, help="JSON-lines file of alert records")) -> None:
    """Publish alert records (schema-checked first; nothing is sent if one is invalid)."""
    from lam_models.alerting.publish import InvalidAlert, publish_alerts

    with clear_errors(*operational_errors(), InvalidAlert, json.JSONDecodeError):
        records = [json.loads(line) for line in file.read_text().splitlines() if line.strip()]
        sent = publish_alerts(settings(), records)
    console.print(f"published {sent} alert(s) to {settings().topics.alerts}")
