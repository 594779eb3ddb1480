"""Publishing: records are schema-checked and keyed before anything is sent."""

from __future__ import annotations

import json

import pytest

from lam_models.adapters.alert_publisher import publish_alerts
from lam_models.alerting.publish import InvalidAlert, alert_message
from lam_models.settings import KafkaSettings
from tests.unit.alerting.records import make_alert


def test_an_alert_is_keyed_by_its_key_and_sent_as_compact_json():
    alert = make_alert(3, key="market")
    key, value = alert_message(alert)
    assert key == b"market" and json.loads(value) == alert and b"\n" not in value


@pytest.mark.parametrize("change", [{"revision": 0}, {"alert_id": "nope"}, {"z": float("nan")}, {"unknown": 1}])
def test_invalid_alerts_are_refused_with_their_id(change):
    alert = {**make_alert(1), **change}
    with pytest.raises(InvalidAlert, match="schemas/alert.json"):
        alert_message(alert)


def test_one_invalid_record_sends_nothing(settings):
    unreachable = settings.model_copy(update={"kafka": KafkaSettings(bootstrap_servers="127.0.0.1:9")})
    with pytest.raises(InvalidAlert):  # raised before any connection is tried
        publish_alerts(unreachable, [make_alert(1), {**make_alert(2), "severity": "x"}])
    assert publish_alerts(unreachable, []) == 0
