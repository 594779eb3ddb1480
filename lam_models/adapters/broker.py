"""The local single-node Kafka 4 broker (KRaft) run from its Maven jars: start, stop, status.

Its storage, config, logs and PID live in one run folder under the settings' home.

PLAINTEXT by default. With ``LAM_KAFKA__SECURITY_PROTOCOL=SASL_SSL`` (and a SCRAM mechanism, user
name and password in settings) the client listener is SASL_SSL instead: a self-signed CA and broker
certificate are made in ``<run dir>/security`` (clients trust ``ca.pem``), the broker's own SCRAM user
gets a random password at format time, and the settings' user is upserted through the admin API on
every start, so its password never sits on a command line or in a file. The controller listener stays
PLAINTEXT on loopback.
"""

from __future__ import annotations

import base64
import os
import secrets
import signal
import socket
import subprocess
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from pydantic import SecretStr

from lam_models.adapters.jars import ensure_jars
from lam_models.settings import KafkaSettings, Settings

READY_LINE = "Kafka Server started"

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


@dataclass(frozen=True)
class LocalBroker:
    """One local broker: its port, run folder and jars; SASL_SSL when ``security`` is set."""

    port: int
    run_dir: Path
    jars_root: Path
    security: BrokerSecurity | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> LocalBroker:
        port = settings.kafka.port_base
        if settings.kafka.security_protocol == "SASL_SSL":
            return cls(port=port, run_dir=settings.run_root / f"kafka-{port}-sasl_ssl", jars_root=settings.jars_dir,
                       security=BrokerSecurity.from_kafka(settings.kafka))
        if settings.kafka.security_protocol != "PLAINTEXT":
            raise BrokerError(f"the local broker runs PLAINTEXT or SASL_SSL, not {settings.kafka.security_protocol}: "
                              "set LAM_KAFKA__SECURITY_PROTOCOL")
        return cls(port=port, run_dir=settings.run_root / f"kafka-{port}", jars_root=settings.jars_dir)

    @property
    def secure(self) -> bool:
        return self.security is not None

    @property
    def security_dir(self) -> Path:
        return self.run_dir / "security"

    @property
    def ca_file(self) -> Path:
        """The CA certificate clients trust (``LAM_KAFKA__SSL_CAFILE``); secure brokers only."""
        return self.security_dir / "ca.pem"

    def client_kafka(self, kafka: KafkaSettings | None = None) -> KafkaSettings:
        """Client settings for this broker: the given ones (or bare) with its address and, if secure, its CA."""
        kafka = kafka or KafkaSettings()
        update: dict = {"bootstrap_servers": f"127.0.0.1:{self.port}", "port_base": self.port}
        if self.security is not None:
            update |= {"security_protocol": "SASL_SSL", "sasl_mechanism": self.security.mechanism,
                       "sasl_username": self.security.username, "sasl_password": self.security.password,
                       "ssl_cafile": kafka.ssl_cafile or str(self.ca_file)}
        return kafka.model_copy(update=update)

    @property
    def pid_file(self) -> Path:
        return self.run_dir / "broker.pid"

    @property
    def log_file(self) -> Path:
        return self.run_dir / "server.log"

    def pid(self) -> int | None:
        """PID of the running broker java process, or None."""
        if not self.pid_file.exists():
            return None
        pid = int(self.pid_file.read_text())
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return None
        return pid

    def is_running(self) -> bool:
        return self.pid() is not None and port_open(self.port)

    def start(self, timeout_s: float = 90.0) -> int:
        """Start (or reuse) the broker and wait until it serves; returns its PID."""
        if self.is_running():
            return self.pid()  # type: ignore[return-value]
        if port_open(self.port):
            raise BrokerError(f"port {self.port} is taken by another process: set LAM_KAFKA__PORT_BASE to a free port")
        classpath = ":".join(str(p) for p in ensure_jars(self.jars_root, "broker"))
        config = self._write_config()
        if not (self.run_dir / "data" / "meta.properties").exists():
            scram = []
            if self.security is not None:  # the broker's own user; the client user is upserted once up
                scram = ["--add-scram", f"{self.security.mechanism}=[name={BROKER_USER},password={self._broker_password()}]"]
            self._java(classpath, "kafka.tools.StorageTool", "format", f"--cluster-id={_cluster_id()}",
                       "-c", str(config), "--standalone", *scram, capture=True)
        self.log_file.unlink(missing_ok=True)
        with open(self.run_dir / "stdout.log", "ab") as out:
            process = self._java(classpath, "kafka.Kafka", str(config), stdout=out)
        self.pid_file.write_text(str(process.pid))
        self._wait_ready(process, timeout_s)
        if self.security is not None:
            self._upsert_client_user(timeout_s)
        return process.pid

    def stop(self, timeout_s: float = 30.0) -> bool:
        """SIGTERM, wait for a clean shutdown, SIGKILL as a last resort; False if none was running."""
        pid = self.pid()
        if pid is None:
            return False
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline and _alive(pid):
            time.sleep(0.2)
        if _alive(pid):
            os.kill(pid, signal.SIGKILL)
        self.pid_file.unlink(missing_ok=True)
        return True

    def _write_config(self) -> Path:
        (self.run_dir / "data").mkdir(parents=True, exist_ok=True)
        config = self.run_dir / "server.properties"
        text = SERVER_PROPERTIES.format(port=self.port, controller_port=self.port + 1, data=self.run_dir / "data")
        if self.security is not None:
            from lam_models.adapters.tls import ensure_tls

            tls = ensure_tls(self.security_dir)
            listeners = SECURE_LISTENERS.format(
                port=self.port, controller_port=self.port + 1, mechanism=self.security.mechanism,
                mechanism_lower=self.security.mechanism.lower(), broker_user=BROKER_USER,
                broker_password=self._broker_password(), keystore=tls.broker_pem, truststore=tls.ca_cert,
            )
            plain = ("listeners=", "advertised.listeners=", "listener.security.protocol.map=", "inter.broker.listener.name=")
            text = "".join(line for line in text.splitlines(keepends=True) if not line.startswith(plain)) + listeners
            _write_private(config, text)  # holds the broker user's password: owner-only
        else:
            config.write_text(text)
        (self.run_dir / "log4j2.properties").write_text(LOG4J2_PROPERTIES.format(log=self.log_file))
        return config

    def _broker_password(self) -> str:
        """The broker's own SCRAM password: random once, kept owner-only in the run folder."""
        path = self.security_dir / "broker-user.secret"
        if not path.is_file():
            self.security_dir.mkdir(parents=True, exist_ok=True)
            _write_private(path, secrets.token_urlsafe(24))
        return path.read_text().strip()

    def _upsert_client_user(self, timeout_s: float) -> None:
        """Create or update the settings' SCRAM user, then wait until it can log in."""
        from kafka.admin import KafkaAdminClient, UserScramCredentialUpsertion

        from lam_models.adapters.kafka_config import client_config

        assert self.security is not None
        as_broker = self.client_kafka().model_copy(update={"sasl_username": BROKER_USER, "sasl_password": SecretStr(self._broker_password())})
        deadline = time.monotonic() + timeout_s
        error: str | None = "not tried"
        while time.monotonic() < deadline:
            try:
                admin = KafkaAdminClient(**client_config(as_broker), request_timeout_ms=10000)
                try:
                    upsert = UserScramCredentialUpsertion(self.security.username, self.security.mechanism,
                                                          self.security.password.get_secret_value())
                    error = admin.alter_user_scram_credentials([upsert]).get(self.security.username)
                finally:
                    admin.close()
            except Exception as exc:  # noqa: BLE001 - the broker may still be settling; retried until the deadline
                error = type(exc).__name__
            if error is None and self._client_can_log_in():
                return
            time.sleep(0.5)
        raise BrokerError(f"could not set up SCRAM user {self.security.username!r} on the broker ({error}); see {self.log_file}")

    def _client_can_log_in(self) -> bool:
        from kafka.admin import KafkaAdminClient

        from lam_models.adapters.kafka_config import client_config

        try:
            admin = KafkaAdminClient(**client_config(self.client_kafka()), request_timeout_ms=5000)
        except Exception:  # noqa: BLE001 - authentication not propagated yet
            return False
        try:
            admin.list_topics()
            return True
        except Exception:  # noqa: BLE001
            return False
        finally:
            admin.close()

    def _redact(self, text: str) -> str:
        if self.security is None:
            return text
        for secret in (self.security.password.get_secret_value(), self._broker_password()):
            text = text.replace(secret, "**********")
        return text

    def _java(self, classpath: str, main: str, *args: str, capture: bool = False, stdout=None) -> subprocess.Popen:
        command = ["java", "-Xmx512m", "-XX:+UseG1GC", f"-Dlog4j2.configurationFile={self.run_dir / 'log4j2.properties'}",
                   "-cp", classpath, main, *args]
        if capture:
            result = subprocess.run(command, capture_output=True, text=True)
            if result.returncode != 0:
                raise BrokerError(self._redact(f"{main} failed: {result.stderr.strip() or result.stdout.strip()}"))
            return None  # type: ignore[return-value]
        return subprocess.Popen(command, stdout=stdout, stderr=subprocess.STDOUT, start_new_session=True)

    def _wait_ready(self, process: subprocess.Popen, timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise BrokerError(f"broker exited with {process.returncode}; see {self.run_dir / 'stdout.log'}")
            if self.log_file.exists() and READY_LINE in self.log_file.read_text(errors="replace") and port_open(self.port):
                return
            time.sleep(0.2)
        raise BrokerError(f"broker not ready after {timeout_s:.0f} s; see {self.log_file}")


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie child of ours counts as gone
        waited, _ = os.waitpid(pid, os.WNOHANG)
        return waited == 0
    except ChildProcessError:
        return True


def _write_private(path: Path, text: str) -> None:
    """Write a file readable by its owner only (0600 from creation on)."""
    tmp = path.with_name(f".{path.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(text)
    os.replace(tmp, path)


def _cluster_id() -> str:
    """A KRaft cluster id: a UUID in URL-safe base64, as ``StorageTool random-uuid`` prints."""
    return base64.urlsafe_b64encode(uuid.uuid4().bytes).rstrip(b"=").decode()
