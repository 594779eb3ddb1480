"""Sinks: stdout, crash-safe JSON-lines, webhook with idempotency keys against a local server, backoff, dead-letter."""

from __future__ import annotations

import io
import json

import pytest

from lam_models.alerting.deadletter import DeadLetterFile
from lam_models.alerting.delivered import Delivery
from lam_models.alerting.sinks import (
    DeliveryError,
    DeliveryInterrupted,
    JsonlSink,
    RetryPolicy,
    SinkBusy,
    StdoutSink,
    WebhookSink,
    deliver_with_retry,
    encode_alert,
    idempotency_key,
)
from tests.unit.alerting.memory_log import MemoryLog
from tests.unit.alerting.records import make_alert

NO_WAIT = lambda seconds: False  # noqa: E731


def lines(path) -> list[dict]:
    return [json.loads(x) for x in path.read_text().splitlines()]


def test_backoff_doubles_and_is_capped():
    assert RetryPolicy(retries=5, initial_s=0.5, max_s=3.0).delays() == [0.5, 1.0, 2.0, 3.0, 3.0]
    assert RetryPolicy(retries=0).delays() == []


def test_stdout_sink_writes_one_json_line():
    stream = io.StringIO()
    alert = make_alert(1)
    StdoutSink(stream).deliver(alert, encode_alert(alert))
    assert json.loads(stream.getvalue()) == alert and stream.getvalue().endswith("\n")


def test_jsonl_sink_appends_and_moves_its_marker_only_once_recorded(tmp_path):
    sink = JsonlSink(tmp_path / "out" / "alerts.jsonl")
    first, second = make_alert(1), make_alert(2)
    sink.deliver(first, encode_alert(first))
    sink.recorded()
    sink.deliver(second, encode_alert(second))
    assert sink.marker() == len(encode_alert(first)), "the second line is not recorded yet"
    sink.recorded()
    assert sink.marker() == len(encode_alert(first)) + len(encode_alert(second))
    sink.close()
    assert lines(tmp_path / "out" / "alerts.jsonl") == [first, second]
    assert (tmp_path / "out" / "alerts.jsonl.recorded").read_text() == str(sink.marker())


def test_jsonl_recover_records_lines_appended_but_not_recorded_and_cuts_a_torn_line(tmp_path):
    path = tmp_path / "alerts.jsonl"
    log = MemoryLog()
    sink = JsonlSink(path)
    recorded, unrecorded = make_alert(1), make_alert(2, revision=2)
    sink.deliver(recorded, encode_alert(recorded))
    log.record_many([Delivery(sink.name, recorded["alert_id"], 1)])
    sink.recorded()
    sink.deliver(unrecorded, encode_alert(unrecorded))  # the process "died" before recording this one
    sink.deliver(make_alert(3), encode_alert(make_alert(3))[:25])  # and this line was torn
    sink.close()

    again = JsonlSink(path)
    assert again.recover(log) == 1
    assert log.check(again.name, unrecorded["alert_id"], 2) == "duplicate"
    assert log.check(again.name, make_alert(3)["alert_id"], 1) == "new", "a torn line is not a delivery"
    assert lines(path) == [recorded, unrecorded]
    assert again.marker() == path.stat().st_size
    assert again.recover(log) == 0, "recovering twice finds nothing new"


@pytest.mark.parametrize("marker", ["10000", "", "garbage"])
def test_jsonl_recover_rescans_the_file_when_the_marker_is_past_its_end_or_unreadable(tmp_path, marker):
    path = tmp_path / "alerts.jsonl"
    log = MemoryLog()
    sink = JsonlSink(path)
    alert = make_alert(5)
    sink.deliver(alert, encode_alert(alert))
    (tmp_path / "alerts.jsonl.recorded").write_text(marker)
    assert sink.recover(log) == 1 and sink.marker() == path.stat().st_size


def test_jsonl_files_of_one_archive_share_a_name(tmp_path):
    a, b = JsonlSink(tmp_path / "a" / "alerts.jsonl", name="desk"), JsonlSink(tmp_path / "b" / "alerts.jsonl", name="desk")
    assert a.name == b.name == "jsonl:desk"
    assert JsonlSink(tmp_path / "c.jsonl").name == f"jsonl:{(tmp_path / 'c.jsonl').resolve()}", "default: the path"


def test_one_writer_per_jsonl_file(tmp_path):
    sink = JsonlSink(tmp_path / "a.jsonl")
    with pytest.raises(SinkBusy, match="own --path"):
        JsonlSink(tmp_path / "a.jsonl")
    sink.close()
    JsonlSink(tmp_path / "a.jsonl").close()


def test_webhook_posts_json_with_an_idempotency_key_in_header_and_body(webhook):
    alert = make_alert(7, revision=2)
    sink = WebhookSink(webhook.url)
    sink.deliver(alert, encode_alert(alert))
    sink.deliver(alert, encode_alert(alert))
    first, again = webhook.requests
    assert first["body"] == {**alert, "idempotency_key": f"{alert['alert_id']}:2"}
    assert first["headers"]["Idempotency-Key"] == first["body"]["idempotency_key"] == idempotency_key(alert)
    assert again["headers"]["Idempotency-Key"] == first["headers"]["Idempotency-Key"], "a resend carries the same key"
    assert first["headers"]["Content-Type"] == "application/json"
    assert "secret" not in sink.name, "the sink name keeps no token of the url"


def test_webhook_retries_server_errors_then_succeeds(webhook):
    webhook.statuses = [500, 503, 429]
    alert = make_alert(1)
    waits: list[float] = []
    result = deliver_with_retry(WebhookSink(webhook.url), alert, encode_alert(alert),
                                RetryPolicy(retries=4, initial_s=0.1, max_s=0.3), lambda s: waits.append(s) or False)
    assert result.ok and result.attempts == 4
    assert waits == [0.1, 0.2, 0.3], "exponential backoff, capped"


def test_webhook_gives_up_after_the_retries(webhook):
    webhook.default = 500
    alert = make_alert(1)
    result = deliver_with_retry(WebhookSink(webhook.url), alert, encode_alert(alert), RetryPolicy(2, 0.0, 0.0), NO_WAIT)
    assert not result.ok and result.attempts == 3 and len(webhook.requests) == 3
    assert result.error == "webhook: HTTP 500 after 3 attempt(s)"


def test_webhook_client_errors_are_not_retried(webhook):
    webhook.default = 400
    alert = make_alert(1)
    result = deliver_with_retry(WebhookSink(webhook.url), alert, encode_alert(alert), RetryPolicy(5, 0.0, 0.0), NO_WAIT)
    assert not result.ok and result.attempts == 1 and "not retryable" in result.error


def test_webhook_timeouts_and_refused_connections_are_retryable(webhook):
    webhook.delay_s = 0.5
    alert = make_alert(1)
    with pytest.raises(DeliveryError) as slow:
        WebhookSink(webhook.url, timeout_s=0.1).deliver(alert, encode_alert(alert))
    assert slow.value.retryable
    with pytest.raises(DeliveryError) as refused:
        WebhookSink("http://127.0.0.1:9/none", timeout_s=0.5).deliver(alert, encode_alert(alert))
    assert refused.value.retryable


def test_webhook_rejects_a_bad_url():
    with pytest.raises(ValueError, match="http"):
        WebhookSink("ftp://example.org/x")


def test_a_stop_during_backoff_abandons_the_delivery(webhook):
    webhook.default = 503
    alert = make_alert(1)
    with pytest.raises(DeliveryInterrupted):
        deliver_with_retry(WebhookSink(webhook.url), alert, encode_alert(alert), RetryPolicy(5, 1.0, 1.0), lambda s: True)
    assert len(webhook.requests) == 1


def test_deadletter_file_keeps_reason_context_and_raw_bytes(tmp_path):
    dead = DeadLetterFile(tmp_path / "dl" / "dead.jsonl")
    dead.write("malformed json: x", b'{"a": ', topic="alerts", partition=0, offset=4)
    dead.write("invalid utf-8 at byte 0", b"\xff\xfe", topic="alerts", partition=1, offset=9)
    first, second = lines(tmp_path / "dl" / "dead.jsonl")
    assert first["reason"] == "malformed json: x" and first["value"] == '{"a": ' and first["offset"] == 4
    assert second["value_b64"] == "//4=" and "value" not in second
