"""The local single-node Kafka 4 broker (KRaft) run from its Maven jars: start, stop, status.

Its storage, config, logs and PID live in one run folder under the settings' home.
"""

from __future__ import annotations

import base64
import os
import signal
import socket
import subprocess
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from lam_models.adapters.jars import ensure_jars
from lam_models.settings import Settings

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


class BrokerError(RuntimeError):
    """The broker could not be started or reached; the message says what to run."""


@dataclass(frozen=True)
class LocalBroker:
    """One local broker: its port, run folder and jars."""

    port: int
    run_dir: Path
    jars_root: Path

    @classmethod
    def from_settings(cls, settings: Settings) -> LocalBroker:
        port = settings.kafka.port_base
        return cls(port=port, run_dir=settings.run_root / f"kafka-{port}", jars_root=settings.jars_dir)

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
            self._java(classpath, "kafka.tools.StorageTool", "format", f"--cluster-id={_cluster_id()}",
                       "-c", str(config), "--standalone", capture=True)
        self.log_file.unlink(missing_ok=True)
        with open(self.run_dir / "stdout.log", "ab") as out:
            process = self._java(classpath, "kafka.Kafka", str(config), stdout=out)
        self.pid_file.write_text(str(process.pid))
        self._wait_ready(process, timeout_s)
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
        config.write_text(SERVER_PROPERTIES.format(port=self.port, controller_port=self.port + 1, data=self.run_dir / "data"))
        (self.run_dir / "log4j2.properties").write_text(LOG4J2_PROPERTIES.format(log=self.log_file))
        return config

    def _java(self, classpath: str, main: str, *args: str, capture: bool = False, stdout=None) -> subprocess.Popen:
        command = ["java", "-Xmx512m", "-XX:+UseG1GC", f"-Dlog4j2.configurationFile={self.run_dir / 'log4j2.properties'}",
                   "-cp", classpath, main, *args]
        if capture:
            result = subprocess.run(command, capture_output=True, text=True)
            if result.returncode != 0:
                raise BrokerError(f"{main} failed: {result.stderr.strip() or result.stdout.strip()}")
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


def _cluster_id() -> str:
    """A KRaft cluster id: a UUID in URL-safe base64, as ``StorageTool random-uuid`` prints."""
    return base64.urlsafe_b64encode(uuid.uuid4().bytes).rstrip(b"=").decode()
