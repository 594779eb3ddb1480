"""The ordered nightly steps, shared by ``dags/nightly.py``, ``dags/backfill.py`` and ``lam demo``.

A step is a name plus a callable ``(settings, data_interval_start, data_interval_end, backfill) -> summary``
(a JSON-able dict, the task's XCom), and how the same job is started with ``spark-submit``. The
nightly run ingests everything new since the committed offsets, whatever its timestamps (a headline
stamped yesterday that reached Kafka after yesterday's run is read tonight); a backfill re-reads the
records whose broker timestamp lies in its interval.
Adding a step to the pipeline is one line in ``STEPS``. Importing this module is cheap (the DAG
files import it at parse time): the job modules are imported inside the step callables.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from jobs.topics import nightly_step as fit_topics
from lam_models import catalog, delta_tables
from lam_models.intervals import as_utc

log = logging.getLogger(__name__)

JOBS_DIR = Path(__file__).resolve().parent

StepFn = Callable[[Any, datetime, datetime, bool], dict[str, Any]]
"""``(settings, data_interval_start, data_interval_end, backfill) -> JSON-able summary``."""


def _no_args(start: str, end: str, backfill: bool) -> list[str]:
    return []


@dataclass(frozen=True)
class Step:
    """One pipeline step.

    Attributes:
        name: task id in the DAGs, and the step's name in summaries.
        run: the in-process entry point (TaskFlow tasks and ``lam demo`` call it).
        application: the job file under ``jobs/`` that ``spark-submit`` runs for this step.
        args: ``spark-submit`` arguments for the interval ``[start, end)`` of a nightly run or a
            backfill; ``start``/``end`` are ISO-8601 strings or Jinja templates that render to them.
        in_backfill: whether ``dags/backfill.py`` reruns this step over a past range.
    """

    name: str
    run: StepFn
    application: str
    args: Callable[[str, str, bool], list[str]] = _no_args
    in_backfill: bool = True


def _ingest(kind: str, settings: Any, start: datetime, end: datetime, backfill: bool) -> dict[str, Any]:
    """Ingest topic ``kind``: every record after the committed offsets (nightly), or the records whose broker
    timestamp is in ``[start, end)`` (backfill: re-reads them, committed offsets stay where they are)."""
    from jobs import ingest

    window = {"start": start, "end": end} if backfill else {}
    result = ingest.run(kind, settings, **window)
    return {**asdict(result), "reconciled": result.reconciled, "interval": [start.isoformat(), end.isoformat()],
            "read": "broker-time window" if backfill else "new offsets"}


def ingest_news(settings: Any, start: datetime, end: datetime, backfill: bool = False) -> dict[str, Any]:
    return _ingest("news", settings, start, end, backfill)


def ingest_interactions(settings: Any, start: datetime, end: datetime, backfill: bool = False) -> dict[str, Any]:
    return _ingest("interactions", settings, start, end, backfill)


def ingest_labels(settings: Any, start: datetime, end: datetime, backfill: bool = False) -> dict[str, Any]:
    return _ingest("labels", settings, start, end, backfill)


def score_news(settings: Any, start: datetime, end: datetime, backfill: bool = False) -> dict[str, Any]:
    """Embed the bronze news rows not scored yet (those the ingest steps just appended).

    Incremental by Delta's streaming read of bronze: after the ingest steps of an interval it scores
    exactly that interval's new rows, with the pinned (``settings.model.version``) or production version.
    """
    from jobs import score

    return {**asdict(score.run(settings)), "interval": [start.isoformat(), end.isoformat()]}


def rescore_news(settings: Any, start: datetime, end: datetime, backfill: bool = False) -> dict[str, Any]:
    """Replace the interval's silver rows scored by another version (a backfill's pin, a promotion) in place."""
    from jobs import rescore

    return {**asdict(rescore.run(settings, start, end)), "interval": [start.isoformat(), end.isoformat()]}


def compact_tables(settings: Any, start: datetime, end: datetime, backfill: bool = False) -> dict[str, Any]:
    """``OPTIMIZE`` the lake's Delta tables: the interval's small files compacted."""
    from jobs import compact

    return {"tables": compact.run(settings), "interval": [start.isoformat(), end.isoformat()]}


def monitor_news(settings: Any, start: datetime, end: datetime, backfill: bool = False) -> dict[str, Any]:
    """Re-evaluate every window (late headlines included) and publish new or changed alerts."""
    from jobs import monitor

    return {**asdict(monitor.run(settings)), "interval": [start.isoformat(), end.isoformat()]}


def recommend_all(settings: Any, start: datetime, end: datetime, backfill: bool = False) -> dict[str, Any]:
    """Retrain the hybrid recommender and write top-K / similar items for the interval's run date."""
    from jobs import recommend

    if not delta_tables.is_table(catalog.BRONZE["interactions"].path(settings.lake_root)):
        return {"skipped": "no interactions ingested yet", "interval": [start.isoformat(), end.isoformat()]}
    return {**asdict(recommend.run(settings, run_date=end.date())), "interval": [start.isoformat(), end.isoformat()]}


def write_report(settings: Any, start: datetime, end: datetime, backfill: bool = False) -> dict[str, Any]:
    """The run's self-contained HTML report, one file per interval end under ``<lake>/reports``."""
    from jobs import report

    return report.run(settings, start, end)


def _ingest_args(kind: str) -> Callable[[str, str, bool], list[str]]:
    def args(start: str, end: str, backfill: bool) -> list[str]:
        return ["--topic", kind] + (["--from", start, "--to", end] if backfill else [])

    return args


def _window_args(start: str, end: str, backfill: bool) -> list[str]:
    return ["--from", start, "--to", end]


STEPS: tuple[Step, ...] = (
    Step("ingest_news", ingest_news, "ingest.py", _ingest_args("news")),
    Step("ingest_interactions", ingest_interactions, "ingest.py", _ingest_args("interactions")),
    Step("ingest_labels", ingest_labels, "ingest.py", _ingest_args("labels")),
    Step("score", score_news, "score.py"),
    Step("rescore", rescore_news, "rescore.py", _window_args),
    Step("topics", fit_topics, "topics.py", in_backfill=False),
    Step("monitor", monitor_news, "monitor.py"),
    Step("recommend", recommend_all, "recommend.py", lambda start, end, backfill: ["--run-date", end[:10]], in_backfill=False),
    Step("compact", compact_tables, "compact.py", in_backfill=False),
    Step("report", write_report, "report.py", in_backfill=False),
)


def step(name: str) -> Step:
    """The step called ``name``.

    Raises:
        KeyError: no such step; the message lists the known ones.
    """
    for candidate in STEPS:
        if candidate.name == name:
            return candidate
    raise KeyError(f"unknown nightly step {name!r}; known: {[s.name for s in STEPS]}")


def pin_model(settings: Any, model_version: str | None) -> Any:
    """``settings`` with ``model.version`` pinned (unchanged when ``model_version`` is empty)."""
    if not model_version:
        return settings
    return settings.model_copy(update={"model": settings.model.model_copy(update={"version": model_version})})


def run_step(name: str, settings: Any, start: datetime | date | str, end: datetime | date | str,
             model_version: str | None = None, backfill: bool = False) -> dict[str, Any]:
    """Run one step of a nightly run (or of a backfill) over ``[start, end)``, with the model pinned when
    ``model_version`` is given.

    Returns:
        The step's summary with ``step`` and ``seconds`` added.

    Raises:
        ValueError: ``end`` is not after ``start``.
        RuntimeError: a model version was pinned but the step scored with another one.
    """
    import time

    first, last = as_utc(start), as_utc(end)
    if last <= first:
        raise ValueError(f"empty interval: end {last.isoformat()} is not after start {first.isoformat()}")
    began = time.perf_counter()
    summary = step(name).run(pin_model(settings, model_version), first, last, backfill)
    used = summary.get("model_version")
    if model_version and used and used != model_version and not used.endswith(f":{model_version}"):
        raise RuntimeError(f"step {name} scored with {used!r}, not the pinned {model_version!r}: "
                           "jobs/score.py must honour settings.model.version")
    summary = {"step": name, **summary, "seconds_total": round(time.perf_counter() - began, 3)}
    log.info("step %s [%s, %s): %s", name, first.isoformat(), last.isoformat(), summary)
    return summary

