"""``lam labels land``: the labels table (one row per text) from the labels topic's bronze or a file."""

from __future__ import annotations

from pathlib import Path

import typer

from lam_models.cli._common import clear_errors, console, settings

app = typer.Typer(help="The labels table that continual fine-tuning learns from.", no_args_is_help=True)

LABEL_MAP_HELP = "raw=label pairs, e.g. bearish=negative,bullish=positive (merged over continual.label_map)"


@app.command()
def land(
    file: Path = typer.Option(None, help="a text,label CSV/TSV/Parquet; default: the labels topic's bronze table"),
    label_map: str = typer.Option(None, help=LABEL_MAP_HELP),
    source: str = typer.Option(None, help="source of a file's labels (default file:<name>)"),
) -> None:
    """Merge new labels into <lake>/labels/labels.parquet, deduplicated by text hash (rerun-safe)."""
    from lam_models.continual import labels
    from lam_models.sentiment.data import DataError

    s = settings()
    with clear_errors(DataError, ValueError, FileNotFoundError):
        if file is None:
            incoming = labels.read_bronze(s.lake_root)
        else:
            mapping = {**(s.continual.label_map or {}), **labels.parse_label_map(label_map)}
            records = labels.records_from_file(file, mapping, source)
            labels.check_records(records)
            incoming = labels.frame_from_records(records)
        result = labels.land(s.lake_root, incoming)
    console.print(f"labels: in={len(incoming)} new={result.new} updated={result.updated} unchanged={result.unchanged} "
                  f"stale={result.stale} table={len(result.table)} rows at {labels.table_path(s.lake_root)}")
