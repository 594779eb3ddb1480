"""Read what the runs left in the lake and the registries into plain frames and dicts (pandas only).

Every reader returns ``None`` when its input does not exist yet, so the report can say
"not available yet" for that section instead of failing. Nothing here writes a file.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from lam_models import catalog
from lam_models import delta_tables
from lam_models.lake_location import parse
from lam_models.monitor.config import MonitorConfig
from lam_models.report.lineage import read_lineage
from lam_models.report.topics_data import read_topic_daily, read_topic_model, topic_table

SENTIMENT_COLUMNS = ("label", "score")
WINDOW_COLUMNS = ("key", "kind", "window_size", "window_start", "count", "negative_share", "baseline_share",
                  "mean_score", "spike", "severity")
ALERT_COLUMNS = ("alert_id", "key", "kind", "window_size", "window_start", "window_end", "state", "severity",
                 "revision", "count", "negative_count", "negative_share", "baseline_share", "mean_score", "z",
                 "move", "spike_windows", "resolved_at", "evidence")


@dataclass
class ReportData:
    """Everything the report shows; a ``None`` field means that input is not available yet.

    Attributes:
        generated_at: ISO time the data was collected.
        lake_root: where the lake was read from.
        windows: monitor window aggregates (``WINDOW_COLUMNS`` at least), all sizes and keys.
        windows_source: ``"gold/monitor_windows"`` or ``"silver/news"`` (recomputed, monitor not run).
        alerts: one row per alert (``ALERT_COLUMNS``; ``evidence`` holds lists of headline dicts).
        headlines: silver summary: ``rows``, ``first``, ``last``, ``labels`` {label: n}, ``model_versions``.
        runs: one row per job state (``job``, ``name``, ``runs`` and the summed counters of its runs).
        deadletter: ``topic``, ``kind`` (reason before ':'), ``count``, ``example`` (one full reason).
        sentiment: ``version_id``, ``production`` (bool), ``version`` (version.json), ``metrics`` (metrics.json).
        recsys: evaluation dict ``{"protocols": {protocol: {model: metrics}}, ...}`` plus ``source``.
        topics, topic_model, topic_daily: topic table, model summary, per-(topic, day) counts (``topics_data``).
        lineage: windowed runs (backfills, re-scores) and the table versions they read (``lineage``).
    """

    generated_at: str
    lake_root: str
    windows: pd.DataFrame | None = None
    windows_source: str | None = None
    alerts: pd.DataFrame | None = None
    headlines: dict[str, Any] | None = None
    runs: pd.DataFrame | None = None
    deadletter: pd.DataFrame | None = None
    sentiment: dict[str, Any] | None = None
    recsys: dict[str, Any] | None = None
    topics: pd.DataFrame | None = None
    topic_model: dict[str, Any] | None = None
    topic_daily: pd.DataFrame | None = None
    lineage: pd.DataFrame | None = None


def collect(lake_root: Path | str, registry_root: Path | None = None, recsys_evaluation: Path | None = None,
            monitor_config: MonitorConfig | None = None) -> ReportData:
    """Read every report input that exists.

    Args:
        lake_root: the lake (``settings.lake_root``).
        registry_root: the model registry (``settings.registry_root``); None skips the models.
        recsys_evaluation: JSON written from ``evaluate_recommenders`` (or ``bench/recsys.py``);
            default ``<registry_root>/recsys/evaluation.json``.
        monitor_config: used only to recompute windows from silver when the monitor has not run.
    """
    lake_root = parse(lake_root)
    data = ReportData(generated_at=datetime.now(UTC).isoformat(timespec="seconds"), lake_root=str(lake_root))
    data.headlines = read_silver_summary(lake_root)
    data.windows = read_windows(lake_root)
    data.windows_source = "gold/monitor_windows" if data.windows is not None else None
    if data.windows is None and data.headlines and data.headlines.get("scored"):
        data.windows = windows_from_silver(lake_root, monitor_config or MonitorConfig())
        data.windows_source = "silver/news" if data.windows is not None else None
    data.alerts = read_alerts(lake_root)
    data.runs = read_runs(lake_root)
    data.deadletter = read_deadletter(lake_root)
    data.lineage = read_lineage(lake_root)
    data.topic_daily = read_topic_daily(lake_root)
    if registry_root is not None:
        data.topic_model = read_topic_model(Path(registry_root))
        data.topics = topic_table(data.topic_model, data.topic_daily)
        data.sentiment = read_sentiment_metrics(Path(registry_root))
        default = Path(registry_root) / "recsys" / "evaluation.json"
        data.recsys = read_recsys_evaluation(recsys_evaluation or default)
    elif recsys_evaluation is not None:
        data.recsys = read_recsys_evaluation(recsys_evaluation)
    return data


def read_silver_summary(lake_root: Path) -> dict[str, Any] | None:
    """Row count, event-time span, label counts (when scored) and model versions of ``silver/news``."""
    dataset = delta_tables.dataset(catalog.SILVER_NEWS.path(lake_root))
    if dataset is None:
        return None
    names = set(dataset.schema.names)
    wanted = [c for c in ("published_at", "label", "model_version") if c in names]
    frame = dataset.to_table(columns=wanted).to_pandas()
    scored = all(c in names for c in SENTIMENT_COLUMNS)
    summary: dict[str, Any] = {"rows": len(frame), "scored": scored, "labels": None, "model_versions": {}}
    if "published_at" in frame and len(frame):
        published = _utc(frame["published_at"])
        summary["first"], summary["last"] = published.min().isoformat(), published.max().isoformat()
    if scored:
        summary["labels"] = {str(k): int(v) for k, v in frame["label"].value_counts().items()}
    if "model_version" in frame:
        summary["model_versions"] = {str(k): int(v) for k, v in frame["model_version"].value_counts().items()}
    return summary


def read_windows(lake_root: Path) -> pd.DataFrame | None:
    """The monitor's window snapshot (``gold/monitor_windows``), ``window_start`` as UTC timestamps."""
    frame = delta_tables.read_frame(catalog.MONITOR_WINDOWS.path(lake_root))
    return None if frame is None else _normalise_windows(frame)


def windows_from_silver(lake_root: Path, config: MonitorConfig) -> pd.DataFrame | None:
    """Window aggregates recomputed with the pure monitor from scored silver headlines (no alerts)."""
    from lam_models.monitor import compute_windows, evaluate_windows

    frame = delta_tables.read_frame(catalog.SILVER_NEWS.path(lake_root), columns=["id", "tickers", "headline", "published_at", "label", "score"])
    if frame is None or frame.empty:
        return None
    frame["published_at"] = _utc(frame["published_at"])
    return _normalise_windows(evaluate_windows(compute_windows(frame, config.window_sizes), config))


def _normalise_windows(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.copy()
    frame["window_start"] = _utc(frame["window_start"])
    if "negative_count" not in frame:
        frame["negative_count"] = np.rint(frame["negative_share"] * frame["count"]).astype(np.int64)
    for column in ("baseline_share", "mean_score"):
        if column not in frame:
            frame[column] = np.nan
    if "spike" not in frame:
        frame["spike"] = False
    return frame


def read_alerts(lake_root: Path) -> pd.DataFrame | None:
    """Alerts snapshot flattened from each row's full ``record`` JSON, newest window first."""
    snapshot = delta_tables.read_frame(catalog.ALERTS.path(lake_root))
    if snapshot is None:
        return None
    return alerts_frame([json.loads(r) for r in snapshot["record"]])


def alerts_frame(records: list[dict[str, Any]]) -> pd.DataFrame:
    """Alert records (``schemas/alert.json``) as one flat row each, newest window first.

    Args:
        records: alert dicts as the monitor builds them.

    Returns:
        Frame with ``ALERT_COLUMNS``; ``window_start``/``window_end`` are UTC timestamps.
    """
    rows = [{
        "alert_id": r["alert_id"], "key": r["key"], "kind": r["kind"], "window_size": r["window_size"],
        "window_start": r["window_start"], "window_end": r["window_end"], "state": r["state"],
        "severity": r["severity"], "revision": int(r["revision"]), "count": r["figures"]["count"],
        "negative_count": r["figures"]["negative_count"], "negative_share": r["figures"]["negative_share"],
        "baseline_share": r["baseline"]["negative_share"], "mean_score": r["figures"]["mean_score"], "z": r["z"],
        "move": r["move"], "spike_windows": r["spike_windows"], "resolved_at": r.get("resolved_at"),
        "evidence": list(r.get("evidence") or []),
    } for r in records]
    frame = pd.DataFrame(rows, columns=list(ALERT_COLUMNS))
    frame["window_start"] = pd.to_datetime(frame["window_start"], utc=True)
    frame["window_end"] = pd.to_datetime(frame["window_end"], utc=True)
    return frame.sort_values(["window_start", "key", "window_size"], ascending=[False, True, True], ignore_index=True)


RUN_TABLES = (*catalog.BRONZE.values(), catalog.SILVER_NEWS)
"""Tables whose Delta commits carry the run figures of the jobs writing them (ingest, score, rescore)."""


def read_runs(lake_root: Path, last: int = 100) -> pd.DataFrame | None:
    """Totals of every job's recent runs, from the ``userMetadata`` of the Delta commits they made.

    Returns:
        One row per (job, name) with ``runs`` and the sum of each numeric run field over the ``last``
        runs (ingest: ``records_in``, ``bronze``, ``deadletter``, ``already_ingested``; score:
        ``rows_in``; every job: ``rows_out``, the rows its commits wrote) and ``reasons`` (ingest:
        merged dead-letter reason counts). None when no job has committed.
    """
    history: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for table in RUN_TABLES:
        for commit in delta_tables.history(table.path(lake_root)):
            meta = commit["userMetadata"]
            if "job" in meta and "name" in meta:
                metrics = commit.get("operationMetrics") or {}
                written = int(metrics.get("numOutputRows", metrics.get("num_added_rows", 0)))  # Spark's name, delta-rs's name
                history.setdefault((meta["job"], meta["name"]), []).append({**meta, "rows_out": written})
    rows = []
    for (job, name), runs in sorted(history.items()):
        row: dict[str, Any] = {"job": job, "name": name, "runs": len(runs[:last])}
        reasons: dict[str, int] = {}
        for run in runs[:last]:
            for key, value in run.items():
                if isinstance(value, (int, float)) and not isinstance(value, bool) and key != "seconds":
                    row[key] = row.get(key, 0) + value
            for reason, count in (run.get("reasons") or {}).items():
                reasons[reason] = reasons.get(reason, 0) + int(count)
        row["reasons"] = reasons
        rows.append(row)
    return pd.DataFrame(rows) if rows else None


def read_deadletter(lake_root: Path) -> pd.DataFrame | None:
    """Dead-lettered records by topic and reason kind (the text before the first ':'), most first."""
    dataset = delta_tables.dataset(catalog.DEADLETTER.path(lake_root))
    if dataset is None:
        return None
    frame = dataset.to_table(columns=["kafka_topic", "reason"]).to_pandas()
    frame["kafka_topic"] = frame["kafka_topic"].astype(str)
    frame["kind"] = frame["reason"].astype(str).str.split(":", n=1).str[0].str.strip()
    grouped = frame.groupby(["kafka_topic", "kind"], sort=False).agg(count=("reason", "size"), example=("reason", "first"))
    out = grouped.reset_index().rename(columns={"kafka_topic": "topic"})
    return out.sort_values(["count", "topic", "kind"], ascending=[False, True, True], ignore_index=True)


def read_sentiment_metrics(registry_root: Path) -> dict[str, Any] | None:
    """``metrics.json`` of the production sentiment version, else of the newest version."""
    from lam_models.registry.pointers import production_version
    from lam_models.registry.store import RegistryError, list_versions, read_json

    try:
        version_id = production_version(registry_root)
        production = version_id is not None
        if version_id is None:
            versions = list_versions(registry_root)
            if not versions:
                return None
            version_id = versions[-1].version_id
        return {"version_id": version_id, "production": production,
                "version": read_json(registry_root, version_id, "version.json"),
                "metrics": read_json(registry_root, version_id, "metrics.json")}
    except RegistryError:
        return None


def read_recsys_evaluation(path: Path) -> dict[str, Any] | None:
    """An ``evaluate_recommenders`` result saved as JSON (``{"protocols": {...}}``), or None."""
    path = Path(path)
    if not path.is_file():
        return None
    try:
        payload = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(payload, dict) or not isinstance(payload.get("protocols"), dict):
        return None
    return {**payload, "source": str(path)}


def trend(windows: pd.DataFrame, key: str, size: str, max_points: int = 400) -> pd.DataFrame:
    """One key's windows of one size in time order, merged into coarser bins above ``max_points``.

    Args:
        windows: ``ReportData.windows``.
        key: e.g. ``"market"`` or ``"ticker:AAPL"``.
        size: window size, e.g. ``"1d"``.
        max_points: most rows returned; consecutive windows are merged (count-weighted) beyond it.

    Returns:
        ``window_start``, ``count``, ``negative_share``, ``baseline_share``, ``mean_score``, ``spike``.
    """
    rows = windows[(windows["key"] == key) & (windows["window_size"] == size)].sort_values("window_start")
    rows = rows[["window_start", "count", "negative_count", "baseline_share", "mean_score", "spike"]]
    if len(rows) > max_points:
        t = rows["window_start"].astype("int64").to_numpy()
        position = (t - t.min()) / max(float(t.max() - t.min()), 1.0)
        rows = rows.assign(_bin=np.minimum((position * max_points).astype(np.int64), max_points - 1), _w=rows["count"])
        rows = rows.assign(baseline_share=rows["baseline_share"] * rows["_w"], mean_score=rows["mean_score"] * rows["_w"])
        rows = rows.groupby("_bin").agg(window_start=("window_start", "first"), count=("count", "sum"),
                                        negative_count=("negative_count", "sum"), baseline_share=("baseline_share", "sum"),
                                        mean_score=("mean_score", "sum"), spike=("spike", "any"))
        rows["baseline_share"] /= rows["count"]
        rows["mean_score"] /= rows["count"]
    rows = rows.reset_index(drop=True)
    rows["negative_share"] = rows["negative_count"] / rows["count"]
    return rows[["window_start", "count", "negative_share", "baseline_share", "mean_score", "spike"]]


def _utc(values: pd.Series) -> pd.Series:
    values = pd.to_datetime(values)
    return values.dt.tz_localize("UTC") if values.dt.tz is None else values.dt.tz_convert("UTC")
