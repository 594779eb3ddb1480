"""``lam produce news|interactions``: replay datasets (or any JSON-lines file) into Kafka."""

from __future__ import annotations

from pathlib import Path

import typer

from lam_models.adapters.producers import benzinga_messages, jsonl_messages, movielens_messages, produce
from lam_models.cli._common import console, guarded, settings
from lam_models.datasets import fetch

app = typer.Typer(help="Replay data into the news / interactions topics.", no_args_is_help=True)

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
