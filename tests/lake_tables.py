"""Test fixtures' side of the Delta lake: append a pandas frame as a commit, read a table back (empty before any)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pyarrow as pa

from lam_models.delta_tables import read_frame


def append(table_path: Path, frame: pd.DataFrame, partition_by: list[str] | None = None, metadata: dict | None = None) -> None:
    """One commit appending ``frame`` (with ``metadata`` as the commit's ``userMetadata``, as the jobs record their runs)."""
    from deltalake import CommitProperties, write_deltalake

    properties = CommitProperties(custom_metadata={"userMetadata": json.dumps(metadata)}) if metadata else None
    write_deltalake(str(table_path), pa.Table.from_pandas(frame, preserve_index=False), mode="append", partition_by=partition_by,
                    commit_properties=properties)


def read(table_path: Path) -> pd.DataFrame:
    frame = read_frame(table_path)
    return pd.DataFrame() if frame is None else frame


def data_files(table_path: Path) -> list[Path]:
    """The data files of the table's current version."""
    from deltalake import DeltaTable

    from lam_models.delta_tables import is_table

    if not is_table(table_path):
        return []
    return [table_path / name for name in DeltaTable(str(table_path)).get_add_actions(flatten=True).column("path").to_pylist()]
