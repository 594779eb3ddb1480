"""Alert sinks (stdout, JSON-lines file, webhook) and retries with exponential backoff.

A sink delivers one alert record. ``deliver_with_retry`` retries what may succeed later (timeouts,
HTTP 5xx, 408, 429) with exponential backoff and gives up at once on what will not (other 4xx);
what keeps failing goes to the dead-letter (``deadletter.py``) and the caller moves on.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import sys
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, TextIO
from urllib.parse import urlsplit

from lam_models.alerting.delivered import DeliveredLog, Delivery
from lam_models.files import fsync_dir, write_atomic


class DeliveryError(Exception):
    """One failed delivery attempt; ``retryable`` says whether trying again may help."""

    def __init__(self, message: str, retryable: bool = True) -> None:
        super().__init__(message)
        self.retryable = retryable


class DeliveryInterrupted(Exception):
    """A stop was requested while waiting to retry: the alert was not delivered (nor dead-lettered)."""


class SinkBusy(RuntimeError):
    """Another process writes to the same sink file."""


class Sink(Protocol):
    """Where alerts go. ``name`` identifies the destination in the delivered log, across pods."""

    name: str

    def recover(self, log: DeliveredLog) -> int:
        """Reconcile the sink with the log after a crash; returns deliveries found and newly recorded."""

    def deliver(self, alert: dict[str, Any], line: bytes) -> None:
        """Deliver one alert (``line`` is its JSON, newline-terminated)."""

    def recorded(self) -> None:
        """The last delivery is now durable in the delivered log (a file sink moves its repair marker)."""

    def close(self) -> None: ...


def encode_alert(alert: dict[str, Any]) -> bytes:
    """One alert as a compact JSON line (UTF-8, newline-terminated)."""
    return (json.dumps(alert, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")


def idempotency_key(alert: dict[str, Any]) -> str:
    """``<alert_id>:<revision>``: the same for every redelivery of one revision, whichever pod sends it."""
    return f"{alert['alert_id']}:{alert['revision']}"


class StdoutSink:
    """Writes each alert as one JSON line to standard output (at-least-once across crashes)."""

    name = "stdout"

    def __init__(self, stream: TextIO | None = None) -> None:
        self._stream = stream

    def recover(self, log: DeliveredLog) -> int:
        return 0

    def deliver(self, alert: dict[str, Any], line: bytes) -> None:
        stream = self._stream or sys.stdout
        try:
            stream.write(line.decode("utf-8"))
            stream.flush()
        except OSError as exc:
            raise DeliveryError(f"stdout: {exc}") from exc

    def recorded(self) -> None:
        pass

    def close(self) -> None:
        pass


class JsonlSink:
    """Appends alerts to a JSON-lines file, each line fsynced before its delivery is recorded.

    Exactly once across kill -9 for its single writer (``flock``): ``<file>.recorded`` holds the byte
    size up to which the file's lines are known to be in the delivered log. It is rewritten after each
    recorded delivery, so it can lag but never lead. On start, complete lines past it (appended, then
    the process died before recording them) are recorded and a torn last line is cut off; the
    redelivered alerts are then duplicates. The marker is a local file because it describes a local
    file: it lives and dies with it. Crash repair needs that file, so a line appended by a pod that is
    gone before recording it is not seen by the member that takes its partitions over.

    Args:
        path: the file.
        name: the destination in the delivered log; default ``jsonl:<absolute path>``. Members of one
            group whose files together are one archive (a file per pod, or per test process) share it, so
            an alert in one file is not written to another when its partition moves. Pods of the chart
            use the same path, hence the same default name.
    """

    def __init__(self, path: Path, name: str | None = None) -> None:
        self.path = Path(path).expanduser().resolve()
        self.name = f"jsonl:{name or self.path}"
        self._marker_path = self.path.with_name(self.path.name + ".recorded")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        created = not self.path.exists()
        self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(self._fd)
            raise SinkBusy(f"another consumer writes to {self.path}: give each consumer its own --path") from None
        if created:
            fsync_dir(self.path.parent)

    def recover(self, log: DeliveredLog) -> int:
        marker = self.marker()
        size = os.fstat(self._fd).st_size
        if marker > size:  # the file was replaced or cut: rescan it all (recording is idempotent)
            marker = 0
        with open(self.path, "rb") as handle:
            handle.seek(marker)
            tail = handle.read(size - marker)
        complete = tail[: tail.rfind(b"\n") + 1]
        if len(complete) < len(tail):
            os.ftruncate(self._fd, marker + len(complete))
            os.fsync(self._fd)
        rows = [row for row in (self._delivery_of(line) for line in complete.splitlines()) if row is not None]
        found = log.record_many(rows)
        self._write_marker(marker + len(complete))
        return found

    def deliver(self, alert: dict[str, Any], line: bytes) -> None:
        try:
            view = memoryview(line)
            while view:
                view = view[os.write(self._fd, view):]
            os.fsync(self._fd)
        except OSError as exc:
            raise DeliveryError(f"jsonl {self.path}: {exc}") from exc

    def recorded(self) -> None:
        self._write_marker(os.fstat(self._fd).st_size)

    def marker(self) -> int:
        """Byte size up to which the file is recorded; 0 when unknown (a lost or torn marker only costs a rescan)."""
        try:
            return int(self._marker_path.read_text())
        except (OSError, ValueError):
            return 0

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1

    def _write_marker(self, position: int) -> None:
        # no fsync: after a power loss an older or empty marker only means a longer rescan
        write_atomic(self._marker_path, str(position))

    def _delivery_of(self, line: bytes) -> Delivery | None:
        try:
            alert = json.loads(line)
            return Delivery(self.name, str(alert["alert_id"]), int(alert["revision"]), alert.get("fingerprint"))
        except (ValueError, KeyError, TypeError):
            return None


class WebhookSink:
    """POSTs each alert as JSON with its idempotency key ``<alert_id>:<revision>`` twice: in the
    ``Idempotency-Key`` header and in the body's ``idempotency_key`` field (receivers such as PagerDuty
    read one or the other).

    A delivery cut between the receiver's 2xx and its record in the delivered log is sent again by
    whichever pod owns the partition next, with the same key, so the receiver can drop it. 2xx is
    success; timeouts, connection errors, 408, 429 and 5xx are retryable; other statuses are not.
    """

    def __init__(self, url: str, timeout_s: float = 5.0, headers: dict[str, str] | None = None) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"webhook url must be http(s)://host/...: got {url!r}")
        self.url = url
        self.timeout_s = timeout_s
        self.headers = dict(headers or {})
        # the name keeps no secret of the url (tokens often live in its path or query)
        self.name = f"webhook:{parts.hostname}:{hashlib.sha256(url.encode()).hexdigest()[:12]}"

    def recover(self, log: DeliveredLog) -> int:
        return 0

    def deliver(self, alert: dict[str, Any], line: bytes) -> None:
        key = idempotency_key(alert)
        request = urllib.request.Request(self.url, data=encode_alert({**alert, "idempotency_key": key}), method="POST",
                                         headers={"Content-Type": "application/json", "Idempotency-Key": key,
                                                  "User-Agent": "lam-pipelines-alerts", **self.headers})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout_s) as response:
                response.read()
        except urllib.error.HTTPError as exc:
            retryable = exc.code in (408, 429) or exc.code >= 500
            raise DeliveryError(f"webhook: HTTP {exc.code}", retryable=retryable) from None
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise DeliveryError(f"webhook: {type(reason).__name__}: {reason}") from None

    def recorded(self) -> None:
        pass

    def close(self) -> None:
        pass


@dataclass(frozen=True)
class RetryPolicy:
    """Retries after the first attempt and their exponential backoff (initial, doubling, capped)."""

    retries: int = 4
    initial_s: float = 0.5
    max_s: float = 8.0

    def delays(self) -> list[float]:
        """Waits before retry 1..retries: ``min(max_s, initial_s * 2**i)``."""
        return [min(self.max_s, self.initial_s * 2**i) for i in range(self.retries)]


@dataclass(frozen=True)
class DeliveryResult:
    """Outcome of ``deliver_with_retry``: ``ok``, or the last error."""

    ok: bool
    attempts: int
    error: str | None = None


def deliver_with_retry(sink: Sink, alert: dict[str, Any], line: bytes, policy: RetryPolicy,
                       wait: Callable[[float], bool]) -> DeliveryResult:
    """Deliver, retrying retryable failures after each of ``policy.delays()``.

    Args:
        wait: sleeps for the given seconds; returns True when a stop was requested meanwhile
            (e.g. ``threading.Event().wait``), which raises ``DeliveryInterrupted``.
    """
    delays = policy.delays()
    attempt = 0
    while True:
        attempt += 1
        try:
            sink.deliver(alert, line)
            return DeliveryResult(True, attempt)
        except DeliveryError as exc:
            if not exc.retryable or attempt > len(delays):
                suffix = "" if exc.retryable else " (not retryable)"
                return DeliveryResult(False, attempt, error=f"{exc} after {attempt} attempt(s){suffix}")
            if wait(delays[attempt - 1]):
                raise DeliveryInterrupted(f"stopped while retrying: {exc}") from None
