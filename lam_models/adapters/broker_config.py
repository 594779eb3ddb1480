"""What the local broker is started with: its config templates, rendered, and its SCRAM security.

Kept apart from ``broker.py`` (the process lifecycle) so the rendering is a pure function of the
port, folders and credentials.
"""

from __future__ import annotations

import base64
import uuid
from dataclasses import dataclass
from pathlib import Path

from pydantic import SecretStr

from lam_models.settings import KafkaSettings

LOG4J2_PROPERTIES = """\
status = warn
appender.file.type = File
appender.file.name = file
appender.file.fileName = {log}
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = info
rootLogger.appenderRef.file.ref = file
logger.kafka.name = kafka
logger.kafka.level = info
logger.apache.name = org.apache.kafka
logger.apache.level = warn
logger.server.name = kafka.server.KafkaRaftServer
logger.server.level = info
logger.auth.name = org.apache.kafka.common.network.Selector
logger.auth.level = info
"""

SERVER_PROPERTIES = """\
process.roles=broker,controller
node.id=1
controller.quorum.bootstrap.servers=127.0.0.1:{controller_port}
listeners=PLAINTEXT://127.0.0.1:{port},CONTROLLER://127.0.0.1:{controller_port}
advertised.listeners=PLAINTEXT://127.0.0.1:{port}
controller.listener.names=CONTROLLER
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
log.dirs={data}
num.partitions=3
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=false
log.retention.hours=-1
"""

SECURE_LISTENERS = """\
listeners=SASL_SSL://127.0.0.1:{port},CONTROLLER://127.0.0.1:{controller_port}
advertised.listeners=SASL_SSL://127.0.0.1:{port}
listener.security.protocol.map=SASL_SSL:SASL_SSL,CONTROLLER:PLAINTEXT
inter.broker.listener.name=SASL_SSL
sasl.enabled.mechanisms={mechanism}
sasl.mechanism.inter.broker.protocol={mechanism}
listener.name.sasl_ssl.{mechanism_lower}.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="{broker_user}" password="{broker_password}";
ssl.keystore.type=PEM
ssl.keystore.location={keystore}
ssl.truststore.type=PEM
ssl.truststore.location={truststore}
ssl.client.auth=none
ssl.endpoint.identification.algorithm=https
"""

BROKER_USER = "lam-broker"
SCRAM_MECHANISMS = ("SCRAM-SHA-256", "SCRAM-SHA-512")


class BrokerError(RuntimeError):
    """The broker could not be started or reached; the message says what to run."""


@dataclass(frozen=True)
class BrokerSecurity:
    """SASL/SCRAM over TLS on the client listener; the user is the one clients log in as."""

    mechanism: str
    username: str
    password: SecretStr

    @classmethod
    def from_kafka(cls, kafka: KafkaSettings) -> BrokerSecurity:
        """The settings' credentials, or a BrokerError naming the setting that is missing."""
        if kafka.sasl_mechanism not in SCRAM_MECHANISMS:
            raise BrokerError(f"the local SASL_SSL broker speaks SCRAM only: set LAM_KAFKA__SASL_MECHANISM to one of {SCRAM_MECHANISMS}")
        if not kafka.sasl_username or kafka.sasl_password is None or not kafka.sasl_password.get_secret_value():
            raise BrokerError("the local SASL_SSL broker needs a user: set LAM_KAFKA__SASL_USERNAME and LAM_KAFKA__SASL_PASSWORD")
        if kafka.sasl_username == BROKER_USER:
            raise BrokerError(f"user name {BROKER_USER!r} is the broker's own: set another LAM_KAFKA__SASL_USERNAME")
        return cls(kafka.sasl_mechanism, kafka.sasl_username, kafka.sasl_password)


def server_properties(port: int, data_dir: Path, security: BrokerSecurity | None = None,
                      broker_password: str = "", keystore: Path | None = None, truststore: Path | None = None) -> str:
    """``server.properties`` of a single-node KRaft broker on ``port`` (controller on ``port + 1``):
    PLAINTEXT, or with ``security`` a SASL_SSL client listener using the PEM key/trust stores."""
    text = SERVER_PROPERTIES.format(port=port, controller_port=port + 1, data=data_dir)
    if security is None:
        return text
    listeners = SECURE_LISTENERS.format(
        port=port, controller_port=port + 1, mechanism=security.mechanism,
        mechanism_lower=security.mechanism.lower(), broker_user=BROKER_USER,
        broker_password=broker_password, keystore=keystore, truststore=truststore,
    )
    plain = ("listeners=", "advertised.listeners=", "listener.security.protocol.map=", "inter.broker.listener.name=")
    return "".join(line for line in text.splitlines(keepends=True) if not line.startswith(plain)) + listeners


def cluster_id() -> str:
    """A KRaft cluster id: a UUID in URL-safe base64, as ``StorageTool random-uuid`` prints."""
    return base64.urlsafe_b64encode(uuid.uuid4().bytes).rstrip(b"=").decode()
