"""A Spark standalone cluster for tests: one master and one worker, separate JVMs on 127.0.0.1.

Started with pyspark's own launcher (``bin/spark-class``, which ``exec``s the JVM, so the process we
hold is the JVM itself), free ports, logs and the worker's work folder under a tmp folder. ``stop``
terminates both (kill after a timeout); the worker takes its executors down with it, and each JVM
runs in its own process group, which is killed too, so no JVM outlives the tests.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

LOOPBACK = "127.0.0.1"


def spark_home() -> Path:
    """The pyspark package folder: it is a SPARK_HOME (bin/, jars/, python/lib/)."""
    import pyspark

    return Path(pyspark.__file__).resolve().parent


def spark_submit_binary() -> Path:
    """The real ``spark-submit`` script of this pyspark."""
    return spark_home() / "bin" / "spark-submit"


def free_ports(count: int) -> list[int]:
    """``count`` distinct ports free on the loopback now (held together while picking)."""
    sockets = []
    try:
        for _ in range(count):
            sock = socket.socket()
            sock.bind((LOOPBACK, 0))
            sockets.append(sock)
        return [s.getsockname()[1] for s in sockets]
    finally:
        for sock in sockets:
            sock.close()


def cluster_env(**extra: str) -> dict[str, str]:
    """Environment for every process of the cluster (and for spark-submit): loopback only, this pyspark."""
    env = {**os.environ, "SPARK_HOME": str(spark_home()), "SPARK_LOCAL_IP": LOOPBACK, "SPARK_LOCAL_HOSTNAME": LOOPBACK,
           "PYSPARK_PYTHON": sys.executable, "PYSPARK_DRIVER_PYTHON": sys.executable}
    env.pop("SPARK_CONF_DIR", None)
    env.pop("PYSPARK_GATEWAY_PORT", None)
    env.pop("PYSPARK_GATEWAY_SECRET", None)
    return {**env, **extra}


@dataclass
class StandaloneCluster:
    """One master and one worker (``cores`` cores, ``memory`` for executors) under ``root``."""

    root: Path
    cores: int = 1
    memory: str = "1g"
    start_timeout: float = 90.0
    master_port: int = 0
    master_ui_port: int = 0
    worker_ui_port: int = 0
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"spark://{LOOPBACK}:{self.master_port}"

    @property
    def logs(self) -> Path:
        return self.root / "logs"

    def start(self) -> StandaloneCluster:
        self.master_port, self.master_ui_port, self.worker_ui_port = free_ports(3)
        self.logs.mkdir(parents=True, exist_ok=True)
        try:
            self._launch("master", "org.apache.spark.deploy.master.Master",
                         "--host", LOOPBACK, "--port", str(self.master_port), "--webui-port", str(self.master_ui_port))
            self._wait(lambda state: state.get("status") == "ALIVE", "the master to be ALIVE")
            self._launch("worker", "org.apache.spark.deploy.worker.Worker", self.url, "--host", LOOPBACK,
                         "--cores", str(self.cores), "--memory", self.memory, "--webui-port", str(self.worker_ui_port),
                         "--work-dir", str(self.root / "work"))
            self._wait(lambda state: state.get("aliveworkers", 0) >= 1, "a worker to register")
        except BaseException:
            self.stop()
            raise
        return self

    def state(self) -> dict:
        """The master's JSON view (workers, active and completed applications)."""
        with urllib.request.urlopen(f"http://{LOOPBACK}:{self.master_ui_port}/json/", timeout=5) as response:
            return json.load(response)

    def completed_apps(self) -> list[dict]:
        return list(self.state().get("completedapps", []))

    def log_tail(self, chars: int = 3000) -> str:
        parts = []
        for path in sorted(self.logs.glob("*.log")):
            parts.append(f"--- {path.name}\n{path.read_text(errors='replace')[-chars:]}")
        return "\n".join(parts)

    def stop(self, timeout: float = 20.0) -> None:
        """Worker first (it stops its executors), then the master; SIGKILL whatever is still up."""
        for name in ("worker", "master"):
            process = self.processes.pop(name, None)
            if process is None:
                continue
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=timeout)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait(timeout=timeout)
            try:  # leftovers of its own process group (an executor the worker did not reap)
                os.killpg(process.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass

    def _launch(self, name: str, main_class: str, *args: str) -> None:
        log = open(self.logs / f"{name}.log", "wb")
        try:
            self.processes[name] = subprocess.Popen(
                [str(spark_home() / "bin" / "spark-class"), main_class, *args],
                env=cluster_env(SPARK_DAEMON_MEMORY="512m", SPARK_MASTER_OPTS="-Dspark.master.rest.enabled=false"), stdout=log, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL, start_new_session=True, cwd=self.root,
            )
        finally:
            log.close()

    def _wait(self, ready, what: str) -> None:
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            for name, process in self.processes.items():
                if process.poll() is not None:
                    raise RuntimeError(f"spark {name} exited with {process.returncode} waiting for {what}\n{self.log_tail()}")
            try:
                if ready(self.state()):
                    return
            except OSError:
                pass
            time.sleep(0.5)
        raise TimeoutError(f"no {what} within {self.start_timeout:.0f}s\n{self.log_tail()}")
