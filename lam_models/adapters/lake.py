"""Data-lake files: atomic JSON state, and publishing a run's staged Parquet under deterministic names.

A run writes into ``_staging/<run_key>`` first and publishes by rename; files are named after the
run key, so a rerun of the same planned work replaces its own files instead of adding copies.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

from lam_models.files import fsync_dir


def atomic_write_json(path: Path, payload: Any) -> None:
    """Write JSON durably: temp file, fsync, rename over the target, fsync the folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "w") as handle:
        json.dump(payload, handle, indent=1, sort_keys=True, default=str)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)
    fsync_dir(path.parent)


def read_json(path: Path, default: Any = None) -> Any:
    return json.loads(path.read_text()) if path.is_file() else default


def staging_dir(lake_root: Path, table: str, run_key: str) -> Path:
    return lake_root / "_staging" / table / run_key


def remove_run_files(table_path: Path, run_key: str) -> int:
    """Delete files an interrupted publish of this run left behind; returns how many."""
    stale = list(table_path.rglob(f"part-{run_key}-*.parquet")) if table_path.exists() else []
    for path in stale:
        path.unlink()
    return len(stale)


def publish(staged: Path, table_path: Path, run_key: str) -> list[str]:
    """Move staged Parquet files into the table, keeping partition folders; returns published paths."""
    remove_run_files(table_path, run_key)
    files = sorted(p for p in staged.rglob("*.parquet")) if staged.exists() else []
    published = []
    for index, source in enumerate(files):
        relative_dir = source.parent.relative_to(staged)
        target = table_path / relative_dir / f"part-{run_key}-{index:05d}.parquet"
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(source, target)
        published.append(str(target.relative_to(table_path)))
    for folder in {table_path / Path(p).parent for p in published}:
        fsync_dir(folder)
    return published


def discard(staged: Path) -> None:
    shutil.rmtree(staged, ignore_errors=True)


def parquet_files(table_path: Path) -> list[Path]:
    """Published data files of a table (staging and hidden files excluded)."""
    if not table_path.exists():
        return []
    return sorted(p for p in table_path.rglob("part-*.parquet") if not any(s.startswith(("_", ".")) for s in p.relative_to(table_path).parts))


SNAPSHOT = "snapshot.parquet"


def replace_snapshot(table_path: Path, frame) -> Path:
    """Small whole-table snapshots (alerts, window aggregates): one Parquet file replaced atomically."""
    table_path.mkdir(parents=True, exist_ok=True)
    tmp = table_path / f".{SNAPSHOT}.tmp"
    frame.to_parquet(tmp, index=False)
    with open(tmp, "rb") as handle:
        os.fsync(handle.fileno())
    os.replace(tmp, table_path / SNAPSHOT)
    fsync_dir(table_path)
    return table_path / SNAPSHOT


def read_snapshot(table_path: Path):
    """The table's snapshot as a pandas frame, or None before the first write."""
    import pandas as pd

    path = table_path / SNAPSHOT
    return pd.read_parquet(path) if path.is_file() else None
