"""``lam topics fit|show`` and ``lam eval topics``: topics discovered by clustering the scored headlines.

Not the category head (``lam train categories``), which learns a desk's own labels.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer

from lam_models.cli._common import clear_errors, console, registry_errors, settings

app = typer.Typer(help="Topics discovered in the scored headlines (stable ids, versioned in the registry).",
                  no_args_is_help=True)


def _errors() -> tuple[type[BaseException], ...]:
    from lam_models.registry.store import RegistryError

    return (RegistryError, FileNotFoundError, ValueError)


@app.command("fit")
def fit(promote: bool = typer.Option(True, "--promote/--no-promote", help="make the new version production (scoring uses it)")) -> None:
    """Cluster the silver embeddings, keep the ids of matching topics, write a ``topics`` registry version."""
    from dataclasses import asdict

    from jobs import topics as job

    with clear_errors(*_errors()):
        result = job.run(settings(), promote=promote)
    console.print(f"topics: {asdict(result)}")


@app.command("show")
def show(version: str = typer.Argument(None, help="topic model version (default: production, else the newest)"),
         top: int = typer.Option(15, min=1, help="topics to list, largest first"),
         as_json: bool = typer.Option(False, "--json", help="print JSON instead of a table")) -> None:
    """The topic table of a version: id, size, top terms, representative headlines."""
    from rich.table import Table

    from lam_models.topics.store import latest_version, load_model

    s = settings()
    with clear_errors(*_errors()):
        chosen = version or latest_version(s.registry_root)
        if chosen is None:
            raise FileNotFoundError(f"no topic model in {s.registry_root / 'topics'}: run `lam topics fit` after scoring")
        model = load_model(s.registry_root, chosen)
    frame = model.table().head(top)
    if as_json:
        typer.echo(json.dumps({"version": chosen, "stats": model.stats, "topics": frame.to_dict("records")}, indent=1))
        return
    table = Table(title=f"{chosen}: {model.n_topics} topics, {model.stats.get('outlier_share', 0):.1%} outliers "
                        f"(embeddings of {model.embedding_version or '?'})")
    for column in ("id", "size", "terms", "examples"):
        table.add_column(column, justify="right" if column in ("id", "size") else "left", overflow="fold")
    for row in frame.itertuples():
        table.add_row(str(row.topic_id), str(row.size), row.terms, row.examples.replace(" | ", "\n"))
    console.print(table)


def unsupervised_report(s: Any, data: Path, text_column: str | None,
                        category_column: str | None) -> dict[str, Any] | None:
    """AMI of the current topic model's ids against the file's categories; None when there is no topic model.

    The file's texts are embedded and assigned exactly as the scoring job does (same encoder, same model).
    """
    from lam_models.scoring.predict import ScoringConfig, load_encoder, load_topics, score_texts
    from lam_models.sentiment.category_head import read_category_table
    from lam_models.topics.evaluate import agreement

    config = ScoringConfig.from_settings(s, threads=0)
    if config.topics_version is None:
        return None
    rows = read_category_table(Path(data), text_column, category_column)
    encoder, labels = load_encoder(config)
    scored = score_texts(encoder, labels, rows.texts, load_topics(config))
    names = [rows.names[i] for i in rows.categories]
    return {"topic_model": config.topics_version, "encoder": config.model_version, **agreement(names, scored["topic_id"])}


def eval_topics(
    data: Path = typer.Option(..., "--data", help="text,category rows (CSV/TSV/Parquet)"),
    text_column: str = typer.Option(None, help="text column of --data"),
    category_column: str = typer.Option(None, help="category column of --data"),
) -> None:
    """Adjusted mutual information of the production topic model's ids with FILE's categories."""
    s = settings()
    with clear_errors(*registry_errors()):
        report = unsupervised_report(s, data, text_column, category_column)
        if report is None:
            raise FileNotFoundError("no topic model yet: run `lam topics fit` after scoring")
    console.print(f"topics {report['topic_model']}: AMI {report['ami']:.4f} "
                  f"(without outliers {report['ami_without_outliers']:.4f}), {report['outlier_share']:.1%} outliers, "
                  f"{report['topics_used']} topics used on {report['rows']} rows")
