"""Record handling: one outcome per record and sink, malformed records dead-lettered, duplicates skipped."""

from __future__ import annotations

import json

import pytest

from lam_models.adapters.producers import encode
from lam_models.alerting.deadletter import DeadLetterFile
from lam_models.alerting.delivered import DeliveredIndex
from lam_models.alerting.handler import AlertHandler, parse_alert
from lam_models.alerting.sinks import DeliveryError, JsonlSink, RetryPolicy, WebhookSink
from tests.unit.alerting.memory_log import MemoryLog
from tests.unit.alerting.records import make_alert


class FlakySink:
    """Fails ``failures`` times per alert id in ``bad`` (forever when None), accepts the rest."""

    def __init__(self, bad: set[str], failures: int | None = None, name: str = "flaky") -> None:
        self.bad, self.failures, self.attempts, self.got, self.name = bad, failures, {}, [], name

    def recover(self, log):
        return 0

    def deliver(self, alert, line):
        n = self.attempts[alert["alert_id"]] = self.attempts.get(alert["alert_id"], 0) + 1
        if alert["alert_id"] in self.bad and (self.failures is None or n <= self.failures):
            raise DeliveryError("flaky: down")
        self.got.append(alert)

    def recorded(self):
        pass

    def close(self):
        pass


def handler_for(tmp_path, *sinks, index: DeliveredIndex | None = None) -> AlertHandler:
    return AlertHandler(list(sinks), MemoryLog(index), DeadLetterFile(tmp_path / "dead.jsonl"),
                        RetryPolicy(2, 0.0, 0.0), wait=lambda s: False, context={"group": "g"})


def one(handler: AlertHandler, value, **where) -> str:
    """The outcome of a handler with one sink."""
    (outcome,) = handler.handle(value, **where).values()
    return outcome


def dead(tmp_path) -> list[dict]:
    path = tmp_path / "dead.jsonl"
    return [json.loads(x) for x in path.read_text().splitlines()] if path.exists() else []


@pytest.mark.parametrize("value, reason", [
    (None, "empty record"),
    (b"\xff\xfe{}", "invalid utf-8"),
    (b'{"alert_id": ', "malformed json"),
    (b"[1, 2]", "not a JSON object"),
    (encode({**make_alert(1), "severity": "apocalyptic"}), "schema"),
    (encode({k: v for k, v in make_alert(1).items() if k != "fingerprint"}), "schema"),
    (encode({**make_alert(1), "extra": 1}), "schema"),
])
def test_malformed_records_are_named(value, reason):
    alert, why = parse_alert(value)
    assert alert is None and why.startswith(reason)


def test_malformed_records_go_to_the_deadletter_and_the_next_one_is_delivered(tmp_path):
    sink = FlakySink(set())
    h = handler_for(tmp_path, sink)
    assert one(h, b"not json", topic="alerts", partition=2, offset=7, key="ticker:X") == "dead_lettered"
    assert one(h, encode(make_alert(1)), topic="alerts", partition=2, offset=8, key="ticker:X") == "delivered"
    entry, = dead(tmp_path)
    assert entry["reason"].startswith("malformed json") and entry["value"] == "not json"
    assert (entry["stage"], entry["group"], entry["partition"], entry["offset"]) == ("parse", "g", 2, 7)
    assert h.counts.as_dict() == {"delivered": 1, "duplicate": 0, "failed": 0, "dead_lettered": 1, "processed": 2,
                                  "by_sink": {"flaky": {"delivered": 1, "duplicate": 0, "failed": 0, "dead_lettered": 1}}}


def test_redelivered_alert_is_a_duplicate_and_a_revision_update_is_delivered_once(tmp_path):
    sink = FlakySink(set())
    h = handler_for(tmp_path, sink)
    outcomes = [one(h, encode(a)) for a in (make_alert(1), make_alert(1), make_alert(1, 2), make_alert(1, 2), make_alert(1))]
    assert outcomes == ["delivered", "duplicate", "delivered", "duplicate", "duplicate"]
    assert [a["revision"] for a in sink.got] == [1, 2]


def test_a_sink_that_recovers_within_the_retries_delivers(tmp_path):
    alert = make_alert(3)
    sink = FlakySink({alert["alert_id"]}, failures=2)
    h = handler_for(tmp_path, sink)
    assert one(h, encode(alert)) == "delivered" and sink.attempts[alert["alert_id"]] == 3


def test_a_sink_that_keeps_failing_dead_letters_and_is_not_recorded(tmp_path):
    bad, good = make_alert(4), make_alert(5)
    sink = FlakySink({bad["alert_id"]})
    h = handler_for(tmp_path, sink)
    assert [one(h, encode(bad), offset=1), one(h, encode(good), offset=2)] == ["failed", "delivered"]
    entry, = dead(tmp_path)
    assert entry["stage"] == "delivery" and entry["reason"] == "flaky: down after 3 attempt(s)"
    assert json.loads(entry["value"]) == bad and entry["alert_id"] == bad["alert_id"]
    assert h.delivered.check("flaky", bad["alert_id"], 1) == "new", "a failed alert may be replayed later"
    assert h.counts.failed == 1 and h.counts.delivered == 1


def test_webhook_failures_are_retried_then_dead_lettered(tmp_path, webhook):
    fail, ok = make_alert(6), make_alert(7)
    webhook.fail_keys = {fail["key"]: 502}
    h = handler_for(tmp_path, WebhookSink(webhook.url))
    assert [one(h, encode(fail)), one(h, encode(ok)), one(h, encode(ok))] == ["failed", "delivered", "duplicate"]
    assert webhook.attempts(fail["alert_id"]) == 3
    assert dead(tmp_path)[0]["reason"] == "webhook: HTTP 502 after 3 attempt(s)"


def test_start_reconciles_the_jsonl_sink(tmp_path):
    path = tmp_path / "out.jsonl"
    alert = make_alert(8)
    path.write_text(json.dumps(alert) + "\n")
    h = handler_for(tmp_path, JsonlSink(path))
    assert h.start() == 1
    assert one(h, encode(alert)) == "duplicate"
    assert len(path.read_text().splitlines()) == 1


def test_each_sink_has_its_own_outcome_and_a_malformed_record_is_dead_lettered_once(tmp_path):
    archive, pager = FlakySink(set(), name="archive"), FlakySink({make_alert(2)["alert_id"]}, name="pager")
    h = handler_for(tmp_path, archive, pager)
    assert h.handle(encode(make_alert(1))) == {"archive": "delivered", "pager": "delivered"}
    assert h.handle(encode(make_alert(2))) == {"archive": "delivered", "pager": "failed"}
    assert h.handle(encode(make_alert(2))) == {"archive": "duplicate", "pager": "failed"}, "only the failed sink is retried"
    assert h.handle(b"{") == {"archive": "dead_lettered", "pager": "dead_lettered"}
    assert [d["stage"] for d in dead(tmp_path)] == ["delivery", "delivery", "parse"]
    assert (h.counts.processed, h.counts.delivered, h.counts.failed, h.counts.dead_lettered) == (4, 3, 2, 2)


def test_a_delivery_recorded_by_another_member_is_a_duplicate_here(tmp_path):
    """Two handlers sharing one index are two pods sharing the delivered topic: a moved partition is not redelivered."""
    shared = DeliveredIndex()
    first, second = FlakySink(set(), name="pager"), FlakySink(set(), name="pager")
    alert = make_alert(9)
    assert one(handler_for(tmp_path, first, index=shared), encode(alert)) == "delivered"
    assert one(handler_for(tmp_path, second, index=shared), encode(alert)) == "duplicate"
    assert one(handler_for(tmp_path, second, index=shared), encode(make_alert(9, revision=2))) == "delivered"
    assert (len(first.got), len(second.got)) == (1, 1)


def test_sinks_need_distinct_names(tmp_path):
    with pytest.raises(ValueError, match="distinct names"):
        handler_for(tmp_path, FlakySink(set()), FlakySink(set()))
    with pytest.raises(ValueError, match="one or more sinks"):
        handler_for(tmp_path)
