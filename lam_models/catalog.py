"""The lake's tables, declared once: name -> location under ``lake_root``, partitioning, schema.

Every job, reader and test finds a table here instead of spelling its path; the columns and the
partitioning of the typed tables come from ``schemas/tables/``. A location is a ``Path`` under a local
lake root and a ``LakeUri`` (a ``str``) under an object-store one (``lake_location``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from lam_models.contracts import load_table_schema, table_columns
from lam_models.lake_location import Location, join


@dataclass(frozen=True)
class Table:
    """One lake table: its name (also its folder under the lake root) and its declared schema."""

    name: str
    schema: str | None = None
    partitions: tuple[str, ...] = ()

    @property
    def partition_by(self) -> list[str]:
        """Partition columns: the schema file's when the table has one, else the declared ones."""
        return list(load_table_schema(self.schema).get("partition_by", [])) if self.schema else list(self.partitions)

    @property
    def properties(self) -> dict[str, str]:
        """Delta table properties set when the table is created: statistics only on the declared columns (the
        ones readers filter by), since Delta's default of the first 32 columns costs every write and skips nothing."""
        stats = load_table_schema(self.schema).get("stats_columns") if self.schema else None
        return {"delta.dataSkippingStatsColumns": ",".join(stats)} if stats else {}

    @property
    def columns(self) -> list[str]:
        if self.schema is None:
            raise ValueError(f"table {self.name} has no schema in schemas/tables/")
        return table_columns(self.schema)

    def path(self, lake_root: Path | str) -> Location:
        return join(lake_root, self.name)


BRONZE = {kind: Table(f"bronze/{kind}", f"bronze_{kind}") for kind in ("news", "interactions", "labels")}
DEADLETTER = Table("deadletter", "deadletter")
SILVER_NEWS = Table("silver/news", "silver_news")
MONITOR_WINDOWS = Table("gold/monitor_windows")
ALERTS = Table("gold/alerts")
RECOMMENDATIONS = Table("gold/recommendations", partitions=("run_date",))
SIMILAR_ITEMS = Table("gold/similar_items", partitions=("run_date",))

TABLES = {t.name: t for t in (*BRONZE.values(), DEADLETTER, SILVER_NEWS, MONITOR_WINDOWS, ALERTS, RECOMMENDATIONS, SIMILAR_ITEMS)}


def checkpoint(lake_root: Path | str, job: str, source: str) -> Location:
    """Where a job's incremental read of ``source`` keeps its progress (Spark's checkpoint, next to the tables)."""
    return join(lake_root, "_checkpoints", job, source)


def table(name: str) -> Table:
    """The declared table ``name`` (e.g. ``"silver/news"``); a clear error for an unknown one."""
    try:
        return TABLES[name]
    except KeyError:
        raise KeyError(f"no lake table {name!r}; declared: {sorted(TABLES)}") from None


def path(lake_root: Path | str, name: str) -> Location:
    """Location of table ``name`` under ``lake_root``."""
    return table(name).path(lake_root)
