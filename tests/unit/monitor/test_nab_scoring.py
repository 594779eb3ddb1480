"""NAB scorer: NAB's own per-file scores come out at the published thresholds; the sweep finds the best total."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from lam_models.monitor.nab.corpus import load_label_windows, read_nab_series, read_result_scores, window_rows
from lam_models.monitor.nab.runner import result_path
from lam_models.monitor.nab.scoring import Profile, file_layout, file_score, load_profiles, normalised, scaled_sigmoid, sweep

FILES = ("realKnownCause/nyc_taxi.csv", "realAWSCloudwatch/ec2_cpu_utilization_24ae8d.csv",
         "artificialWithAnomaly/art_daily_jumpsdown.csv", "realAdExchange/exchange-4_cpc_results.csv")
STANDARD = Profile("standard", 1.0, 1.0, 0.11)


@pytest.fixture(scope="module")
def nab(data_dir: Path) -> Path:
    return data_dir / "nab"


def layout_of(nab: Path, rel: str):
    series = read_nab_series(nab / "data" / rel)
    return file_layout(len(series), window_rows(series["time"], load_label_windows(nab / "data")[rel]))


@pytest.mark.parametrize("detector", ["numenta", "ARTime", "windowedGaussian"])
@pytest.mark.parametrize("profile", ["standard", "reward_low_FP_rate", "reward_low_FN_rate"])
def test_published_per_file_scores_are_reproduced(nab: Path, detector: str, profile: str) -> None:
    table = pd.read_csv(nab / "results" / detector / f"{detector}_{profile}_scores.csv").set_index("File")
    weights = load_profiles(nab / "config" / "profiles.json")[profile]
    for rel in FILES:
        scores = read_result_scores(result_path(nab / "results", detector, Path(rel)))
        got = file_score(layout_of(nab, rel), scores, float(table.loc[rel, "Threshold"]), weights)
        assert got["score"] == pytest.approx(float(table.loc[rel, "Score"]), abs=1e-9), rel


def test_the_sweep_equals_the_best_brute_force_threshold(nab: Path) -> None:
    layouts = [layout_of(nab, rel) for rel in FILES]
    scores = [read_result_scores(result_path(nab / "results", "numenta", Path(rel))) for rel in FILES]
    threshold, best = sweep(layouts, scores, STANDARD)
    candidates = np.unique(np.concatenate(scores))[::25]
    brute = max(sum(file_score(lay, s, t, STANDARD)["score"] for lay, s in zip(layouts, scores)) for t in candidates)
    assert best >= brute - 1e-9
    assert best == pytest.approx(sum(file_score(lay, s, threshold, STANDARD)["score"] for lay, s in zip(layouts, scores)))


def test_null_perfect_and_the_sigmoid() -> None:
    layout = file_layout(1000, [(400, 449), (800, 819)])
    assert scaled_sigmoid(np.array([-1.0, 0.0, 4.0])) == pytest.approx([0.98661, 0.0, -1.0], abs=1e-5)
    perfect = np.zeros(1000)
    perfect[[400, 800]] = 1.0
    threshold, raw = sweep([layout], [perfect], STANDARD)
    assert threshold == 1.0 and raw == pytest.approx(2.0) and normalised(raw, [layout], STANDARD) == pytest.approx(100.0)
    null_threshold, null_raw = sweep([layout], [np.full(1000, 0.5)], STANDARD)
    assert null_raw == -2.0 and null_threshold > 0.5 and normalised(null_raw, [layout], STANDARD) == 0.0
    assert file_score(layout, np.full(1000, 0.5), 0.5, STANDARD)["fp"] == 1000 - 150 - 70


def test_probationary_rows_and_late_false_positives_cost_as_nab_says() -> None:
    layout = file_layout(1000, [(400, 449)])
    early = np.zeros(1000)
    early[100] = 1.0  # probationary: free
    assert file_score(layout, early, 1.0, STANDARD)["score"] == -1.0
    just_after, far_after = np.zeros(1000), np.zeros(1000)
    just_after[450], far_after[900] = 1.0, 1.0
    assert -0.11 < file_score(layout, just_after, 1.0, STANDARD)["score"] + 1.0 < 0
    assert file_score(layout, far_after, 1.0, STANDARD)["score"] == pytest.approx(-1.11)
