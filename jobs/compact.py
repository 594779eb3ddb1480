"""Compaction job: ``OPTIMIZE`` every Delta table of the lake, so backfills over years do not drown in small files.

Runs nightly (and after a backfill) with ``spark-submit jobs/compact.py``. Compaction rewrites no data
(readers, streaming reads included, see the same rows) and the files it replaces stay for time travel.
"""

from __future__ import annotations

import argparse
from typing import Any

from lam_models import catalog
from lam_models import delta_tables
from lam_models.adapters import delta_spark
from lam_models.adapters.spark import get_spark
from lam_models.settings import Settings, get_settings

COMPACTED = (*catalog.BRONZE.values(), catalog.DEADLETTER, catalog.SILVER_NEWS)


def run(settings: Settings | None = None) -> dict[str, Any]:
    """Compact each table that exists; returns Delta's file counts per table."""
    settings = settings or get_settings()
    present = [table for table in COMPACTED if delta_tables.is_table(table.path(settings.lake_root))]
    if not present:
        return {}
    spark = get_spark(settings, "lam-compact")
    return {table.name: delta_spark.optimize(spark, table.path(settings.lake_root)) for table in present}


def main(argv: list[str] | None = None) -> None:
    argparse.ArgumentParser(description=__doc__).parse_args(argv)
    print(f"compact: {run()}")


if __name__ == "__main__":
    main()
