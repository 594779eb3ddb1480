"""``lam alerts consume|publish|feedback|stats``: deliver alerts to a sink, publish alert files, record
analyst verdicts (and relabels) and report alert precision from them."""

from __future__ import annotations

import json
import getpass
from enum import Enum
from pathlib import Path

import typer

from lam_models.cli._common import clear_errors, console, guarded, operational_errors, settings

app = typer.Typer(help="Deliver sentiment alerts (consumer group) and publish alert records.", no_args_is_help=True)


class Verdict(str, Enum):
    useful = "useful"
    false_alarm = "false-alarm"


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


@app.command()
def feedback(
    alert_id: str = typer.Argument(..., help="the alert judged (alert_id of the record)"),
    verdict: Verdict = typer.Option(..., "--verdict", help="was the alert useful, or a false alarm"),
    relabel: list[str] = typer.Option([], "--relabel", help="HEADLINE_ID=negative|neutral|positive; repeatable; goes to the labels topic"),
    analyst: str = typer.Option(getpass.getuser(), "--analyst", help="who judged (labels get source analyst:NAME)"),
) -> None:
    """Keep a verdict on an alert (feedback topic) and send relabelled headlines to the labels topic (all checked first)."""
    from lam_models.alerting.feedback import FeedbackError, submit_feedback

    s = settings()
    with clear_errors(*operational_errors(), FeedbackError):
        record = submit_feedback(s, alert_id, verdict.value, relabel, analyst)
    console.print(f"feedback {record['feedback_id']}: {record['verdict']} on {record['alert']['key']} "
                  f"{record['alert']['window_size']} {record['alert']['window_start']} -> {s.topics.feedback}; "
                  f"{len(record['relabels'])} relabel(s) -> {s.topics.labels}")


@app.command()
def stats(as_json: bool = typer.Option(False, "--json", help="print JSON instead of tables")) -> None:
    """Alert precision (useful / judged) from the latest verdict per alert, by detector setting and by topic."""
    from rich.table import Table

    from lam_models.alerting.feedback import read_feedback
    from lam_models.alerting.feedback_stats import BY_SETTING, BY_TOPIC, latest_verdicts, precision

    with clear_errors(*operational_errors()):
        verdicts = latest_verdicts(read_feedback(settings()))
    tables = {"by_setting": precision(verdicts, BY_SETTING), "by_topic": precision(verdicts, BY_TOPIC)}
    if as_json:
        typer.echo(json.dumps({"judged": len(verdicts), **{k: v.to_dict("records") for k, v in tables.items()}}, default=int))
        return
    console.print(f"{len(verdicts)} judged alert(s)")
    for title, frame in tables.items():
        table = Table(title=f"precision {title.replace('_', ' ')}")
        for column in frame.columns:
            table.add_column(column, justify="right" if column in ("alerts", "useful", "false_alarm", "precision") else "left")
        for row in frame.itertuples(index=False):
            table.add_row(*map(str, row))
        console.print(table)
