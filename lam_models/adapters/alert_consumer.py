"""The alert consumer: a kafka-python consumer-group member that delivers alerts to its sinks effectively once.

Offsets are committed only after every record before them reached an outcome on every sink
(delivered and recorded, duplicate, failed and dead-lettered, or malformed and dead-lettered). The
deliveries are recorded on the compacted ``<alerts>.delivered`` topic, which a member reads to its
end whenever it is assigned partitions, so a crash, a rebalance or a pod moved to another node never
repeats a delivery that was recorded, whichever member delivered it. SIGTERM or SIGINT
stops the loop within one poll timeout plus the record in flight; a watchdog exits hard if the stop
takes longer than ``shutdown_timeout_s``. ``lam alerts consume`` (``python -m lam_models alerts consume``) runs
it.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import socket
import threading
import time
from pathlib import Path
from typing import Any

from lam_models.adapters import failpoints
from lam_models.adapters.deadletter_topic import DeadLetterTopic
from lam_models.adapters.delivered_topic import DeliveredTopic
from lam_models.adapters.kafka_admin import check_reachable
from lam_models.adapters.kafka_config import client_config
from lam_models.alerting.config import AlertingConfig
from lam_models.alerting.deadletter import DeadLetter, DeadLetterFile
from lam_models.alerting.handler import AlertHandler, Counts
from lam_models.alerting.sinks import DeliveryInterrupted, RetryPolicy, Sink
from lam_models.files import write_atomic
from lam_models.settings import Settings

log = logging.getLogger(__name__)
HARD_EXIT_CODE = 3


class AlertConsumer:
    """One member of consumer group ``group`` on the alerts topic, feeding ``handler``.

    ``stop()`` may be called from any thread or a signal handler; ``counts``, ``assignment``, ``lag``
    (records behind the end, per assigned partition) and the optional JSON ``status_file`` (rewritten
    after every commit) tell what it has done so far.
    """

    def __init__(self, settings: Settings, group: str, handler: AlertHandler, config: AlertingConfig,
                 instance_id: str | None = None, status_file: Path | None = None,
                 stop_event: threading.Event | None = None) -> None:
        self.settings = settings
        self.group = group
        self.handler = handler
        self.config = config
        self.instance_id = instance_id
        self.status_file = status_file
        self.stop_event = stop_event or threading.Event()
        self.assignment: list[int] = []
        self.lag: dict[int, int] = {}
        self.commit_failures = 0
        self.state = "starting"
        self._assigned = threading.Event()  # new partitions: read the delivered log before their records

    @property
    def counts(self) -> Counts:
        return self.handler.counts

    def stop(self) -> None:
        self.stop_event.set()

    def run(self, max_messages: int | None = None, idle_timeout_s: float | None = None) -> Counts:
        """Consume until stopped, ``max_messages`` records were processed, or ``idle_timeout_s`` without records."""
        from kafka import ConsumerRebalanceListener, KafkaConsumer

        owner = self

        class _Listener(ConsumerRebalanceListener):
            def on_partitions_revoked(self, revoked: Any) -> None:
                owner.assignment, owner.lag = [], {}

            def on_partitions_assigned(self, assigned: Any) -> None:
                # no blocking I/O here (it would stall the client's event loop): the loop catches up
                owner.assignment = sorted(tp.partition for tp in assigned)
                owner._assigned.set()
                owner._write_status()

        check_reachable(self.settings)
        self.handler.start()
        c = self.config
        consumer = KafkaConsumer(
            **client_config(self.settings.kafka), group_id=self.group, group_instance_id=self.instance_id,
            client_id=f"lam-alerts-{self.group}", enable_auto_commit=False, auto_offset_reset="earliest",
            max_poll_records=c.max_poll_records, session_timeout_ms=c.session_timeout_ms,
            heartbeat_interval_ms=c.heartbeat_interval_ms, max_poll_interval_ms=c.max_poll_interval_ms,
        )
        consumer.subscribe([self.settings.topics.alerts], listener=_Listener())
        self.state = "running"
        try:
            self._loop(consumer, max_messages, idle_timeout_s)
        finally:
            self.state = "stopped"
            consumer.close(autocommit=False, timeout_ms=min(5000, int(c.shutdown_timeout_s * 1000)))
            self._write_status()
        return self.counts

    def _loop(self, consumer: Any, max_messages: int | None, idle_timeout_s: float | None) -> None:
        processed = 0
        last_record = time.monotonic()
        while not self.stop_event.is_set():
            remaining = None if max_messages is None else max_messages - processed
            if remaining is not None and remaining <= 0:
                return
            batch = consumer.poll(timeout_ms=self.config.poll_timeout_ms, max_records=remaining)
            if self._assigned.is_set():
                self._assigned.clear()
                read = self.handler.delivered.catch_up()
                log.info("assigned partitions %s; read %d delivery record(s) first", self.assignment, read)
            self._measure_lag(consumer)
            if not batch:
                if idle_timeout_s is not None and time.monotonic() - last_record >= idle_timeout_s:
                    return
                continue
            last_record = time.monotonic()
            done: dict[Any, int] = {}
            try:
                for tp, records in batch.items():
                    for record in records:
                        if self.stop_event.is_set():
                            return
                        key = record.key.decode("utf-8", "replace") if record.key is not None else None
                        self.handler.handle(record.value, topic=tp.topic, partition=tp.partition,
                                            offset=record.offset, key=key)
                        done[tp] = record.offset + 1
                        processed += 1
            except DeliveryInterrupted as exc:
                log.warning("%s; the alert will be redelivered", exc)
                return
            finally:
                self._commit(consumer, done)

    def _commit(self, consumer: Any, done: dict[Any, int]) -> None:
        if not done:
            return
        from kafka import OffsetAndMetadata
        from kafka.errors import KafkaError

        try:
            consumer.commit({tp: OffsetAndMetadata(offset, "", -1) for tp, offset in done.items()})
        except KafkaError as exc:  # e.g. a rebalance took the partition: it is redelivered, then deduplicated
            self.commit_failures += 1
            log.warning("offset commit failed (%s); the records will be redelivered and deduplicated", exc)
        self._write_status()

    def _measure_lag(self, consumer: Any) -> None:
        """Records past the batch in hand per assigned partition: the last fetch's high watermark minus the
        position, which ``poll`` moved past the records it returned (no request to the broker)."""
        from kafka.errors import KafkaError

        lag: dict[int, int] = {}
        for tp in consumer.assignment():
            try:
                end, position = consumer.highwater(tp), consumer.position(tp, timeout_ms=0)
            except KafkaError:  # revoked meanwhile
                continue
            if end is not None and position is not None:
                lag[tp.partition] = max(0, end - position)
        self.lag = lag

    def status(self) -> dict[str, Any]:
        return {"group": self.group, "sinks": [s.name for s in self.handler.sinks], "pid": os.getpid(),
                "state": self.state, "assignment": self.assignment, "lag": self.lag,
                "recovered": self.handler.recovered, "commit_failures": self.commit_failures,
                **self.counts.as_dict()}

    def _write_status(self) -> None:
        if self.status_file is None:
            return
        write_atomic(self.status_file, json.dumps(self.status()))


def build_sink(kind: str, config: AlertingConfig, path: Path | None = None, url: str | None = None,
               jsonl_name: str | None = None) -> Sink:
    """``stdout``, ``jsonl`` (needs ``path``; ``jsonl_name`` names it across pods) or ``webhook`` (needs ``url``)."""
    from lam_models.alerting.sinks import JsonlSink, StdoutSink, WebhookSink

    if kind == "stdout":
        return StdoutSink()
    if kind == "jsonl":
        if path is None:
            raise ValueError("the jsonl sink needs --path FILE")
        return JsonlSink(path, name=jsonl_name)
    if kind == "webhook":
        if not url:
            raise ValueError("the webhook sink needs --url http(s)://...")
        return WebhookSink(url, timeout_s=config.webhook_timeout_s)
    raise ValueError(f"unknown sink {kind!r}: use stdout, jsonl or webhook")


def build_consumer(settings: Settings, group: str, sinks: list[Sink], config: AlertingConfig,
                   instance_id: str | None = None, status_file: Path | None = None) -> AlertConsumer:
    """Wire sinks, the delivered log, dead-letter and retry policy into a consumer.

    Creates the delivered topic (and the dead-letter topic) when missing; the group is joined in ``run``.
    """
    target = config.deadletter_target(settings, group)
    deadletter: DeadLetter = (DeadLetterTopic(settings, f"{settings.topics.alerts}.deadletter")
                              if target == "topic" else DeadLetterFile(Path(target)))
    member = instance_id or f"{socket.gethostname()}:{os.getpid()}"
    delivered = DeliveredTopic(settings, {"group": group, "member": member}, timeout_s=config.delivered_timeout_s)
    policy = RetryPolicy(config.webhook_retries, config.backoff_initial_s, config.backoff_max_s)
    stop_event = threading.Event()
    handler = AlertHandler(sinks, delivered, deadletter, policy, wait=stop_event.wait, context={"group": group},
                           crash_point=failpoints.hit)
    return AlertConsumer(settings, group, handler, config, instance_id, status_file, stop_event)


def run_consumer(consumer: AlertConsumer, max_messages: int | None = None, idle_timeout_s: float | None = None,
                 handle_signals: bool = True) -> Counts:
    """Run until done, with ``/metrics`` served when ``metrics_port`` is set; SIGTERM/SIGINT stop it
    gracefully, a second signal or the watchdog exits hard."""
    if handle_signals:
        _install_signal_handlers(consumer)
    metrics = None
    try:
        if consumer.config.metrics_port:
            from lam_models.alerting.metrics import MetricsServer

            metrics = MetricsServer(consumer, consumer.config.metrics_port)
        return consumer.run(max_messages, idle_timeout_s)
    finally:
        if metrics is not None:
            metrics.close()
        for sink in consumer.handler.sinks:
            sink.close()
        consumer.handler.delivered.close()
        consumer.handler.deadletter.close()


def _install_signal_handlers(consumer: AlertConsumer) -> None:
    def on_signal(signum: int, frame: object) -> None:
        if consumer.stop_event.is_set():
            os._exit(128 + signum)
        consumer.stop()
        watchdog = threading.Timer(consumer.config.shutdown_timeout_s, os._exit, args=(HARD_EXIT_CODE,))
        watchdog.daemon = True
        watchdog.start()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
