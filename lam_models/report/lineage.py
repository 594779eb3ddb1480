"""What each backfill and re-score read: the Delta table versions it checked against, from its commits, so a
figure in the report can be reproduced by reading those versions again (Delta time travel)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from lam_models import catalog, delta_tables

LINEAGE_TABLES = (*catalog.BRONZE.values(), catalog.SILVER_NEWS)
"""Tables the windowed jobs write (time-window ingest into bronze, re-scoring a range of silver)."""


def read_lineage(lake_root: Path) -> pd.DataFrame | None:
    """One row per windowed run, newest first: ``committed`` (UTC), ``job``, ``name``, ``table`` and ``version`` it
    wrote, ``window`` (``start – end``) and ``read`` (``table@version, …``); None when there was none."""
    rows = []
    for table in LINEAGE_TABLES:
        for commit in delta_tables.history(table.path(lake_root)):
            meta = commit["userMetadata"]
            if "read_versions" not in meta:
                continue
            start, end = meta.get("window") or (meta.get("start"), meta.get("end"))
            rows.append({
                "committed": datetime.fromtimestamp(int(commit["timestamp"]) / 1000, UTC).isoformat(timespec="seconds"),
                "job": meta.get("job", ""), "name": meta.get("name", ""), "table": table.name, "version": int(commit["version"]),
                "window": f"{start} – {end}",
                "read": ", ".join(f"{name}@{'none' if v is None else v}" for name, v in sorted(meta["read_versions"].items())),
            })
    if not rows:
        return None
    return pd.DataFrame(rows).sort_values(["committed", "table"], ascending=[False, True], ignore_index=True)
