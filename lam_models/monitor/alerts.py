"""Compose windows -> detector -> spike rule -> state machine -> evidence into alert records (pure).

``detect_alerts`` is the whole path from scored headlines. The Spark job may instead aggregate the
windows itself and call ``evaluate_windows`` and ``alerts_from_windows``. Recomputing from all
windows of a key, late headlines included, yields the same ``alert_id`` values; a changed alert has a
new ``fingerprint`` and ``merge_revision`` turns it into an update, never a duplicate.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from lam_models.monitor.config import MonitorConfig, detector_id, key_kind, window_nanos
from lam_models.monitor.engine import make_detector
from lam_models.monitor.evidence import EvidenceKey, top_headlines
from lam_models.monitor.state import alert_id, alerting_episodes, episodes, fingerprint, iso_utc
from lam_models.monitor.topics import count_number, dominant_topics, mark_alerting
from lam_models.monitor.windows import explode_keys, monitor_key_columns, window_stats

SCHEMA_VERSION = 1
_NEEDED = ("key", "window_size", "window_start", "count", "negative_count", "mean_score")
DETECTOR = "monitor"
"""The engine's detector that raises production alerts (``lam monitor nab`` runs the same by default)."""
FIGURES = {"baseline_share": "expected", "baseline_spread": "record", "baseline_history": "history", "move": "move",
           "z": "ratio", "score": "score"}
"""Window column <- detector figure."""
SEVERITIES = ("low", "medium", "high")


def evaluate_windows(windows: pd.DataFrame, config: MonitorConfig) -> pd.DataFrame:
    """The detector's score, figures, spike flag and severity of every window.

    Each (window size, key) is one series for the engine's ``monitor`` detector: time = window start,
    value = negative share, volume = headlines. A window is a spike when its score reaches
    ``alert_threshold``, it holds ``min_volume`` headlines and its shrunk share rose ``min_move``.

    Args:
        windows: one row per non-empty (key, window size, window) with at least ``key``,
            ``window_size``, ``window_start`` (tz-aware), ``count``, ``negative_count``, ``mean_score``
            (as from ``compute_windows``, or aggregated by Spark). Any row order. Feed the whole
            history of a key (or enough of it) so its detector is warm.
        config: detector and alert-rule constants.

    Returns:
        A copy sorted by (window size, key, window index) with ``kind``, ``window_index``,
        ``window_end``, ``negative_share``, ``baseline_share`` (the expected share),
        ``baseline_spread`` (the faded record departure), ``baseline_history`` (earlier windows),
        ``move``, ``z`` (departure over the record), ``score``, ``spike``, ``severity`` (figures NaN,
        score 0 and no spike for (ticker, topic) windows) and, from ``topics.mark_alerting``,
        ``breadth``, ``explained`` and ``alerting`` added.
    """
    missing = [c for c in _NEEDED if c not in windows.columns]
    if missing:
        raise ValueError(f"windows lack columns {missing}; build them with compute_windows()")
    key_code, keys = _key_codes(windows["key"])
    size_code, sizes = pd.factorize(windows["window_size"].astype(str), sort=True)
    nanos = np.array([window_nanos(s) for s in sizes], dtype=np.int64)[size_code]
    start = pd.to_datetime(windows["window_start"], utc=True)
    window_index = np.floor_divide(start.dt.as_unit("ns").array.asi8, nanos)
    order = np.lexsort((window_index, key_code, size_code))  # (window size, key, window index), as strings sort
    out = windows.take(order).reset_index(drop=True)
    key_code, size_code, nanos = key_code[order], size_code[order], nanos[order]
    out["key"] = np.asarray(keys, dtype=object)[key_code]
    out["window_size"] = np.asarray(sizes, dtype=object)[size_code]
    out["window_start"] = start.take(order).reset_index(drop=True)
    out["window_index"] = window_index[order]
    out["window_end"] = out["window_start"] + pd.to_timedelta(nanos, unit="ns")
    kinds = np.array([key_kind(k) for k in keys], dtype=object)[key_code]
    out["kind"] = kinds
    out["negative_share"] = out["negative_count"] / out["count"]
    series = np.cumsum(np.r_[True, (key_code[1:] != key_code[:-1]) | (size_code[1:] != size_code[:-1])]) - 1
    judged = kinds != "ticker_topic"  # (ticker, topic) windows never alert: not scored
    figures = make_detector(DETECTOR, config).evaluate(
        out["window_start"][judged], out["negative_share"][judged], out["count"][judged], series[judged])
    for column, source in FIGURES.items():
        values = np.full(len(out), 0.0 if column == "score" else np.nan)
        values[judged] = figures[source].to_numpy(dtype=np.float64)
        out[column] = values
    out["spike"] = ((out["score"] >= config.alert_threshold) & (out["count"] >= config.min_volume)
                    & (out["move"] >= config.min_move)).to_numpy(dtype=bool)
    out["severity"] = severity(out["score"].to_numpy(), config)
    return mark_alerting(out, config)


def severity(score: np.ndarray, config: MonitorConfig) -> np.ndarray:
    """``low`` / ``medium`` / ``high`` by score against ``config.severity_scores`` (object array)."""
    medium, high = config.severity_scores
    level = (np.asarray(score) >= medium).astype(np.int64) + (np.asarray(score) >= high).astype(np.int64)
    return np.asarray(SEVERITIES, dtype=object)[level]


def alerts_from_windows(evaluated: pd.DataFrame, config: MonitorConfig, as_of: pd.Timestamp,
                        evidence: Mapping[EvidenceKey, list[dict[str, object]]] | None = None) -> list[dict[str, Any]]:
    """Run the state machine over the alerting spike windows of every series and build alert records.

    Spikes folded into a topic alert (``explained``) and (ticker, topic) spikes raise nothing, nor does an episode
    of a key that an episode of another window size already alerted on (``state.alerting_episodes``).

    Args:
        evaluated: output of ``evaluate_windows``.
        config: cooldown and calm windows.
        as_of: event time up to which windows are complete (the watermark); decides resolution.
        evidence: (key, window size, window index) -> headlines; missing entries give empty evidence.

    Returns:
        Records matching ``schemas/alert.json``, sorted by (window_start, key, window_size).
    """
    as_of_ns = _utc_nanos(as_of)
    spikes = evaluated[evaluated["alerting"].to_numpy(dtype=bool)]
    topics = dominant_topics(evaluated, list(zip(spikes["key"], spikes["window_size"], spikes["window_index"].astype(int))),
                             config.dominant_topics)
    detector = detector_id(config)
    found = []
    for (size, key), group in spikes.groupby(["window_size", "key"], sort=True):
        nanos = window_nanos(str(size))
        rows = group.set_index("window_index")
        for episode in episodes(rows.index, config.cooldown_windows, config.calm_windows, as_of_ns // nanos - 1):
            found.append((str(key), str(size), nanos, rows.loc[episode.fire_index], episode))
    records = []
    raised = alerting_episodes([(key, nanos, episode) for key, _, nanos, _, episode in found])
    for (key, size, nanos, row, episode), alerting in zip(found, raised):
        if alerting:
            resolved_at = iso_utc((episode.resolve_index + 1) * nanos) if episode.resolved else None
            target = (key, size, int(episode.fire_index))
            records.append(_record(row, key, size, nanos, episode.state, resolved_at, episode.spikes,
                                   (evidence or {}).get(target, []), topics[target], detector))
    records.sort(key=lambda r: (r["window_start"], r["key"], r["window_seconds"]))
    return records


def detect_alerts(frame: pd.DataFrame, config: MonitorConfig | None = None, as_of: pd.Timestamp | None = None,
                  key_columns: Mapping[str, str] | None = None) -> list[dict[str, Any]]:
    """Alerts for scored headlines: windows of every configured size, for the market and every key.

    Args:
        frame: scored headlines (``id``, ``tickers``, ``headline``, ``published_at`` tz-aware,
            ``label``, ``score``, optionally ``topic_id``; probability columns are not needed).
        config: tuned constants; defaults to ``MonitorConfig()``.
        as_of: watermark; defaults to the latest ``published_at`` (the window holding it is open).
        key_columns: column -> key kind (default: tickers, and topics when ``topic_id`` is there).

    Returns:
        Alert records (see ``alerts_from_windows``); empty if ``frame`` has no usable rows.
    """
    config = config or MonitorConfig()
    keyed = explode_keys(frame, monitor_key_columns(frame) if key_columns is None else key_columns,
                         config.multi_ticker_weight)
    if keyed.empty:
        return []
    windows = pd.concat([window_stats(keyed, size) for size in config.window_sizes], ignore_index=True)
    evaluated = evaluate_windows(windows, config)
    if as_of is None:
        as_of = pd.Timestamp(int(keyed["ts"].max()), tz="UTC")
    fired = evaluated[evaluated["alerting"]]
    targets = list(zip(fired["key"], fired["window_size"], fired["window_index"].astype(int)))
    return alerts_from_windows(evaluated, config, as_of, top_headlines(frame, keyed, targets, config.top_k))


def _record(row: pd.Series, key: str, size: str, nanos: int, state: str, resolved_at: str | None, spike_windows: int,
            found: list[dict[str, object]], topics: list[dict[str, Any]], detector: str) -> dict[str, Any]:
    start = row["window_start"]
    record: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "alert_id": alert_id(key, size, start),
        "kind": key_kind(key),
        "key": key,
        "window_size": size,
        "window_seconds": nanos // 1_000_000_000,
        "window_start": iso_utc(start),
        "window_end": iso_utc(start + pd.Timedelta(nanos, unit="ns")),
        "state": state,
        "severity": str(row["severity"]),
        "figures": {
            "count": count_number(row["count"]),
            "negative_count": count_number(row["negative_count"]),
            "negative_share": _r(row["negative_share"]),
            "mean_score": _r(row["mean_score"]),
        },
        "baseline": {
            "negative_share": _r(row["baseline_share"]),
            "spread": _r(row["baseline_spread"]),
            "history": _r(row["baseline_history"]),
        },
        "move": _r(row["move"]),
        "z": _r(row["z"]),
        "score": _r(row["score"]),
        "spike_windows": int(spike_windows),
        "resolved_at": resolved_at,
        "revision": 2 if state == "resolved" else 1,
        "evidence": list(found),
        "topics": topics,
        "detector": detector,
    }
    if record["kind"] == "topic":
        record["breadth"] = int(row["breadth"])
    record["fingerprint"] = fingerprint(record)
    return record


def _key_codes(keys: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Codes of the keys in string order, and the keys; a categorical (as ``compute_windows`` gives) is ranked by its
    categories alone, not by a string per row."""
    if not isinstance(keys.dtype, pd.CategoricalDtype):
        return pd.factorize(keys.astype(str), sort=True)
    names = np.asarray(keys.cat.categories.astype(str), dtype=object)
    order = np.argsort(names, kind="stable")
    rank = np.empty(len(names), dtype=np.int64)
    rank[order] = np.arange(len(names))
    return rank[keys.cat.codes.to_numpy()], names[order]


def _utc_nanos(value: pd.Timestamp) -> int:
    ts = pd.Timestamp(value)
    return int((ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")).value)


def _r(value: float) -> float:
    """Round to 6 decimals so float noise from summation order never changes a fingerprint."""
    return round(float(value), 6)
