"""Behaviour of the whole detector on synthetic headlines: spikes found, low volume silent,
cooldown and resolution, deterministic ids under reordering and late data, schema-valid records."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import numpy as np
import pandas as pd
import pytest

from lam_models.contracts import load_contract
from lam_models.monitor.alerts import detect_alerts
from lam_models.monitor.config import MonitorConfig
from lam_models.monitor.state import merge_revision
from lam_models.monitor.synthetic import InjectedSpike, make_scored_headlines, score_detection
from lam_models.monitor.windows import compute_windows

SCHEMA_PATH = Path(__file__).resolve().parents[3] / "schemas" / "alert.json"
HOURLY = MonitorConfig(window_sizes=("1h",))
T0 = pd.Timestamp("2024-01-01", tz="UTC")


def spiked(background, make_frame, spike_hours, extra=15, ticker="ACME"):
    rows = background(ticker, hours=48, per_hour=10, negative_every=5)
    for h in spike_hours:
        rows += [((T0 + pd.Timedelta(hours=h, minutes=2 * i)).isoformat(), [ticker], "negative", f"spike-{h}-{i}")
                 for i in range(extra)]
    return make_frame(rows)


def on_acme(alerts: list[dict]) -> list[dict]:
    """The ticker's own alerts (its headlines also move the market key)."""
    return [a for a in alerts if a["key"] == "ticker:ACME"]


def injected(seed: int, size: str, extra: int, share: float, days: int = 60) -> tuple[InjectedSpike, ...]:
    rng = np.random.default_rng(seed)
    hours = 24 if size == "1d" else 1
    slots = rng.choice(np.arange(5 * 24 // hours, days * 24 // hours - 2), size=20, replace=False)
    keys = ["market" if i % 10 == 9 else f"ticker:T{int(rng.integers(0, 10)):03d}" for i in range(20)]
    return tuple(
        InjectedSpike(k, T0 + pd.Timedelta(hours=int(s) * hours), size, extra * (3 if k == "market" else 1), share)
        for k, s in zip(keys, slots)
    )


@pytest.mark.parametrize(("size", "extra", "share", "min_recall"), [("1h", 20, 0.8, 0.8), ("1d", 150, 0.6, 0.6)])
def test_injected_negative_spikes_are_found_with_few_false_alarms(size, extra, share, min_recall) -> None:
    spikes = injected(seed=1, size=size, extra=extra, share=share)
    frame = make_scored_headlines(60_000, 60, n_tickers=30, rare_tickers=3, spikes=spikes, seed=1)
    config = MonitorConfig()
    windows = compute_windows(frame, config.window_sizes)
    result = score_detection(detect_alerts(frame, config), spikes, len(windows))
    print(f"\n{size} spikes of +{extra} headlines at {share:.0%} negative: {result}")
    assert result["recall"] >= min_recall
    assert result["false_alarms_per_1000_windows"] <= 1.0


def test_a_ticker_with_one_headline_a_month_never_alerts() -> None:
    frame = make_scored_headlines(20_000, 365, n_tickers=20, rare_tickers=4, seed=5)
    for config in (MonitorConfig(), MonitorConfig(min_volume=1)):
        alerts = detect_alerts(frame, config)
        assert not [a for a in alerts if a["key"].startswith("ticker:RARE")]


def test_three_negative_headlines_on_a_quiet_ticker_do_not_fire(background, make_frame) -> None:
    rows = background("ACME", hours=24, per_hour=10, negative_every=5)
    rows += [((T0 + pd.Timedelta(hours=20, minutes=i)).isoformat(), ["TINY"], "negative", f"t{i}") for i in range(3)]
    assert detect_alerts(make_frame(rows), MonitorConfig(min_volume=1)) == []


def test_a_spike_fires_once_cools_down_and_resolves_after_calm_windows(background, make_frame) -> None:
    frame = spiked(background, make_frame, spike_hours=[30, 31, 32])
    (alert,) = on_acme(detect_alerts(frame, HOURLY))
    assert (alert["key"], alert["kind"], alert["state"]) == ("ticker:ACME", "ticker", "resolved")
    assert alert["window_start"] == "2024-01-02T06:00:00Z" and alert["spike_windows"] == 3
    # resolves when window max(30 + cooldown 3, 32 + calm 2) = 34 closes, at 35:00
    assert alert["resolved_at"] == "2024-01-02T11:00:00Z" and alert["revision"] == 2
    assert alert["figures"]["count"] == 25 and alert["baseline"]["negative_share"] < 0.3
    (early,) = on_acme(detect_alerts(frame, HOURLY, as_of=T0 + pd.Timedelta(hours=34, minutes=30)))
    assert early["alert_id"] == alert["alert_id"] and early["state"] == "firing" and early["resolved_at"] is None
    assert merge_revision(early, alert)["revision"] == 2


def test_a_spike_after_resolution_is_a_new_alert(background, make_frame) -> None:
    first, second = on_acme(detect_alerts(spiked(background, make_frame, spike_hours=[20, 40]), HOURLY))
    assert first["alert_id"] != second["alert_id"] and second["window_start"] == "2024-01-02T16:00:00Z"


def test_same_headlines_in_any_order_give_identical_alerts() -> None:
    spikes = injected(seed=2, size="1h", extra=20, share=0.8, days=20)
    frame = make_scored_headlines(15_000, 20, n_tickers=10, spikes=spikes, seed=2)
    alerts = detect_alerts(frame)
    shuffled = frame.sample(frac=1.0, random_state=9).reset_index(drop=True)
    assert alerts and detect_alerts(shuffled, as_of=frame["published_at"].max()) == alerts


def test_late_headlines_update_an_alert_and_never_duplicate_it(background, make_frame) -> None:
    frame = spiked(background, make_frame, spike_hours=[30])
    as_of = T0 + pd.Timedelta(hours=48)
    (sent,) = on_acme(detect_alerts(frame, HOURLY, as_of=as_of))
    late = make_frame([((T0 + pd.Timedelta(hours=30, minutes=59)).isoformat(), ["ACME"], "negative", "late-1")])
    (again,) = on_acme(detect_alerts(pd.concat([frame, late], ignore_index=True), HOURLY, as_of=as_of))
    assert again["alert_id"] == sent["alert_id"] and again["fingerprint"] != sent["fingerprint"]
    assert again["figures"]["count"] == sent["figures"]["count"] + 1
    assert merge_revision(sent, again)["revision"] == sent["revision"] + 1
    (unchanged,) = on_acme(detect_alerts(frame, HOURLY, as_of=as_of))
    assert merge_revision(sent, unchanged) is None


def test_evidence_is_most_negative_then_most_recent(background, make_frame) -> None:
    frame = spiked(background, make_frame, spike_hours=[30], extra=15)
    frame.loc[frame["id"] == "spike-30-3", "score"] = -0.99
    (alert,) = on_acme(detect_alerts(frame, HOURLY.update(top_k=3)))
    ids = [e["id"] for e in alert["evidence"]]
    assert ids == ["spike-30-3", "bg-ACME-305", "spike-30-14"]  # -0.99, then -0.8 by recency
    assert alert["evidence"][0]["published_at"] == "2024-01-02T06:06:00Z"


def test_untagged_headlines_alert_the_market_only(background, make_frame) -> None:
    rows = background(None, hours=48, per_hour=20, negative_every=5)
    rows += [((T0 + pd.Timedelta(hours=30, minutes=i)).isoformat(), [], "negative", f"m{i}") for i in range(30)]
    (alert,) = detect_alerts(make_frame(rows), HOURLY)
    assert (alert["key"], alert["kind"]) == ("market", "market")


def test_records_match_the_alert_schema() -> None:
    schema = json.loads(SCHEMA_PATH.read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    contract = load_contract("alert")
    assert contract.dedup_key == ("alert_id",)
    spikes = injected(seed=3, size="1h", extra=20, share=0.8, days=20)
    alerts = detect_alerts(make_scored_headlines(15_000, 20, n_tickers=10, spikes=spikes, seed=3))
    assert alerts
    validator = jsonschema.Draft202012Validator(schema)
    for alert in alerts:
        contract.validate(alert)
        validator.validate(json.loads(json.dumps(alert)))


def test_no_windows_evaluate_to_no_alerts() -> None:
    """A night with nothing scored (e.g. a base encoder without a sentiment head) is an empty result, not a crash."""
    from lam_models.monitor.alerts import alerts_from_windows, evaluate_windows

    frame = pd.DataFrame({"id": [], "tickers": [], "headline": [], "published_at": pd.to_datetime([], utc=True),
                          "label": [], "score": []})
    evaluated = evaluate_windows(compute_windows(frame, ("1h", "1d")), MonitorConfig())
    assert evaluated.empty and {"score", "spike", "alerting"} <= set(evaluated.columns)
    assert alerts_from_windows(evaluated, MonitorConfig(), pd.Timestamp("2024-01-01", tz="UTC")) == []
