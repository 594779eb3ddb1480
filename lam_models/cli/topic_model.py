"""``lam topics fit|show``: the unsupervised topic model on the scored headlines, and its AMI for ``lam eval topics``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer

from lam_models.cli._common import clear_errors, console, settings

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


def unsupervised_report(s: Any, data: Path, text_column: str | None, topic_column: str | None) -> dict[str, Any] | None:
    """AMI of the current topic model's ids against the file's labels; None when there is no topic model.

    The file's texts are embedded and assigned exactly as the scoring job does (same encoder, same model).
    """
    from lam_models.scoring.predict import ScoringConfig, load_encoder, load_topics, score_texts
    from lam_models.sentiment.category_head import read_topic_table
    from lam_models.topics.evaluate import agreement

    config = ScoringConfig.from_settings(s, threads=0)
    if config.topics_version is None:
        return None
    rows = read_topic_table(Path(data), text_column, topic_column)
    encoder, labels = load_encoder(config)
    scored = score_texts(encoder, labels, rows.texts, load_topics(config))
    names = [rows.names[i] for i in rows.topics]
    return {"topic_model": config.topics_version, "encoder": config.model_version, **agreement(names, scored["topic_id"])}


def print_unsupervised(report: dict[str, Any] | None) -> None:
    if report is None:
        console.print("unsupervised topics: no topic model yet (`lam topics fit`), AMI skipped")
        return
    console.print(f"unsupervised topics {report['topic_model']}: AMI {report['ami']:.4f} "
                  f"(without outliers {report['ami_without_outliers']:.4f}), {report['outlier_share']:.1%} outliers, "
                  f"{report['topics_used']} topics used on {report['rows']} rows")
