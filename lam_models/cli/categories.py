"""``lam train categories`` and ``lam eval categories``: a supervised category head beside the sentiment head.

Categories are a desk's own labels (earnings, M&A, analyst rating...); the head trains multi-task on the
sentiment model's encoder (sentiment CE + lambda * category CE), so scoring gets both from one forward
pass; the version holds both heads. Topics (``lam topics``) are discovered by clustering instead.
"""

from __future__ import annotations

from pathlib import Path

import typer

from lam_models.cli._common import clear_errors, console, registry_errors, settings


def train_categories(
    data: Path = typer.Option(..., "--data", help="text,category rows (CSV/TSV/Parquet)"),
    weight: float = typer.Option(0.5, "--lambda", min=0.0, help="weight of the category loss beside the sentiment loss"),
    sentiment_data: str = typer.Option("50agree", help="sentiment rows: PhraseBank subset or a text,label file"),
    text_column: str = typer.Option(None, help="text column of --data (default: text/sentence/headline/title)"),
    category_column: str = typer.Option(None, help="category column of --data (default: category/topic/label/class)"),
    epochs: int = typer.Option(None, min=1, help="default: the sentiment recipe's"),
    max_steps: int = typer.Option(None, help="cap on optimiser steps (smoke runs)"),
    limit_train: int = typer.Option(None, help="use only the first N sentiment training rows"),
    promote: bool = typer.Option(False, help="promote the new version to production"),
) -> None:
    """Train sentiment + category heads on one encoder and save a version holding both."""
    from lam_models.registry.pointers import promote as promote_version
    from lam_models.registry.store import read_json
    from lam_models.sentiment import TrainConfig, train_sentiment
    from lam_models.sentiment.category_head import CategoryTask

    s = settings()
    with clear_errors(*registry_errors()):
        config = TrainConfig(dataset=sentiment_data, base_model=s.model.base_model, max_steps=max_steps,
                             limit_train=limit_train, device=s.model.device)
        config = config.update(epochs=epochs) if epochs else config
        task = CategoryTask(str(data), weight, text_column, category_column)
        version = train_sentiment(config, s, console=console, categories=task)
        metrics = read_json(s.registry_root, version, "metrics.json").get("categories", {})
        if promote:
            promote_version(s.registry_root, version, reason="lam train categories --promote")
    test = metrics.get("test")
    if test:
        console.print(f"category head on its held-out rows: accuracy {test['accuracy']:.4f} "
                      f"macro-F1 {test['macro_f1']:.4f}")
    console.print(f"new version {version}{' (production)' if promote else ''}")


def eval_categories(
    data: Path = typer.Option(..., "--data", help="text,category rows (CSV/TSV/Parquet)"),
    version: str = typer.Option(None, help="registry version (default: production)"),
    text_column: str = typer.Option(None, help="text column of --data"),
    category_column: str = typer.Option(None, help="category column of --data"),
) -> None:
    """Accuracy, macro-F1 and per-category scores of a version's category head on FILE (rows it saw left out)."""
    from lam_models.registry.loading import resolve_version
    from lam_models.sentiment.category_head import evaluate_categories

    s = settings()
    with clear_errors(*registry_errors()):
        chosen = resolve_version(s.registry_root, version or s.model.version)
        report = evaluate_categories(chosen, s, data, text_column, category_column)
    _print_report(report)


def _print_report(report: dict) -> None:
    from rich.table import Table

    table = Table(title=f"category head of {report['version_id']}")
    for col in ("category", "precision", "recall", "F1", "support"):
        table.add_column(col, justify="left" if col == "category" else "right")
    for name, row in report["per_class"].items():
        table.add_row(name, f"{row['precision']:.3f}", f"{row['recall']:.3f}", f"{row['f1']:.3f}", str(row["support"]))
    console.print(table)
    console.print(f"{report['data']}: {report['n']} rows evaluated, {report['excluded_seen']} seen in training "
                  "or validation left out")
    console.print(f"accuracy {report['accuracy']:.4f}  macro-F1 {report['macro_f1']:.4f}")
