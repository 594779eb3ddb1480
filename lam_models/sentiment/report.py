"""Rich tables for metrics reports: what ``lam train sentiment``, ``lam model show`` and ``lam eval robustness`` print.

Why apart from ``metrics.py``: metrics stay pure numbers; presentation lives at the edge.
"""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table


def metrics_table(report: dict[str, Any], title: str) -> Table:
    """Per-class precision/recall/F1/support plus accuracy and macro-F1 rows."""
    table = Table(title=title)
    for column in ("class", "precision", "recall", "F1", "support"):
        table.add_column(column, justify="left" if column == "class" else "right")
    for name, row in report["per_class"].items():
        table.add_row(name, f"{row['precision']:.4f}", f"{row['recall']:.4f}", f"{row['f1']:.4f}", str(row["support"]))
    table.add_section()
    table.add_row("macro-F1", "", "", f"{report['macro_f1']:.4f}", str(report["n"]))
    table.add_row("accuracy", "", "", f"{report['accuracy']:.4f}", str(report["n"]))
    return table


def confusion_table(report: dict[str, Any], title: str) -> Table:
    """Rows are true labels, columns predicted labels."""
    cm = report["confusion_matrix"]
    table = Table(title=title)
    table.add_column("true \\ pred")
    for label in cm["labels"]:
        table.add_column(label, justify="right")
    for label, row in zip(cm["labels"], cm["rows_true_cols_pred"], strict=True):
        table.add_row(label, *(str(v) for v in row))
    return table


def print_report(metrics: dict[str, Any], console: Console | None = None) -> None:
    """Print every split found in ``metrics`` (validation, test, ...) as two tables each."""
    console = console or Console()
    for split in ("validation", "test"):
        if split in metrics:
            console.print(metrics_table(metrics[split], f"{metrics.get('dataset', '')} {split}"))
            console.print(confusion_table(metrics[split], f"{split} confusion matrix"))
    training = metrics.get("training")
    if training:
        console.print(f"trainable parameters {training['trainable_params']:,} of {training['total_params']:,}; "
                      f"{training['steps']} steps in {training['train_seconds']:.0f} s; "
                      f"best epoch {training['best_epoch']}")


def robustness_table(report: dict[str, Any], title: str) -> Table:
    """One row per perturbation of a ``robustness.evaluate_robustness`` report, the clean row first."""
    table = Table(title=title)
    for column in ("perturbation", "changed", "accuracy", "macro-F1", "acc drop", "flip rate", "flips | changed"):
        table.add_column(column, justify="left" if column == "perturbation" else "right")
    table.add_row("clean", "", f"{report['clean']['accuracy']:.4f}", f"{report['clean']['macro_f1']:.4f}", "", "", "")
    table.add_section()
    for name, row in report["perturbations"].items():
        table.add_row(name, f"{row['changed']:.1%}", f"{row['accuracy']:.4f}", f"{row['macro_f1']:.4f}",
                      f"{100 * row['accuracy_drop']:+.2f} pt", f"{row['flip_rate']:.1%}", f"{row['flip_rate_changed']:.1%}")
    return table
