"""``lam alerts consume|publish|feedback|stats|tune``: deliver alerts to a sink, publish alert files, record
analyst verdicts (and relabels), report alert precision from them and pick the alert threshold from them."""

from __future__ import annotations

import json
import getpass
from datetime import datetime, timezone
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from lam_models.cli._common import clear_errors, console, operational_errors, settings

if TYPE_CHECKING:
    from lam_models.alerting.sensitivity import Recommendation

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
    sink: list[SinkKind] = typer.Option(..., "--sink", help="where alerts go; repeat for several (each kind once)"),
    path: Path | None = typer.Option(None, "--path", help="jsonl sink: the file (one writer per file)"),
    jsonl_name: str | None = typer.Option(None, "--jsonl-name", help="jsonl sink: name deliveries are deduplicated under "
                                          "(default: the file's path); the same for members whose files form one archive"),
    url: str | None = typer.Option(None, "--url", help="webhook sink: http(s) URL receiving one POST per alert"),
    max_messages: int | None = typer.Option(None, "--max-messages", min=1, help="stop after this many records"),
    idle_timeout: float | None = typer.Option(None, "--idle-timeout", min=0, help="stop after this many seconds without records"),
    deadletter: str | None = typer.Option(None, "--deadletter", help="dead-letter JSON-lines FILE, or 'topic' for <alerts>.deadletter"),
    metrics_port: int | None = typer.Option(None, "--metrics-port", min=0, max=65535, help="serve Prometheus /metrics on this port (0 = off)"),
    instance_id: str | None = typer.Option(None, "--instance-id", help="static group member id: a restart takes over at once"),
    status_file: Path | None = typer.Option(None, "--status-file", help="JSON counts and assignment, rewritten after each commit"),
) -> None:
    """Run a consumer-group member until stopped (SIGTERM/SIGINT), --max-messages or --idle-timeout; print counts.

    What reached each sink is recorded on the compacted <alerts>.delivered topic, shared by every member, so an
    alert revision reaches each sink once even when its partition moves to another pod.
    """
    from lam_models.adapters.alert_consumer import build_consumer, build_sink, run_consumer
    from lam_models.adapters.delivered_topic import DeliveredLogUnavailable
    from lam_models.alerting.config import AlertingConfig
    from lam_models.alerting.sinks import SinkBusy

    s = settings()
    with clear_errors(*operational_errors(), ValueError, SinkBusy):
        if len(set(sink)) < len(sink):
            raise ValueError("give each --sink kind once")
        if jsonl_name and SinkKind.jsonl not in sink:
            raise ValueError("--jsonl-name names the jsonl sink: add --sink jsonl --path FILE")
        config = AlertingConfig.from_settings(s, deadletter=deadletter, metrics_port=metrics_port)
        sinks = [build_sink(kind.value, config, path, url, jsonl_name) for kind in sink]
        member = build_consumer(s, group, sinks, config, instance_id, status_file)
    try:
        with clear_errors(*operational_errors(), DeliveredLogUnavailable):
            run_consumer(member, max_messages, idle_timeout)
    finally:
        typer.echo("alerts: " + json.dumps(member.status()), err=True)


@app.command()
def publish(file: Path = typer.Argument(..., exists=True, dir_okay=False, help="JSON-lines file of alert records")) -> None:
    """Publish alert records (schema-checked first; nothing is sent if one is invalid)."""
    from lam_models.adapters.alert_publisher import publish_alerts
    from lam_models.alerting.publish import InvalidAlert

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
    from lam_models.adapters.alert_feedback import submit_feedback
    from lam_models.alerting.feedback import FeedbackError

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

    from lam_models.adapters.alert_feedback import read_feedback
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


@app.command()
def tune(
    target_precision: float = typer.Option(..., "--target-precision", min=0, max=1, help="useful / kept alerts wanted, e.g. 0.8"),
    min_judged: int = typer.Option(20, "--min-judged", min=1, help="fewest judged alerts the threshold must keep"),
    detector: str | None = typer.Option(None, "--detector", help="detector id the settings line and --record are for; needed if several"),
    as_json: bool = typer.Option(False, "--json", help="print JSON (with every candidate threshold) instead of a table"),
    record: Path | None = typer.Option(None, "--record", dir_okay=False, help="append the recommendation as one JSON line to FILE"),
) -> None:
    """Recommend alert_threshold per detector setting from the latest verdicts: the lowest that keeps precision >= the target.

    Feedback only judges alerts that fired, so it can raise or confirm the threshold, never lower it below the lowest judged score.
    """
    from rich.table import Table

    from lam_models.adapters.alert_feedback import read_feedback
    from lam_models.alerting.feedback_stats import latest_verdicts
    from lam_models.alerting.sensitivity import recommend

    s = settings()
    current = getattr(s.monitor, "alert_threshold", None)
    with clear_errors(*operational_errors()):
        verdicts = latest_verdicts(read_feedback(s))
    with clear_errors(ValueError):
        found = recommend(verdicts, target_precision, min_judged, current=current)
        chosen = _chosen(found, detector, needed=record is not None)
    line = None if chosen is None or chosen.threshold is None else f"LAM_MONITOR__ALERT_THRESHOLD={chosen.threshold!r}"
    if record is not None:
        with clear_errors(OSError):
            _append(record, {"ts": datetime.now(timezone.utc).isoformat().replace("+00:00", "Z"),
                             "target_precision": target_precision, "min_judged": min_judged, **_summary(chosen)})
        console.print(f"recorded the recommendation for detector {chosen.group['detector']} -> {record}")
    if as_json:
        typer.echo(json.dumps({
            "target_precision": target_precision, "min_judged": min_judged, "current_alert_threshold": current,
            "judged": len(verdicts), "settings_line": line,
            "detectors": [{**_summary(r), "candidates": r.candidates.to_dict("records")} for r in found]}, default=float))
        return
    console.print(f"{len(verdicts)} judged alert(s); target precision {target_precision:g} with at least {min_judged} "
                  f"kept; current alert_threshold {'unknown' if current is None else f'{current:g}'}")
    table = Table(title="recommended alert_threshold by detector setting")
    table.add_column("detector", no_wrap=True, min_width=12)
    for column in ("judged", "unscored", "threshold", "precision", "kept"):
        table.add_column(column, justify="right")
    table.add_column("note")
    for r in found:
        note = r.reason or ("keeps every judged alert" if r.keeps_all else f"drops {r.judged - r.kept} judged alert(s)")
        table.add_row(r.group["detector"], str(r.judged), str(r.unscored), "-" if r.threshold is None else f"{r.threshold:g}",
                      "-" if r.precision is None else f"{r.precision:.4f}", "-" if r.kept is None else str(r.kept), note)
    console.print(table)
    if line:
        typer.echo(line)
    elif not found:
        console.print("no verdicts to tune from: judge alerts with `lam alerts feedback` first")
    elif chosen is None:
        console.print(f"verdicts come from {len(found)} detector settings: pass --detector ID for its settings line")


def _chosen(found: list[Recommendation], detector: str | None, needed: bool) -> Recommendation | None:
    """The recommendation the settings line and the record are about; None when ambiguous and not ``needed``."""
    ids = [r.group["detector"] for r in found]
    if detector is not None:
        if detector not in ids:
            raise ValueError(f"no verdicts on alerts of detector {detector!r}; detectors with verdicts: {ids or 'none'}")
        return found[ids.index(detector)]
    if len(found) == 1:
        return found[0]
    if needed:
        raise ValueError("no verdicts to tune from: judge alerts with `lam alerts feedback` first" if not found else
                         f"verdicts come from {len(found)} detector settings {ids}: pick one with --detector")
    return None


def _summary(r: Recommendation) -> dict:
    return {"detector": r.group["detector"], "recommended_alert_threshold": r.threshold, "precision": r.precision,
            "kept": r.kept, "judged": r.judged, "unscored": r.unscored, "reason": r.reason}


def _append(path: Path, entry: dict) -> None:
    """One JSON line per run, appended: the log of how the threshold was chosen."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as out:
        out.write(json.dumps(entry) + "\n")
