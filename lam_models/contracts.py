"""Record contracts: the JSON Schemas in ``schemas/`` loaded once and compiled into fast validators.

The schemas are the single source of field truth; Python never restates a field list.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import fastjsonschema

SCHEMAS_DIR = Path(os.environ.get("LAM_SCHEMAS_DIR", Path(__file__).resolve().parents[1] / "schemas"))


@dataclass(frozen=True)
class Contract:
    """A topic's record contract: schema, compiled validator, dedup key and event-time field."""

    name: str
    schema: dict[str, Any]
    validate: Callable[[Any], Any]
    dedup_key: tuple[str, ...]
    event_time_field: str
    schema_version: int


@lru_cache(maxsize=None)
def load_contract(name: str) -> Contract:
    """Load ``schemas/<name>.json``; raises FileNotFoundError naming the folder searched."""
    path = SCHEMAS_DIR / f"{name}.json"
    if not path.is_file():
        raise FileNotFoundError(f"no record schema {name!r} in {SCHEMAS_DIR} (set LAM_SCHEMAS_DIR)")
    schema = json.loads(path.read_text())
    compilable = {k: v for k, v in schema.items() if k != "$schema"}
    return Contract(
        name=name,
        schema=schema,
        validate=fastjsonschema.compile(compilable, formats={"date-time": _any_string}),
        dedup_key=tuple(schema.get("x-dedup-key", ())),
        event_time_field=schema["x-event-time"],
        schema_version=int(schema["properties"]["schema_version"]["const"]),
    )


def _any_string(value: str) -> bool:
    """Timestamps are parsed (and rejected with a precise reason) by the ingest parser itself."""
    return isinstance(value, str)


@lru_cache(maxsize=None)
def load_table_schema(name: str) -> dict[str, Any]:
    """Table schema ``schemas/tables/<name>.json``: columns, types, partitioning, the columns Delta keeps statistics on."""
    return json.loads((SCHEMAS_DIR / "tables" / f"{name}.json").read_text())


def spark_ddl(name: str) -> str:
    """The table schema as a Spark DDL string, e.g. ``id string, tickers array<string>``."""
    return ", ".join(f"`{c['name']}` {c['type']}" for c in load_table_schema(name)["columns"])


def table_columns(name: str) -> list[str]:
    return [c["name"] for c in load_table_schema(name)["columns"]]
