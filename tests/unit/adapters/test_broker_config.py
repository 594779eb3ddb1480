"""The local broker's rendered config: one KRaft node, PLAINTEXT or a SASL_SSL client listener."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from pydantic import SecretStr

from lam_models.adapters.broker_config import BROKER_USER, BrokerError, BrokerSecurity, cluster_id, server_properties
from lam_models.files import write_private
from lam_models.settings import KafkaSettings


def properties(text: str) -> dict[str, str]:
    return dict(line.split("=", 1) for line in text.splitlines() if line and not line.startswith("#"))


def test_plaintext_node_listens_on_its_port_and_the_next() -> None:
    conf = properties(server_properties(29092, Path("/runs/data")))
    assert conf["listeners"] == "PLAINTEXT://127.0.0.1:29092,CONTROLLER://127.0.0.1:29093"
    assert conf["controller.quorum.bootstrap.servers"] == "127.0.0.1:29093"
    assert conf["log.dirs"] == "/runs/data" and conf["auto.create.topics.enable"] == "false"


def test_sasl_ssl_replaces_every_plaintext_listener_line() -> None:
    security = BrokerSecurity("SCRAM-SHA-512", "desk", SecretStr("client-secret"))
    text = server_properties(29092, Path("/d"), security, "broker-secret", Path("/s/broker.pem"), Path("/s/ca.pem"))
    conf = properties(text)
    assert "PLAINTEXT://" not in text.replace("CONTROLLER:PLAINTEXT", "")
    assert conf["listeners"] == "SASL_SSL://127.0.0.1:29092,CONTROLLER://127.0.0.1:29093"
    assert conf["sasl.enabled.mechanisms"] == "SCRAM-SHA-512" and conf["ssl.truststore.location"] == "/s/ca.pem"
    assert f'username="{BROKER_USER}" password="broker-secret"' in text and "client-secret" not in text
    assert len([line for line in text.splitlines() if line.startswith("listeners=")]) == 1


def test_security_from_settings_refuses_what_the_local_broker_cannot_serve() -> None:
    with pytest.raises(BrokerError, match="SCRAM only"):
        BrokerSecurity.from_kafka(KafkaSettings(sasl_mechanism="PLAIN", sasl_username="u", sasl_password=SecretStr("p")))
    with pytest.raises(BrokerError, match="the broker's own"):
        BrokerSecurity.from_kafka(KafkaSettings(sasl_mechanism="SCRAM-SHA-256", sasl_username=BROKER_USER,
                                                sasl_password=SecretStr("p")))


def test_cluster_ids_are_22_char_urlsafe_and_secrets_are_owner_only(tmp_path: Path) -> None:
    ids = {cluster_id() for _ in range(5)}
    assert len(ids) == 5 and all(len(i) == 22 and "=" not in i for i in ids)
    write_private(tmp_path / "secret", "s3cret")
    assert stat.S_IMODE(os.stat(tmp_path / "secret").st_mode) == 0o600
    assert (tmp_path / "secret").read_text() == "s3cret" and not list(tmp_path.glob(".*.tmp"))
