"""Alert sinks (stdout, JSON-lines file, webhook), retries with exponential backoff, and the dead-letter.

A sink delivers one alert record. ``deliver_with_retry`` retries what may succeed later (timeouts,
HTTP 5xx, 408, 429) with exponential backoff and gives up at once on what will not (other 4xx);
what keeps failing goes to a ``DeadLetterFile`` and the caller moves on.
"""

from __future__ import annotations

import base64
import fcntl
import hashlib
import json
import os
import sys
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Protocol, TextIO
from urllib.parse import urlsplit

from lam_models.files import fsync_dir
from lam_models.alerting.dedup import DedupStore


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
    """Where alerts go. ``name`` identifies the destination in the dedup store."""

    name: str

    def recover(self, store: DedupStore) -> int:
        """Reconcile the sink with the store after a crash; returns deliveries found and recorded."""

    def deliver(self, alert: dict[str, Any], line: bytes) -> int | None:
        """Deliver one alert (``line`` is its JSON, newline-terminated); returns a byte marker or None."""

    def close(self) -> None: ...


def encode_alert(alert: dict[str, Any]) -> bytes:
    """One alert as a compact JSON line (UTF-8, newline-terminated)."""
    return (json.dumps(alert, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")


class StdoutSink:
    """Writes each alert as one JSON line to standard output (at-least-once across crashes)."""

    name = "stdout"

    def __init__(self, stream: TextIO | None = None) -> None:
        self._stream = stream

    def recover(self, store: DedupStore) -> int:
        return 0

    def deliver(self, alert: dict[str, Any], line: bytes) -> None:
        stream = self._stream or sys.stdout
        try:
            stream.write(line.decode("utf-8"))
            stream.flush()
        except OSError as exc:
            raise DeliveryError(f"stdout: {exc}") from exc

    def close(self) -> None:
        pass


class JsonlSink:
    """Appends alerts to a JSON-lines file, each line fsynced before the delivery is recorded.

    Exactly once across kill -9: the store keeps the file size up to which lines are recorded, in the
    same transaction as the delivery rows. On start, complete lines past that marker (appended, then
    the process died before recording them) are recorded, and a torn last line is cut off; the
    redelivered alerts are then seen as duplicates. One writer per file, enforced with ``flock``.
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path).expanduser().resolve()
        self.name = f"jsonl:{self.path}"
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

    def recover(self, store: DedupStore) -> int:
        marker = store.marker(self.name)
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
        rows = [row for row in (_delivery_of(line) for line in complete.splitlines()) if row is not None]
        return store.record_many(self.name, rows, marker=marker + len(complete))

    def deliver(self, alert: dict[str, Any], line: bytes) -> int:
        try:
            view = memoryview(line)
            while view:
                view = view[os.write(self._fd, view):]
            os.fsync(self._fd)
            return os.fstat(self._fd).st_size
        except OSError as exc:
            raise DeliveryError(f"jsonl {self.path}: {exc}") from exc

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1


class WebhookSink:
    """POSTs each alert as JSON; ``Idempotency-Key: <alert_id>:<revision>`` lets the receiver dedup too.

    2xx is success; timeouts, connection errors, 408, 429 and 5xx are retryable; other statuses are not.
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

    def recover(self, store: DedupStore) -> int:
        return 0

    def deliver(self, alert: dict[str, Any], line: bytes) -> None:
        request = urllib.request.Request(self.url, data=line, method="POST", headers={
            "Content-Type": "application/json", "Idempotency-Key": f"{alert['alert_id']}:{alert['revision']}",
            "User-Agent": "lam-pipelines-alerts", **self.headers,
        })
        try:
            with urllib.request.urlopen(request, timeout=self.timeout_s) as response:
                response.read()
        except urllib.error.HTTPError as exc:
            retryable = exc.code in (408, 429) or exc.code >= 500
            raise DeliveryError(f"webhook: HTTP {exc.code}", retryable=retryable) from None
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise DeliveryError(f"webhook: {type(reason).__name__}: {reason}") from None

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
    """Outcome of ``deliver_with_retry``: ``ok`` with the sink's marker, or the last error."""

    ok: bool
    attempts: int
    marker: int | None = None
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
            return DeliveryResult(True, attempt, marker=sink.deliver(alert, line))
        except DeliveryError as exc:
            if not exc.retryable or attempt > len(delays):
                suffix = "" if exc.retryable else " (not retryable)"
                return DeliveryResult(False, attempt, error=f"{exc} after {attempt} attempt(s){suffix}")
            if wait(delays[attempt - 1]):
                raise DeliveryInterrupted(f"stopped while retrying: {exc}") from None


class DeadLetterFile:
    """Append-only JSON-lines dead-letter: each entry is fsynced before ``write`` returns."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path).expanduser()
        self.path.parent.mkdir(parents=True, exist_ok=True)

    def write(self, reason: str, value: bytes | None, **context: Any) -> None:
        """Record one rejected or undeliverable record with its reason and where it came from."""
        entry: dict[str, Any] = {"at": datetime.now(timezone.utc).isoformat(), "reason": reason, **context}
        entry.update(raw_fields(value))
        data = (json.dumps(entry, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
            os.fsync(fd)
        finally:
            os.close(fd)

    def close(self) -> None:
        pass


def raw_fields(value: bytes | None) -> dict[str, Any]:
    """The record's bytes as text when they are UTF-8, else as base64 (nothing is lost)."""
    if value is None:
        return {"value": None}
    try:
        return {"value": value.decode("utf-8")}
    except UnicodeDecodeError:
        return {"value_b64": base64.b64encode(value).decode("ascii")}


def _delivery_of(line: bytes) -> tuple[str, int, str | None] | None:
    try:
        alert = json.loads(line)
        return str(alert["alert_id"]), int(alert["revision"]), alert.get("fingerprint")
    except (ValueError, KeyError, TypeError):
        return None
