"""Delta tables without Spark (delta-rs): what the report, the CLI, tests and small gold writers use.

Spark's jobs write the large tables (``adapters/delta_spark.py``); anything that only reads a table,
or writes a small driver-side frame, goes through here and needs no JVM. A table on object storage
(a ``LakeUri``) is opened with the ``storage_options`` its lake settings give (``lake_location``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from lam_models.lake_location import storage_options


def is_table(path: Path | str) -> bool:
    """Whether a Delta table has been committed at ``path``."""
    from deltalake import DeltaTable

    return DeltaTable.is_deltatable(str(path), storage_options=storage_options(path))


def dataset(path: Path | str, version: int | None = None):
    """The table's current (or ``version``'s) rows as a pyarrow dataset, or None before the first commit."""
    if not is_table(path):
        return None
    return _open(path, version).to_pyarrow_dataset()


def read_frame(path: Path | str, columns: list[str] | None = None, version: int | None = None):
    """The table as a pandas frame (``columns`` only, when given), or None before the first commit."""
    rows = dataset(path, version)
    return None if rows is None else rows.to_table(columns=columns).to_pandas()


def write_frame(path: Path | str, frame, partition_by: list[str] | None = None, predicate: str | None = None,
                metadata: dict[str, Any] | None = None) -> int:
    """Replace the table's rows (or those matching ``predicate``) with ``frame`` in one commit; returns the version."""
    from deltalake import CommitProperties, write_deltalake

    import pyarrow as pa

    data = pa.Table.from_pandas(frame, preserve_index=False)
    properties = CommitProperties(custom_metadata={"userMetadata": json.dumps(metadata, sort_keys=True)}) if metadata else None
    write_deltalake(str(path), data, mode="overwrite", partition_by=partition_by or None, predicate=predicate,
                    schema_mode=None if predicate else "overwrite", commit_properties=properties,
                    storage_options=storage_options(path))
    return _open(path).version()


def version(path: Path | str) -> int | None:
    """The table's latest version, or None before the first commit."""
    return _open(path).version() if is_table(path) else None


def transaction_version(path: Path | str, app_id: str) -> int | None:
    """The last transaction version application ``app_id`` committed to the table (None: none yet)."""
    return _open(path).transaction_version(app_id) if is_table(path) else None


def history(path: Path | str) -> list[dict[str, Any]]:
    """The table's commits, newest first, each with its ``userMetadata`` parsed (``{}`` when none)."""
    if not is_table(path):
        return []
    commits = _open(path).history()
    return [{**commit, "userMetadata": _parsed(commit.get("userMetadata"))} for commit in commits]


def _open(path: Path | str, version: int | None = None):
    from deltalake import DeltaTable

    return DeltaTable(str(path), version=version, storage_options=storage_options(path))


def _parsed(text: str | None) -> dict[str, Any]:
    try:
        value = json.loads(text) if text else {}
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}
