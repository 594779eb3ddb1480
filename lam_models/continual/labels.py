"""The labels table: one row per text (by hash), fed by the labels topic's bronze table or a file.

Why a text hash and not the record id: the same sentence labelled twice (an analyst correcting
an earlier label, a file replayed) must train once, with its latest label. Merging is pure and
idempotent: landing the same rows again changes nothing, and the table is replaced atomically.
It stays one Parquet file (not a Delta table): the file the fine-tuning loop reads, written whole
(a rename on disk, one PUT on object storage: ``lake_files``), like the other non-Delta lake files.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pandas as pd

from lam_models import lake_files
from lam_models.lake_location import Location, join
from lam_models.sentiment.data import LABELS, LabelledTexts

TABLE_COLUMNS = ["text_hash", "text", "label", "source", "ts", "id", "ref_id"]
TABLE_FILE = "labels.parquet"


def text_hash(text: str) -> str:
    """sha256 of the text with runs of whitespace collapsed (the dedup key of the table)."""
    return hashlib.sha256(" ".join(str(text).split()).encode("utf-8")).hexdigest()


def label_id(source: str, text: str, label: str) -> str:
    """A stable record id for a labelling event without one: replaying a file sends the same ids."""
    return hashlib.sha256(f"{source}\n{' '.join(text.split())}\n{label}".encode()).hexdigest()[:32]


def parse_label_map(text: str | None) -> dict[str, str]:
    """``bearish=negative,bullish=positive`` (or a JSON object) -> a label map; empty for None.

    Raises:
        ValueError: an entry is not ``raw=label`` or maps to a label outside ``LABELS``.
    """
    if not text or not text.strip():
        return {}
    if text.lstrip().startswith("{"):
        import json

        pairs = [(str(k), str(v)) for k, v in json.loads(text).items()]
    else:
        pairs = []
        for item in filter(None, (part.strip() for part in text.split(","))):
            raw, sep, label = item.partition("=")
            if not sep or not raw.strip():
                raise ValueError(f"label map entry {item!r} is not raw=label (e.g. bearish=negative)")
            pairs.append((raw.strip(), label.strip()))
    bad = [label for _, label in pairs if label not in LABELS]
    if bad:
        raise ValueError(f"label map targets {bad} are not model labels {list(LABELS)}")
    return dict(pairs)


def records_from_texts(data: LabelledTexts, source: str, ts: datetime) -> list[dict[str, Any]]:
    """``schemas/labels.json`` records for a labelled file (labels already mapped to ``LABELS``)."""
    stamp = ts.astimezone(timezone.utc).isoformat()
    return [
        {"schema_version": 1, "id": label_id(source, text, LABELS[int(y)]), "text": text, "label": LABELS[int(y)],
         "source": source, "ts": stamp}
        for text, y in zip(data.texts, data.labels, strict=True)
    ]


def records_from_file(path: Path, label_map: dict[str, str] | None, source: str | None = None,
                      ts: datetime | None = None) -> list[dict[str, Any]]:
    """A ``text,label`` CSV/TSV/Parquet as label records; ``source`` defaults to ``file:<name>``,
    ``ts`` to the file's modification time (so a replay of an unchanged file is identical)."""
    from lam_models.sentiment.data import read_labelled_table

    path = Path(path)
    data = read_labelled_table(path, label_map=label_map)
    when = ts or datetime.fromtimestamp(path.stat().st_mtime, tz=timezone.utc)
    return records_from_texts(data, source or f"file:{path.name}"[:64], when)


def check_records(records: list[dict[str, Any]]) -> None:
    """Raise ValueError naming the first rows that break ``schemas/labels.json`` (nothing is landed)."""
    import fastjsonschema

    from lam_models.contracts import load_contract

    validate, problems = load_contract("labels").validate, []
    for i, record in enumerate(records):
        try:
            validate(record)
        except fastjsonschema.JsonSchemaValueException as exc:
            problems.append(f"row {i}: {exc.message}")
    if problems:
        raise ValueError(f"{len(problems)} of {len(records)} label rows break schemas/labels.json, e.g. "
                         + "; ".join(problems[:3]))


def frame_from_records(records: list[dict[str, Any]]) -> pd.DataFrame:
    """Label records (topic schema, ``ts`` as ISO-8601 or datetime) as a table-shaped frame."""
    frame = pd.DataFrame.from_records(records, columns=[c for c in TABLE_COLUMNS if c != "text_hash"])
    frame["ts"] = pd.to_datetime(frame["ts"], utc=True)
    frame["text_hash"] = frame["text"].map(text_hash)
    return frame[TABLE_COLUMNS]


@dataclass
class MergeResult:
    """The merged table and what each incoming distinct text did to it."""

    table: pd.DataFrame
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    stale: int = 0


def merge_labels(existing: pd.DataFrame, incoming: pd.DataFrame) -> MergeResult:
    """One row per text hash; an incoming label replaces the table's only when it differs and is
    not older. Within ``incoming`` the latest ``ts`` (then the largest id) wins per text."""
    incoming = _latest_per_text(incoming)
    current = existing.set_index("text_hash", drop=False)
    joined = incoming.join(current[["label", "ts"]], on="text_hash", rsuffix="_old")
    is_new = joined["label_old"].isna()
    same = ~is_new & (joined["label"] == joined["label_old"])
    stale = ~is_new & ~same & (joined["ts"] < joined["ts_old"])
    take = incoming[(is_new | (~same & ~stale)).to_numpy()]
    table = pd.concat([existing[~existing["text_hash"].isin(take["text_hash"])], take], ignore_index=True)
    table = table.sort_values(["ts", "text_hash"], kind="stable").reset_index(drop=True)[TABLE_COLUMNS]
    return MergeResult(table, new=int(is_new.sum()), updated=int((~is_new & ~same & ~stale).sum()),
                       unchanged=int(same.sum()), stale=int(stale.sum()))


def _latest_per_text(frame: pd.DataFrame) -> pd.DataFrame:
    ordered = frame.sort_values(["ts", "id"], kind="stable")
    return ordered.drop_duplicates("text_hash", keep="last").reset_index(drop=True)


def table_path(lake_root: Path | str) -> Location:
    """``<lake>/labels/labels.parquet``: the file ``continual.loop.load_new_labels`` reads."""
    return join(lake_root, "labels", TABLE_FILE)


def read_table(lake_root: Path | str) -> pd.DataFrame:
    data = lake_files.read_bytes(table_path(lake_root))
    if data is None:
        return pd.DataFrame({c: pd.Series(dtype="datetime64[ns, UTC]" if c == "ts" else object) for c in TABLE_COLUMNS})
    frame = pd.read_parquet(io.BytesIO(data))
    frame["ts"] = pd.to_datetime(frame["ts"], utc=True)
    return frame[TABLE_COLUMNS]


def read_bronze(lake_root: Path | str) -> pd.DataFrame:
    """Every valid record of the labels topic (``<lake>/bronze/labels``), table-shaped."""
    from lam_models import catalog
    from lam_models.delta_tables import read_frame

    frame = read_frame(catalog.BRONZE["labels"].path(lake_root), columns=[c for c in TABLE_COLUMNS if c != "text_hash"])
    return frame_from_records([] if frame is None else frame.to_dict("records"))


def land(lake_root: Path | str, incoming: pd.DataFrame) -> MergeResult:
    """Merge ``incoming`` into the labels table and replace the file atomically (only on change)."""
    result = merge_labels(read_table(lake_root), incoming)
    if result.new or result.updated:
        data = io.BytesIO()
        result.table.to_parquet(data, index=False)
        lake_files.write_bytes(table_path(lake_root), data.getvalue())
    return result


def count_since(lake_root: Path | str, since: datetime | None) -> int:
    """Rows of the labels table labelled at or after ``since`` (all of them when None)."""
    table = read_table(lake_root)
    if since is None:
        return len(table)
    return int((table["ts"] >= pd.Timestamp(since).tz_convert("UTC")).sum())
