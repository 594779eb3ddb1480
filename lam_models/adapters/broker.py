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

import os
import secrets
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from pydantic import SecretStr

from lam_models.adapters.broker_config import (
    BROKER_USER,
    LOG4J2_PROPERTIES,
    BrokerError,
    BrokerSecurity,
    cluster_id,
    server_properties,
)
from lam_models.adapters.jars import ensure_jars
from lam_models.files import write_private
from lam_models.settings import KafkaSettings, Settings

__all__ = ["BrokerError", "BrokerSecurity", "LocalBroker", "port_open"]

READY_LINE = "Kafka Server started"

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
            self._java(classpath, "kafka.tools.StorageTool", "format", f"--cluster-id={cluster_id()}",
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
        if self.security is not None:
            from lam_models.adapters.tls import ensure_tls

            tls = ensure_tls(self.security_dir)
            text = server_properties(self.port, self.run_dir / "data", self.security, self._broker_password(),
                                     tls.broker_pem, tls.ca_cert)
            write_private(config, text)  # holds the broker user's password: owner-only
        else:
            config.write_text(server_properties(self.port, self.run_dir / "data"))
        (self.run_dir / "log4j2.properties").write_text(LOG4J2_PROPERTIES.format(log=self.log_file))
        return config

    def _broker_password(self) -> str:
        """The broker's own SCRAM password: random once, kept owner-only in the run folder."""
        path = self.security_dir / "broker-user.secret"
        if not path.is_file():
            self.security_dir.mkdir(parents=True, exist_ok=True)
            write_private(path, secrets.token_urlsafe(24))
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
