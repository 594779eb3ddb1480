"""``lam report``: write the self-contained HTML report of the latest runs."""

from __future__ import annotations

from pathlib import Path

import typer

from lam_models.cli._common import console, settings


def report(
    out: Path = typer.Option(Path("report.html"), "--out", "-o", help="HTML file to write"),
    recsys_evaluation: Path | None = typer.Option(
        None, "--recsys-evaluation", help="evaluate_recommenders JSON; default <registry>/recsys/evaluation.json"),
    max_tickers: int = typer.Option(12, "--max-tickers", min=1, help="per-ticker trend charts to draw"),
    trend_size: str | None = typer.Option(None, "--trend-size", help="window size of the trend charts, e.g. 1d (default: longest)"),
) -> None:
    """Write one HTML file (inline charts, no network needed) from the lake and the model registries."""
    from lam_models.report import ReportOptions, collect, write_report

    s = settings()
    data = collect(s.lake_root, s.registry_root, recsys_evaluation, s.monitor)
    path = write_report(out, data, ReportOptions(max_tickers=max_tickers, trend_size=trend_size))
    missing = [name for name, value in (("windows", data.windows), ("alerts", data.alerts), ("sentiment model", data.sentiment),
                                        ("recommender evaluation", data.recsys), ("ingest runs", data.runs)) if value is None]
    note = f" (not available yet: {', '.join(missing)})" if missing else ""
    console.print(f"report: wrote {path} ({path.stat().st_size / 1024:.0f} KiB){note}")
