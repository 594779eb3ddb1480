"""MonitorConfig: validated when built, serialisable, and generic key kinds."""

from __future__ import annotations

import json

import pytest

from lam_models.monitor.config import MonitorConfig, detector_id, key_kind, window_nanos


def test_defaults_are_valid_and_round_trip_through_json() -> None:
    config = MonitorConfig()
    again = MonitorConfig.model_validate(json.loads(json.dumps(config.model_dump(mode="json"))))
    assert again == config and again.window_sizes == ("1h", "1d") and again.severity_scores == (0.6, 0.75)


def test_detector_id_of_the_defaults_is_the_one_alerts_already_carry() -> None:
    """Pinned on main before the configs became pydantic models: feedback groups by this id."""
    assert detector_id(MonitorConfig()) == "48ae42f4abea"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"window_sizes": ()}, "window_sizes is empty"),
        ({"window_sizes": ("1h", "1h")}, "duplicates"),
        ({"window_sizes": ("soon",)}, "does not parse"),
        ({"window_sizes": ("2h", "3h")}, "divid"),
        ({"record_growth": 1.0}, "record_growth"),
        ({"prior_strength": 0}, "prior_strength"),
        ({"min_move": 1.0}, "min_move"),
        ({"severity_scores": (0.3, 0.9)}, "severity_scores"),
        ({"cooldown_windows": 0}, "cooldown_windows"),
        ({"alert_threshold": 0.0}, "alert_threshold"),
    ],
)
def test_bad_values_raise_with_the_field_named(changes: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        MonitorConfig().update(**changes)


def test_unknown_fields_are_rejected() -> None:
    with pytest.raises(ValueError, match="z_treshold"):
        MonitorConfig.model_validate({"z_treshold": 3})


def test_window_nanos_and_key_kinds() -> None:
    assert window_nanos("1h") == window_nanos("60min") == 3_600 * 10**9
    assert key_kind("market") == "market"
    assert key_kind("ticker:AAPL") == "ticker"
    assert key_kind("topic:3") == "topic"
    with pytest.raises(ValueError, match="kind:name"):
        key_kind("AAPL")
