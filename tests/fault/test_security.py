"""The local broker over SASL/SCRAM + TLS: who gets in, who does not, and that the password leaks nowhere.

One secure broker for the module, started the way a user starts it (``lam kafka start`` with
``LAM_KAFKA__SECURITY_PROTOCOL=SASL_SSL`` and the password in ``LAM_KAFKA__SASL_PASSWORD``). Spark's
Kafka connector (the ingest job) and the alert consumer run as subprocesses with credentials from
settings; every byte they print, the broker's run folder and the lake are then scanned for the password.
"""

from __future__ import annotations

import json
import logging
import secrets
import socket
import struct
import subprocess
import sys
import time
from pathlib import Path

import pytest
from pydantic import SecretStr

from lam_models.adapters.alert_publisher import publish_alerts
from lam_models.adapters.broker import LocalBroker
from lam_models.adapters.kafka_admin import read_topic_since
from lam_models.adapters.kafka_config import client_config, spark_options
from lam_models.adapters.producers import produce
from lam_models.settings import KafkaSettings
from tests.conftest import REPO, _free_port_pair, make_settings
from tests.fault.conftest import bronze, job_env
from tests.records import good_news
from tests.unit.alerting.records import make_alert

pytestmark = [pytest.mark.integration, pytest.mark.fault]

PASSWORD = "pw-" + secrets.token_urlsafe(18)
USER = "lam-client"


@pytest.fixture(scope="module")
def secure(tmp_path_factory):
    """(settings, env for subprocesses, outputs captured so far, broker) of a SASL_SSL broker started by the CLI."""
    root = tmp_path_factory.mktemp("secure")
    port = _free_port_pair()
    run_dir = root / "run" / f"kafka-{port}-sasl_ssl"
    kafka = KafkaSettings(bootstrap_servers=f"127.0.0.1:{port}", port_base=port, security_protocol="SASL_SSL",
                          sasl_mechanism="SCRAM-SHA-512", sasl_username=USER, sasl_password=SecretStr(PASSWORD),
                          ssl_cafile=str(run_dir / "security" / "ca.pem"))
    s = make_settings(root, kafka=kafka)
    env = job_env(s, LAM_KAFKA__SASL_PASSWORD=PASSWORD)
    broker = LocalBroker.from_settings(s)
    assert broker.run_dir == run_dir and broker.secure
    outputs: list[str] = []
    try:
        started = _cli(env, outputs, "kafka", "start")
        assert started.returncode == 0, started.stderr[-2000:]
        yield s, env, outputs, broker
    finally:
        broker.stop()


def _cli(env, outputs: list[str], *args: str, timeout: int = 240) -> subprocess.CompletedProcess:
    done = subprocess.run([sys.executable, "-m", "lam_models", *args], env=env, cwd=REPO, capture_output=True, text=True,
                          timeout=timeout)
    outputs.append(done.stdout + done.stderr)
    return done


def _can_bootstrap(kafka: KafkaSettings) -> bool:
    from kafka.admin import KafkaAdminClient

    try:
        admin = KafkaAdminClient(**client_config(kafka), request_timeout_ms=3000, bootstrap_timeout_ms=3000)
    except Exception:  # noqa: BLE001 - refused, whatever the client's error type
        return False
    try:
        admin.list_topics()
        return True
    finally:
        admin.close()


def test_an_authenticated_client_produces_and_consumes(secure):
    s, _, _, _ = secure
    assert _can_bootstrap(s.kafka)
    produce(s, s.topics.news, good_news(5), progress=False)
    assert len(read_topic_since(s, s.topics.news, {})) == 5


REFUSED = {  # case: (client settings changed, (where the refusal shows, what it says))
    "wrong password": ({"sasl_password": SecretStr("not-" + PASSWORD)}, ("broker", "invalid credentials with SASL mechanism SCRAM-SHA-512")),
    "unknown user": ({"sasl_username": "mallory"}, ("broker", "invalid credentials with SASL mechanism SCRAM-SHA-512")),
    "TLS without SASL": ({"security_protocol": "SSL", "sasl_mechanism": None}, None),
    "plaintext": ({"security_protocol": "PLAINTEXT", "sasl_mechanism": None, "ssl_cafile": None}, ("broker", "SSL handshake failed")),
    "SASL without TLS": ({"security_protocol": "SASL_PLAINTEXT", "ssl_cafile": None}, ("broker", "SSL handshake failed")),
    "TLS not trusting our CA": ({"ssl_cafile": None}, ("client", "CERTIFICATE_VERIFY_FAILED")),
}


@pytest.mark.parametrize("case", list(REFUSED))
def test_unauthenticated_wrong_password_and_plaintext_clients_are_refused(secure, case, caplog):
    """Refused, and for the right reason: the broker's log of failed authentications, or the client's TLS check."""
    s, _, _, broker = secure
    changes, evidence = REFUSED[case]
    seen = len(_failed_authentications(broker))
    with caplog.at_level(logging.WARNING, logger="kafka"):
        assert not _can_bootstrap(s.kafka.model_copy(update=changes)), f"{case}: the broker let it in"
    if evidence and evidence[0] == "broker":
        deadline = time.monotonic() + 5  # the log line may trail the client's give-up a little
        while not any(evidence[1] in line for line in _failed_authentications(broker)[seen:]) and time.monotonic() < deadline:
            time.sleep(0.1)
        new = _failed_authentications(broker)[seen:]
        assert any(evidence[1] in line for line in new), f"{case}: the broker logged no such refusal: {new[-2:]}"
    elif evidence:
        assert evidence[1] in caplog.text, f"{case}: refused, but not for the expected reason"
    assert PASSWORD not in caplog.text


def _failed_authentications(broker) -> list[str]:
    """The broker's log lines of refused connections (org.apache.kafka.common.network.Selector at INFO)."""
    text = broker.log_file.read_text(errors="replace") if broker.log_file.exists() else ""
    return [line for line in text.splitlines() if "Failed authentication with" in line]


def test_plaintext_kafka_bytes_get_no_kafka_answer_from_the_tls_listener(secure):
    _, _, _, broker = secure
    client_id = b"plain"
    body = struct.pack(">hhih", 18, 0, 7, len(client_id)) + client_id  # ApiVersions v0, correlation id 7
    with socket.create_connection(("127.0.0.1", broker.port), timeout=5) as sock:
        sock.sendall(struct.pack(">i", len(body)) + body)
        try:
            answer = sock.recv(4096)
        except (ConnectionResetError, TimeoutError):
            answer = b""
    is_kafka_reply = len(answer) >= 8 and struct.unpack(">i", answer[4:8])[0] == 7
    assert not is_kafka_reply, "the TLS listener answered a plaintext Kafka request"
    assert answer == b"" or answer[0] == 0x15, f"expected a closed socket or a TLS alert, got {answer[:16]!r}"


def test_spark_connector_and_alert_consumer_use_settings_credentials_and_never_reveal_them(secure, spark, capfd, figures):
    s, env, outputs, broker = secure
    assert "LAM_KAFKA__SASL_PASSWORD" not in s.to_env() and PASSWORD not in repr(s) and PASSWORD not in s.model_dump_json()
    assert "password=" in spark_options(s.kafka)["kafka.sasl.jaas.config"]  # the connector gets it, from settings

    produce(s, s.topics.news, good_news(30), progress=False)
    job = subprocess.run([sys.executable, "-m", "jobs.ingest", "--topic", "news"], env=env, cwd=REPO, capture_output=True,
                         text=True, timeout=300)
    outputs.append(job.stdout + job.stderr)
    assert job.returncode == 0, job.stderr[-3000:]
    assert "bronze=30" in job.stdout
    assert len(bronze(s)) == 30

    alerts = [make_alert(i, key="ticker:SEC") for i in range(4)]
    publish_alerts(s, alerts)
    consumed = subprocess.run(
        [sys.executable, "-m", "lam_models", "alerts", "consume", "--group", "g-secure", "--sink", "stdout",
         "--max-messages", "4", "--deadletter", str(s.lake_root / "dead.jsonl")],
        env={**env, "LAM_ALERTING__POLL_TIMEOUT_MS": "200"}, cwd=REPO, capture_output=True, text=True, timeout=120)
    outputs.append(consumed.stdout + consumed.stderr)
    assert consumed.returncode == 0, consumed.stderr[-2000:]
    assert [json.loads(line)["alert_id"] for line in consumed.stdout.splitlines()] == [a["alert_id"] for a in alerts]

    status = _cli(env, outputs, "kafka", "status")
    assert status.returncode == 0
    bad = _cli({**env, "LAM_KAFKA__SASL_PASSWORD": "", "LAM_KAFKA__SSL_CAFILE": ""}, outputs, "kafka", "start")
    assert bad.returncode == 2 and "LAM_KAFKA__SASL_PASSWORD" in bad.stderr, "a missing password is one clear line"

    captured = capfd.readouterr()
    outputs.append(captured.out + captured.err)
    secret = PASSWORD.encode()
    leaks = [f"output #{i}" for i, text in enumerate(outputs) if PASSWORD in text]
    leaks += [str(p) for p in _files(broker.run_dir) + _files(s.lake_root) if secret in p.read_bytes()]
    assert not leaks, f"the SASL password appears in {leaks}"
    files = _files(broker.run_dir) + _files(s.lake_root)
    scanned = sum(len(t) for t in outputs) + sum(p.stat().st_size for p in files)
    figures["security"] = {
        "refused_client_kinds": len(REFUSED) + 1, "authenticated_clients": ["kafka-python producer/consumer/admin",
                                                                           "Spark Kafka connector (ingest job)", "alert consumer CLI"],
        "secret_scan_bytes": scanned, "secret_scan_files": len(files), "secret_scan_outputs": len(outputs), "secret_leaks": 0,
    }
    assert PASSWORD not in json.dumps(figures)


def _files(root: Path) -> list[Path]:
    """Every file under ``root`` but Kafka's offset and time indexes (preallocated, sparse, no record bytes)."""
    if not root.exists():
        return []
    return [p for p in root.rglob("*") if p.is_file() and p.suffix not in (".index", ".timeindex")]
