"""NAB runner: results layout, labels from combined_windows.json, scores that find injected spikes."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from lam_models.monitor.nab import run_nab
from lam_models.monitor.nab.config import NabConfig

SPIKES = (700, 1300)


def write_corpus(root: Path, with_labels: bool = True) -> Path:
    """A tiny NAB corpus: one labelled file with two spikes, one unlabelled flat-ish file."""
    rng = np.random.default_rng(0)
    times = pd.date_range("2014-04-01", periods=1600, freq="5min")
    values = 50 + 5 * np.sin(np.arange(1600) / 40) + rng.normal(0, 1, 1600)
    values[list(SPIKES)] += 25
    data = root / "data"
    (data / "artificialWithAnomaly").mkdir(parents=True)
    (data / "realKnownCause").mkdir()
    stamp = times.strftime("%Y-%m-%d %H:%M:%S")
    pd.DataFrame({"timestamp": stamp, "value": values.round(3)}).to_csv(
        data / "artificialWithAnomaly" / "art_spikes.csv", index=False)
    pd.DataFrame({"timestamp": stamp[:300], "value": rng.normal(3, 0.1, 300).round(4)}).to_csv(
        data / "realKnownCause" / "calm.csv", index=False)
    if with_labels:
        (root / "labels").mkdir()
        windows = {"artificialWithAnomaly/art_spikes.csv": [
            [str(times[i - 20]) + ".000000", str(times[i + 20]) + ".000000"] for i in SPIKES]}
        (root / "labels" / "combined_windows.json").write_text(json.dumps(windows))
    return data


def test_results_layout_labels_and_scores(tmp_path: Path) -> None:
    data = write_corpus(tmp_path / "nab")
    summary = run_nab(data, tmp_path / "results")
    assert summary["files"] == 2 and summary["labels_found"] and summary["labelled_files"] == 1
    assert summary["anomalous_records"] == 82
    assert sorted(summary["written"]) == ["monitor/artificialWithAnomaly/monitor_art_spikes.csv",
                                          "monitor/realKnownCause/monitor_calm.csv"]
    result = pd.read_csv(tmp_path / "results" / "monitor" / "artificialWithAnomaly" / "monitor_art_spikes.csv")
    assert list(result.columns) == ["timestamp", "value", "anomaly_score", "label"]
    assert result["timestamp"].iloc[0] == "2014-04-01 00:00:00"
    assert result["anomaly_score"].between(0, 1).all()
    assert result["label"].iloc[list(SPIKES)].tolist() == [1, 1] and result["label"].sum() == 82
    scores = result["anomaly_score"].to_numpy()
    outside = scores[result["label"].to_numpy() == 0][200:]
    assert scores[list(SPIKES)].min() > np.quantile(outside, 0.999)
    calm = pd.read_csv(tmp_path / "results" / "monitor" / "realKnownCause" / "monitor_calm.csv")
    assert (calm["label"] == 0).all()


def test_missing_labels_mean_zero_and_the_null_detector_runs(tmp_path: Path) -> None:
    data = write_corpus(tmp_path / "nab", with_labels=False)
    summary = run_nab(data, tmp_path / "results", NabConfig(detector="null"))
    assert not summary["labels_found"] and summary["anomalous_records"] == 0
    result = pd.read_csv(tmp_path / "results" / "null" / "artificialWithAnomaly" / "null_art_spikes.csv")
    assert set(result["anomaly_score"]) == {0.5} and set(result["label"]) == {0}


def test_bad_input_fails_with_a_fix(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="does not exist"):
        run_nab(tmp_path / "nowhere", tmp_path / "out")
    (tmp_path / "empty").mkdir()
    with pytest.raises(FileNotFoundError, match="no \\*.csv"):
        run_nab(tmp_path / "empty", tmp_path / "out")
    bad = tmp_path / "bad" / "cat"
    bad.mkdir(parents=True)
    (bad / "x.csv").write_text("timestamp,value\n2014-01-01 00:00:00,1\n2014-01-01 00:05:00,oops\n")
    with pytest.raises(ValueError, match="row 3"):
        run_nab(tmp_path / "bad", tmp_path / "out")
    with pytest.raises(ValueError, match="unknown detector"):
        run_nab(tmp_path / "bad", tmp_path / "out", NabConfig(detector="htm"))


def test_the_nab_runner_and_the_nightly_monitor_run_the_same_detector(tmp_path: Path) -> None:
    """One key's hourly windows, exported as a NAB file, score the same in both paths, and the alerts the
    monitor raises are exactly the windows that pass the alert rule on the NAB path's scores."""
    from lam_models.monitor.alerts import evaluate_windows
    from lam_models.monitor.config import MonitorConfig
    from lam_models.monitor.synthetic import InjectedSpike, make_scored_headlines
    from lam_models.monitor.windows import compute_windows

    config = MonitorConfig(window_sizes=("1h",))
    spike = InjectedSpike("ticker:T000", pd.Timestamp("2024-01-20T10:00", tz="UTC"), "1h", 30, 0.9)
    frame = make_scored_headlines(20_000, 30, n_tickers=5, spikes=(spike,), seed=2)
    evaluated = evaluate_windows(compute_windows(frame, config.window_sizes), config)
    key = evaluated[evaluated["key"] == "ticker:T000"].reset_index(drop=True)
    data = tmp_path / "data" / "monitor"
    data.mkdir(parents=True)
    key.assign(timestamp=key["window_start"].dt.strftime("%Y-%m-%d %H:%M:%S"), value=key["negative_share"],
               volume=key["count"])[["timestamp", "value", "volume"]].to_csv(data / "t000.csv", index=False)
    run_nab(tmp_path / "data", tmp_path / "results", NabConfig(two_sided=False, episode_half_life=0), config)
    nab_scores = pd.read_csv(tmp_path / "results" / "monitor" / "monitor" / "monitor_t000.csv")["anomaly_score"]
    np.testing.assert_allclose(nab_scores.to_numpy(), key["score"].to_numpy(), rtol=0, atol=1e-12)
    rule = (nab_scores.to_numpy() >= config.alert_threshold) & (key["count"] >= config.min_volume) & (key["move"] >= config.min_move)
    assert key["spike"].tolist() == rule.tolist() and key.loc[key["window_start"] == spike.start, "spike"].item()
