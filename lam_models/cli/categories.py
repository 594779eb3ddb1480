"""``lam train topics`` and ``lam eval topics``: a supervised topic head beside the sentiment head.

The head trains multi-task on the sentiment model's encoder (sentiment CE + lambda * topic CE),
so scoring gets both from one forward pass; the version holds both heads.
"""

from __future__ import annotations

from pathlib import Path

import typer

from lam_models.cli._common import clear_errors, console, settings


def _errors() -> tuple[type[BaseException], ...]:
    from lam_models.datasets import DatasetError
    from lam_models.registry.store import RegistryError
    from lam_models.sentiment.data import DataError

    return (RegistryError, DataError, DatasetError, FileNotFoundError, ValueError)


def train_topics(
    data: Path = typer.Option(..., "--data", help="text,topic rows (CSV/TSV/Parquet)"),
    weight: float = typer.Option(0.5, "--lambda", min=0.0, help="weight of the topic loss beside the sentiment loss"),
    sentiment_data: str = typer.Option("50agree", help="sentiment rows: PhraseBank subset or a text,label file"),
    text_column: str = typer.Option(None, help="text column of --data (default: text/sentence/headline/title)"),
    topic_column: str = typer.Option(None, help="topic column of --data (default: topic/category/label/class)"),
    epochs: int = typer.Option(None, min=1, help="default: the sentiment recipe's"),
    max_steps: int = typer.Option(None, help="cap on optimiser steps (smoke runs)"),
    limit_train: int = typer.Option(None, help="use only the first N sentiment training rows"),
    promote: bool = typer.Option(False, help="promote the new version to production"),
) -> None:
    """Train sentiment + topic heads on one encoder and save a version holding both."""
    from lam_models.registry.pointers import promote as promote_version
    from lam_models.sentiment import TrainConfig, train_sentiment
    from lam_models.sentiment.category_head import TopicTask

    s = settings()
    with clear_errors(*_errors()):
        config = TrainConfig(dataset=sentiment_data, base_model=s.model.base_model, max_steps=max_steps,
                             limit_train=limit_train, device=s.model.device)
        config = config.update(epochs=epochs) if epochs else config
        task = TopicTask(str(data), weight, text_column, topic_column)
        version = train_sentiment(config, s, console=console, topics=task)
        metrics = _topic_metrics(s, version)
        if promote:
            promote_version(s.registry_root, version, reason="lam train topics --promote")
    test = metrics.get("test")
    if test:
        console.print(f"topic head on its held-out rows: accuracy {test['accuracy']:.4f} macro-F1 {test['macro_f1']:.4f}")
    console.print(f"new version {version}{' (production)' if promote else ''}")


def eval_topics(
    data: Path = typer.Option(..., "--data", help="text,topic rows (CSV/TSV/Parquet)"),
    version: str = typer.Option(None, help="registry version (default: production)"),
    text_column: str = typer.Option(None, help="text column of --data"),
    topic_column: str = typer.Option(None, help="topic column of --data"),
) -> None:
    """Accuracy, macro-F1 and per-topic scores of a version's topic head on FILE (rows it saw left out),
    and the adjusted mutual information of the unsupervised topic model's ids with FILE's topics."""
    from lam_models.cli.topic_model import print_unsupervised, unsupervised_report
    from lam_models.registry.loading import resolve_version
    from lam_models.sentiment.category_head import evaluate_topics

    s = settings()
    with clear_errors(*_errors()):
        print_unsupervised(unsupervised_report(s, data, text_column, topic_column))
        chosen = resolve_version(s.registry_root, version or s.model.version)
        report = evaluate_topics(chosen, s, data, text_column, topic_column)
    _print_report(report)


def _topic_metrics(s, version: str) -> dict:
    from lam_models.registry.store import read_json

    return read_json(s.registry_root, version, "metrics.json").get("topics", {})


def _print_report(report: dict) -> None:
    from rich.table import Table

    table = Table(title=f"topic head of {report['version_id']}")
    for col in ("topic", "precision", "recall", "F1", "support"):
        table.add_column(col, justify="left" if col == "topic" else "right")
    for name, row in report["per_class"].items():
        table.add_row(name, f"{row['precision']:.3f}", f"{row['recall']:.3f}", f"{row['f1']:.3f}", str(row["support"]))
    console.print(table)
    console.print(f"{report['data']}: {report['n']} rows evaluated, {report['excluded_seen']} seen in training "
                  "or validation left out")
    console.print(f"accuracy {report['accuracy']:.4f}  macro-F1 {report['macro_f1']:.4f}")
