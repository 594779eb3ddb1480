"""``lam eval robustness``: a sentiment version's accuracy under typos, casing, name/ticker/number swaps, URLs, emoji.

The report is also written as JSON beside the registry (versions are immutable folders, so it is not
written into the version itself): ``<registry>/sentiment/robustness/<version>.json`` unless ``--out``.
"""

from __future__ import annotations

import json
from pathlib import Path

import typer

from lam_models.cli._common import clear_errors, console, registry_errors, settings


def eval_robustness(
    version: str = typer.Option(None, help="registry version (default: production)"),
    data: str = typer.Option(None, "--data", help="PhraseBank subset or text,label file (default: the version's own; "
                                                  "rows it trained on are left out of another dataset)"),
    split: str = typer.Option("test", help="train | validation | test"),
    perturbations: str = typer.Option(None, help="comma-separated names (default: all; see lam_models/sentiment/robustness.py)"),
    seed: int = typer.Option(0, help="perturbation seed: one seed gives every model the same perturbed texts"),
    out: Path = typer.Option(None, help="JSON file for the report (default <registry>/sentiment/robustness/<version>.json)"),
) -> None:
    """Accuracy, macro-F1, drop and flip rate of a sentiment version on clean and perturbed texts."""
    from lam_models.registry.loading import resolve_version
    from lam_models.sentiment.api import evaluate_version_robustness
    from lam_models.sentiment.report import robustness_table

    s = settings()
    names = [name.strip() for name in perturbations.split(",")] if perturbations else None
    with clear_errors(*registry_errors()):
        chosen = resolve_version(s.registry_root, version or s.model.version)
        report = evaluate_version_robustness(chosen, s, data, split, names, seed)
    target = out or s.registry_root / "sentiment" / "robustness" / f"{chosen}.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(report, indent=2))
    console.print(robustness_table(report, f"{chosen} on {report['dataset']} {split} ({report['n']} rows, seed {seed})"))
    if report["excluded_seen"]:
        console.print(f"{report['excluded_seen']} rows the version saw in training or validation left out")
    console.print(f"report: {target}")
