"""Picking alert_threshold from verdicts: a verdict set whose right threshold is known, unreachable
targets and too few verdicts give None with the reason, unscored alerts are ignored and counted, and
``lam alerts tune`` prints the settings line and appends the --record JSON line."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timezone
from types import SimpleNamespace

import pytest
from sklearn.metrics import precision_recall_curve
from typer.testing import CliRunner

from lam_models.adapters import alert_feedback
from lam_models.alerting import feedback as fb
from lam_models.alerting.feedback_stats import latest_verdicts
from lam_models.alerting.sensitivity import candidates, recommend
from lam_models.cli import alerts as alerts_cli
from lam_models.contracts import load_contract

TS = datetime(2024, 3, 1, 12, tzinfo=timezone.utc)
DETECTOR, OTHER = "abc123abc123", "def456def456"
USEFUL_SCORES = [0.57, 0.58, 0.59, *[round(0.63 + i / 100, 2) for i in range(7)], *[round(0.70 + i / 100, 2) for i in range(10)]]
FALSE_SCORES = [round(0.50 + i / 100, 2) for i in range(7)] + [0.60, 0.61, 0.62]
"""30 scored verdicts: raising the threshold to 0.55 keeps 25 alerts, 20 useful (precision 0.8 exactly);
0.54 keeps 26 (0.769); 0.57 is the lowest reaching 0.85 (20 of 23)."""


def verdict(n: int, verdict: str, score: float | None, detector: str = DETECTOR, kind: str = "ticker",
            absent: bool = False) -> dict:
    """A schema-checked feedback record on alert ``n``; ``absent`` drops the score key (records from before it existed)."""
    alert = {"alert_id": hashlib.md5(f"{detector}{n}".encode()).hexdigest(), "kind": kind, "key": f"ticker:T{n}",
             "window_size": "1h", "window_start": "2024-03-01T09:00:00Z", "severity": "high", "revision": 1,
             "detector": detector, "topics": []}
    record = fb.build_records({**alert, **({} if score is None else {"score": score})}, verdict, {}, {}, "ana", TS)[0]
    if absent:
        del record["alert"]["score"]
        load_contract("feedback").validate(record)
    return record


def records(unscored: int = 4) -> list[dict]:
    found = [verdict(i, "useful", s) for i, s in enumerate(USEFUL_SCORES)]
    found += [verdict(100 + i, "false-alarm", s) for i, s in enumerate(FALSE_SCORES)]
    return found + [verdict(200 + i, "false-alarm", None, absent=i % 2 == 1) for i in range(unscored)]


def test_the_snapshot_carries_the_alerts_score_and_the_schemas_bound_it() -> None:
    assert verdict(1, "useful", 0.73)["alert"]["score"] == 0.73
    assert verdict(2, "useful", None)["alert"]["score"] is None
    with pytest.raises(fb.FeedbackError, match="schemas/feedback.json"):
        verdict(3, "useful", 1.5)
    alert = load_contract("alert").schema
    assert (alert["properties"]["score"]["minimum"], alert["properties"]["score"]["maximum"]) == (0, 1)
    assert "score" not in alert["required"], "alerts raised before the score was recorded stay valid"


def test_candidates_match_sklearns_precision_curve() -> None:
    scored = latest_verdicts(records(unscored=0))
    table = candidates(scored)
    precision, _, thresholds = precision_recall_curve(scored["verdict"].eq("useful"), scored["score"])
    assert table["threshold"].tolist() == pytest.approx(thresholds.tolist())
    assert table["precision"].tolist() == pytest.approx(precision[:-1].tolist())
    assert table["kept"].tolist() == list(range(30, 0, -1)), "one alert per distinct score"


def test_the_lowest_threshold_reaching_the_target_is_recommended_and_unscored_alerts_are_ignored() -> None:
    verdicts = latest_verdicts(records())
    assert verdicts["score"].isna().sum() == 4
    (rec,) = recommend(verdicts, 0.8, min_judged=20)
    assert (rec.group, rec.threshold, rec.precision, rec.kept) == ({"detector": DETECTOR}, 0.55, 0.8, 25)
    assert (rec.judged, rec.unscored, rec.reason, rec.keeps_all) == (30, 4, None, False)
    (tighter,) = recommend(verdicts, 0.85, min_judged=20)
    assert (tighter.threshold, tighter.kept, tighter.precision) == (0.57, 23, round(20 / 23, 4))


def test_a_setting_already_meeting_the_target_is_confirmed_not_loosened() -> None:
    verdicts = latest_verdicts(records())
    (rec,) = recommend(verdicts, 0.6, min_judged=20)
    assert (rec.threshold, rec.kept, rec.keeps_all) == (0.50, 30, True), "never below the lowest judged score"
    assert recommend(verdicts, 0.6, min_judged=20, current=0.45)[0].threshold == 0.45
    assert recommend(verdicts, 0.8, min_judged=20, current=0.45)[0].threshold == 0.55


@pytest.mark.parametrize(("target", "min_judged", "reason"), [
    (0.95, 18, "best is 0.9444 at 0.62 (18 kept)"),
    (0.8, 26, "no threshold keeping >= 26 judged alerts reaches precision 0.8: best is 0.7692 at 0.54"),
    (0.5, 31, "30 judged alert(s) with a score (4 without); need at least 31"),
])
def test_unreachable_targets_and_too_few_verdicts_give_none_with_the_reason(target, min_judged, reason) -> None:
    (rec,) = recommend(latest_verdicts(records()), target, min_judged)
    assert (rec.threshold, rec.precision, rec.kept, rec.judged) == (None, None, None, 30)
    assert reason in rec.reason


def test_groups_by_detector_and_optionally_kind() -> None:
    extra = [verdict(300 + i, "useful", 0.9, detector=OTHER, kind="topic") for i in range(3)]
    by_detector = recommend(latest_verdicts(records() + extra), 0.8, min_judged=3)
    assert [r.group["detector"] for r in by_detector] == [DETECTOR, OTHER], "most judged first"
    assert (by_detector[1].threshold, by_detector[1].kept) == (0.9, 3)
    by_kind = recommend(latest_verdicts(records() + extra), 0.8, min_judged=3, by=("detector", "kind"))
    assert [r.group for r in by_kind] == [{"detector": DETECTOR, "kind": "ticker"}, {"detector": OTHER, "kind": "topic"}]
    with pytest.raises(ValueError, match="target precision"):
        recommend(latest_verdicts(extra), 0, min_judged=3)


def tune(monkeypatch, feedback: list[dict], *args: str, current: float | None = 0.5):
    monitor = SimpleNamespace() if current is None else SimpleNamespace(alert_threshold=current)
    monkeypatch.setattr(alerts_cli, "settings", lambda: SimpleNamespace(monitor=monitor))
    monkeypatch.setattr(alert_feedback, "read_feedback", lambda settings: feedback)
    return CliRunner().invoke(alerts_cli.app, ["tune", *args], env={"COLUMNS": "200"})


def test_tune_prints_the_settings_line_and_appends_the_record(monkeypatch, tmp_path) -> None:
    log = tmp_path / "tuning" / "alert_threshold.jsonl"
    for _ in range(2):
        done = tune(monkeypatch, records(), "--target-precision", "0.8", "--record", str(log))
        assert done.exit_code == 0, done.output
    assert done.stdout.strip().splitlines()[-1] == "LAM_MONITOR__ALERT_THRESHOLD=0.55"
    assert DETECTOR in done.output and "drops 5 judged alert(s)" in done.output
    lines = [json.loads(line) for line in log.read_text().splitlines()]
    assert len(lines) == 2, "append-only: one line per run"
    assert {k: v for k, v in lines[0].items() if k != "ts"} == {
        "detector": DETECTOR, "target_precision": 0.8, "min_judged": 20, "recommended_alert_threshold": 0.55,
        "precision": 0.8, "kept": 25, "judged": 30, "unscored": 4, "reason": None}
    assert datetime.fromisoformat(lines[0]["ts"].replace("Z", "+00:00")).tzinfo is not None


def test_tune_json_and_unknown_current_threshold(monkeypatch) -> None:
    done = tune(monkeypatch, records(), "--target-precision", "0.8", "--json", current=None)
    payload = json.loads(done.stdout)
    assert payload["current_alert_threshold"] is None and payload["settings_line"] == "LAM_MONITOR__ALERT_THRESHOLD=0.55"
    (detector,) = payload["detectors"]
    assert detector["unscored"] == 4 and len(detector["candidates"]) == 30
    unreachable = tune(monkeypatch, records(), "--target-precision", "0.95", "--min-judged", "18")
    assert unreachable.exit_code == 0 and "LAM_MONITOR__ALERT_THRESHOLD" not in unreachable.stdout
    assert "0.9444" in unreachable.output


def test_tune_errors_are_one_clear_line(monkeypatch, tmp_path) -> None:
    two = records() + [verdict(300, "useful", 0.9, detector=OTHER)]
    listed = tune(monkeypatch, two, "--target-precision", "0.8")
    assert listed.exit_code == 0 and "--detector" in listed.output and "LAM_MONITOR" not in listed.stdout
    picked = tune(monkeypatch, two, "--target-precision", "0.8", "--detector", DETECTOR)
    assert picked.stdout.strip().splitlines()[-1] == "LAM_MONITOR__ALERT_THRESHOLD=0.55"
    for feedback, args, message in (
            (two, ["--record", str(tmp_path / "log.jsonl")], "pick one with --detector"),
            ([], ["--record", str(tmp_path / "log.jsonl")], "no verdicts to tune from"),
            (two, ["--detector", "0" * 12], "no verdicts on alerts of detector")):
        refused = tune(monkeypatch, feedback, "--target-precision", "0.8", *args)
        assert refused.exit_code == 2 and message in refused.output and "Traceback" not in refused.output
    assert not (tmp_path / "log.jsonl").exists()
