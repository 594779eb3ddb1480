"""Topic job: fit the topic model on the scored headlines in silver and write a registry version.

Reads ``silver/news`` with pyarrow (no Spark: it needs the embeddings, not a cluster), keeps the
rows embedded by the encoder scoring uses now (the most frequent version when there are none yet),
the ``max_fit_rows`` most recent of them in (published_at, id) order, and fits with the previous
topic model (production, else the newest) so topic ids stay stable. The new version becomes
production only through the gate (``topics.lifecycle``: outlier share and coherence against
production's). Nothing new is written when the data and the settings are the same as the previous
version's: a rerun is a no-op.
"""

from __future__ import annotations

import argparse
import time
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lam_models import catalog
from lam_models import delta_tables

if TYPE_CHECKING:  # importing this module stays cheap: jobs/nightly.py (and so the DAG files) import it
    import pandas as pd

    from lam_models.settings import Settings

COLUMNS = ["id", "headline", "published_at", "embedding", "model_version"]


@dataclass
class TopicsResult:
    version: str | None = None
    parent: str | None = None
    rows: int = 0
    topics: int = 0
    outlier_share: float = 0.0
    new: list[int] = field(default_factory=list)
    retired: list[int] = field(default_factory=list)
    embedding_version: str | None = None
    skipped: str | None = None
    promoted: bool = False
    gate: str | None = None
    seconds: float = 0.0


def read_silver(lake_root: Path, max_rows: int, embedding_version: str) -> tuple[pd.DataFrame, str | None]:
    """The fit rows (``COLUMNS``), oldest first, and the embedding version they carry (None: no rows)."""
    import pandas as pd
    import pyarrow.dataset as ds

    dataset = delta_tables.dataset(catalog.SILVER_NEWS.path(lake_root))
    if dataset is None:
        return pd.DataFrame(columns=COLUMNS), None
    versions = dataset.to_table(columns=["model_version"]).column("model_version").to_pandas().value_counts()
    chosen = embedding_version if embedding_version in versions.index else str(versions.index[0])
    frame = dataset.to_table(columns=COLUMNS, filter=ds.field("model_version") == chosen).to_pandas()
    frame["published_at"] = pd.to_datetime(frame["published_at"], utc=True)
    frame = frame.sort_values(["published_at", "id"], kind="stable").tail(max_rows).reset_index(drop=True)
    return frame, chosen


def scoring_version(settings: Settings) -> str:
    """The ``model_version`` the scoring job writes now (pinned, production, or ``base:<model>``)."""
    from lam_models.registry.pointers import production_version

    return settings.model.version or production_version(settings.registry_root) or f"base:{settings.model.base_model}"


def run(settings: Settings | None = None, promote: bool = True) -> TopicsResult:
    """Fit on silver, write a ``topics`` version (production when ``promote`` and it passes the gate), return what happened."""
    import numpy as np

    from lam_models.registry.gate import promote_if_passing
    from lam_models.registry.store import read_json
    from lam_models.settings import get_settings
    from lam_models.topics import fit
    from lam_models.topics.config import MODEL_NAME
    from lam_models.topics.lifecycle import gate_policy, version_metrics
    from lam_models.topics.store import data_hash, latest_version, load_model, save_model

    settings = settings or get_settings()
    began = time.perf_counter()
    config = settings.topic_model
    frame, embedded_by = read_silver(settings.lake_root, config.max_fit_rows, scoring_version(settings))
    result = TopicsResult(rows=len(frame), embedding_version=embedded_by)
    if frame.empty:
        result.skipped = "no scored headlines in silver/news yet"
        return result
    parent = latest_version(settings.registry_root)
    digest = data_hash(frame["id"].tolist())
    if parent is not None:
        meta = read_json(settings.registry_root, parent, "version.json", MODEL_NAME)
        same_config = read_json(settings.registry_root, parent, "config.json", MODEL_NAME) == config.model_dump(mode="json")
        if meta.get("data_hash") == digest and same_config:
            result.version, result.skipped = parent, "same headlines and settings as the current version"
            return result
    previous = load_model(settings.registry_root, parent) if parent is not None else None
    embeddings = np.stack(frame["embedding"].to_numpy()).astype(np.float32)
    texts = frame["headline"].tolist()
    model, _ = fit(texts, embeddings, config, previous, embedding_version=embedded_by or "")
    result.version = save_model(settings.registry_root, model, data_hash=digest, parent=parent,
                                metrics=version_metrics(model, texts))
    if promote:
        decision = promote_if_passing(settings.registry_root, result.version, gate_policy(config), MODEL_NAME, "topic fit")
        result.promoted, result.gate = decision.passed, decision.reason
    last = model.history[-1]
    result.parent, result.topics, result.new, result.retired = parent, model.n_topics, last["new"], last["retired"]
    result.outlier_share = round(float(model.stats["outlier_share"]), 4)
    result.seconds = round(time.perf_counter() - began, 3)
    return result


def nightly_step(settings: Settings, start: datetime, end: datetime, backfill: bool = False) -> dict[str, Any]:
    """The nightly ``topics`` step (after scoring): refit on silver so tomorrow's headlines get today's topics."""
    return {**asdict(run(settings)), "interval": [start.isoformat(), end.isoformat()]}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--no-promote", action="store_true", help="write the version without making it production")
    from lam_models.settings import get_settings

    result = run(get_settings(), promote=not parser.parse_args(argv).no_promote)
    print(f"topics: {asdict(result)}")


if __name__ == "__main__":
    main()
