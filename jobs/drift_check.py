"""Drift check: should a continual round run? New labels since the last promotion, and drift of
recent silver predictions / embeddings from the production version's reference.

The reference is the earliest ``continual.drift_reference_rows`` silver rows the production
version scored before the interval; recent = the rows of ``[start, end)`` it scored. First the
labels topic's bronze rows are landed in the labels table (idempotent), so the count is current.
``dags/nightly.py`` emits the continual trigger asset only when ``trigger`` is true.

    python jobs/drift_check.py --from 2024-03-04T00:00:00+00:00 --to 2024-03-05T00:00:00+00:00
"""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from lam_models import catalog
from lam_models import delta_tables
from lam_models.continual import labels
from lam_models.continual.drift import DriftThresholds, should_trigger, snapshot_from_frame
from lam_models.registry.pointers import production_version, read_pointer
from lam_models.settings import Settings, get_settings

SILVER_COLUMNS = ["published_at", "label", "p_negative", "p_neutral", "p_positive", "embedding"]


@dataclass
class DriftResult:
    """The decision and what it rests on (the task's XCom and the asset event's extra)."""

    production: str | None
    trigger: bool = False
    reasons: list[str] = field(default_factory=list)
    new_labels: int = 0
    landed_labels: int = 0
    reference_rows: int = 0
    recent_rows: int = 0
    note: str = ""
    interval: list[str] = field(default_factory=list)


def run(settings: Settings, start: datetime, end: datetime) -> DriftResult:
    """Land new labels, count those since production was promoted, judge drift over ``[start, end)``."""
    cfg = settings.continual
    landed = labels.land(settings.lake_root, labels.read_bronze(settings.lake_root))
    production = production_version(settings.registry_root)
    result = DriftResult(production, landed_labels=landed.new + landed.updated, interval=[start.isoformat(), end.isoformat()])
    if production is None:
        result.note = "no production version: nothing to fine-tune from"
        return result
    result.new_labels = labels.count_since(settings.lake_root, promoted_at(settings.registry_root, production))
    reference, recent = silver_windows(settings.lake_root, production, start, end, cfg.drift_reference_rows)
    result.reference_rows, result.recent_rows = len(reference), len(recent)
    enough = min(len(reference), len(recent)) >= cfg.drift_min_rows
    if not enough:
        result.note = (f"drift not judged: {len(reference)} reference and {len(recent)} recent rows scored by "
                       f"{production} (need {cfg.drift_min_rows} each)")
    thresholds = DriftThresholds(psi=cfg.psi_threshold, embedding_alpha=cfg.embedding_alpha,
                                 new_labels=cfg.trigger_new_labels, confidence_bins=cfg.confidence_bins)
    result.trigger, result.reasons = should_trigger(
        snapshot_from_frame(reference) if enough else None, snapshot_from_frame(recent) if enough else None,
        result.new_labels, thresholds)
    return result


def promoted_at(registry_root: Path, version: str) -> datetime | None:
    """When ``version`` last became production (promote or rollback), from the pointer history."""
    events = [e for e in read_pointer(registry_root)["history"] if e.get("version") == version]
    return datetime.fromisoformat(events[-1]["at"]) if events else None


def silver_windows(lake_root: Path, version: str, start: datetime, end: datetime, reference_rows: int) -> tuple[Any, Any]:
    """(reference, recent) silver rows of ``version``: its earliest rows before ``start``, and ``[start, end)``."""
    import pandas as pd
    import pyarrow.dataset as ds

    dataset = delta_tables.dataset(catalog.SILVER_NEWS.path(lake_root))
    empty = pd.DataFrame(columns=SILVER_COLUMNS)
    if dataset is None or not set(SILVER_COLUMNS) <= set(dataset.schema.names):
        return empty, empty
    frame = dataset.to_table(columns=SILVER_COLUMNS, filter=ds.field("model_version") == version).to_pandas()
    published = pd.to_datetime(frame["published_at"], utc=True)
    lo, hi = pd.Timestamp(start).tz_convert("UTC"), pd.Timestamp(end).tz_convert("UTC")
    reference = frame[published < lo].assign(_t=published).sort_values("_t", kind="stable").head(reference_rows)
    return reference.drop(columns="_t"), frame[(published >= lo) & (published < hi)]


def main(argv: list[str] | None = None) -> None:
    from lam_models.intervals import as_utc

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--from", dest="start", required=True)
    parser.add_argument("--to", dest="end", required=True)
    args = parser.parse_args(argv)
    print(json.dumps(asdict(run(get_settings(), as_utc(args.start), as_utc(args.end))), default=str))


if __name__ == "__main__":
    main()
