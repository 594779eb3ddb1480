"""``lam produce news|interactions|labels``: replay datasets (or any JSON-lines file) into Kafka."""

from __future__ import annotations

from pathlib import Path

import typer

from lam_models.adapters.producers import benzinga_messages, encode, jsonl_messages, movielens_messages, produce
from lam_models.cli._common import console, guarded, settings
from lam_models.datasets import fetch

app = typer.Typer(help="Replay data into the news / interactions / labels topics.", no_args_is_help=True)

FILE_HELP = "JSON-lines file of records in the topic's schema (schemas/<topic>.json); default: the public dataset"
DOWNLOAD_HELP = "download the public dataset (checksum-verified) if it is not in LAM_DATA_DIR"


@app.command()
def news(file: Path = typer.Option(None, help=FILE_HELP), download: bool = typer.Option(False, help=DOWNLOAD_HELP)) -> None:
    """Replay the Benzinga headlines (event time kept; split CSV records repaired or rejected)."""
    s = settings()
    if file is not None:
        sent = guarded(lambda: produce(s, s.topics.news, jsonl_messages(file, "id")))
        console.print(f"news: sent {sent} records from {file}")
        return
    messages, rejected = guarded(lambda: benzinga_messages(fetch("benzinga", s.data_dir, download)))
    for row in rejected:
        console.print(f"[yellow]rejected line {row.line}:[/yellow] {row.reject_reason}")
    sent = guarded(lambda: produce(s, s.topics.news, messages, total=len(messages)))
    console.print(f"news: sent {sent}, rejected {len(rejected)}")


@app.command()
def interactions(file: Path = typer.Option(None, help=FILE_HELP), download: bool = typer.Option(False, help=DOWNLOAD_HELP)) -> None:
    """Replay the MovieLens-100k ratings (keyed by user, in time order)."""
    s = settings()
    if file is not None:
        messages = jsonl_messages(file, "user_id")
    else:
        messages = guarded(lambda: movielens_messages(fetch("movielens_100k", s.data_dir, download)))
    sent = guarded(lambda: produce(s, s.topics.interactions, messages, total=None if file else len(messages)))
    console.print(f"interactions: sent {sent}")


@app.command()
def labels(
    file: Path = typer.Option(..., help="JSON-lines labels records (sent as they are) or a text,label CSV/TSV/Parquet"),
    label_map: str = typer.Option(None, help="raw=label pairs, e.g. bearish=negative (merged over continual.label_map)"),
    source: str = typer.Option(None, help="source of a table's labels (default file:<name>)"),
) -> None:
    """Send labelled texts to the labels topic (schemas/labels.json); a table's rows get stable ids."""
    from lam_models.cli._common import clear_errors
    from lam_models.continual.labels import check_records, parse_label_map, records_from_file
    from lam_models.sentiment.data import DataError

    s = settings()
    if file.suffix.lower() in (".jsonl", ".json", ".ndjson"):
        messages = jsonl_messages(file, "id")
    else:
        with clear_errors(DataError, ValueError, FileNotFoundError):
            records = records_from_file(file, {**(s.continual.label_map or {}), **parse_label_map(label_map)}, source)
            check_records(records)
        messages = [(r["id"].encode(), encode(r), None) for r in records]
    sent = guarded(lambda: produce(s, s.topics.labels, messages))
    console.print(f"labels: sent {sent} records from {file}")
