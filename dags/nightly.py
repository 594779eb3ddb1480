"""
### nightly

Once a day (UTC midnight, no catch-up): every step of `jobs/nightly.py` `STEPS`, in order, over
the run's data interval `[data_interval_start, data_interval_end)`:

1. `ingest_news`, `ingest_interactions`, `ingest_labels`: every record after the committed offsets,
   whatever its timestamp -> bronze (Delta) + dead-letter, by Spark's
   incremental Kafka read. A headline stamped yesterday that reached Kafka after yesterday's run is
   read tonight, and the monitor revises the window it falls in. The data interval is what the run
   reports (and what a backfill re-reads by broker time); a rerun after a crash finishes the same
   offset ranges and writes nothing twice (Delta transaction ids).
2. `score`: embeds and scores the bronze news rows not scored yet into silver.
3. `rescore`: re-scores in place the interval's silver rows scored by another model version
   (after a promotion; a no-op otherwise).
4. `monitor` (alerts), `recommend` (top-K table), `compact` (`OPTIMIZE` of the Delta tables),
   `report` (HTML).
5. `drift_check` (`jobs/drift_check.py`): lands the labels topic's bronze rows in the labels table,
   then emits the asset `lam_continual_trigger` (scheduling `continual_finetune`) only when enough
   labels arrived since the last promotion or the interval's predictions drifted from production's
   reference; otherwise the task is skipped, and a skipped task emits no asset event.

Each task returns the job's summary as its XCom. On the embedded default (`local[*]`) the steps
run in-process as TaskFlow tasks; with a `k8s://` master they run through `SparkSubmitOperator`
on the connection named by `LAM_SPARK__CONNECTION_ID`. Add a step by adding it to `STEPS`.

Run locally: `airflow dags test nightly 2024-03-04` (interval 2024-03-04 .. 2024-03-05).
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict
from datetime import timedelta
from typing import Any

import pendulum
from airflow.sdk import CronTriggerTimetable, chain, dag, get_current_context, task

from _defaults import CONTINUAL_TRIGGER, DEFAULT_ARGS, TAGS, doc, settings, step_task
from jobs.nightly import STEPS

log = logging.getLogger(__name__)

START = "{{ data_interval_start.isoformat() }}"
END = "{{ data_interval_end.isoformat() }}"


@task(outlets=[CONTINUAL_TRIGGER])
def drift_check(start: str, end: str) -> dict[str, Any]:
    """Emit the continual trigger only when the drift check says so; skip (no asset event) otherwise."""
    from airflow.sdk.exceptions import AirflowSkipException

    from jobs.drift_check import run
    from lam_models.intervals import as_utc

    result = json.loads(json.dumps(asdict(run(settings(), as_utc(start), as_utc(end))), default=str))
    log.info("drift check: %s", json.dumps(result, sort_keys=True))
    if not result["trigger"]:
        raise AirflowSkipException(f"no continual round: {result['note'] or 'no drift and too few new labels'}")
    get_current_context()["outlet_events"][CONTINUAL_TRIGGER].extra = {"reasons": result["reasons"], "production": result["production"]}
    return result


@dag(
    dag_id="nightly",
    schedule=CronTriggerTimetable("0 0 * * *", timezone="UTC", interval=timedelta(days=1)),
    start_date=pendulum.datetime(2024, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    tags=[*TAGS, "nightly"],
    doc_md=doc(__doc__),
)
def nightly() -> None:
    chain(*[step_task(step, START, END) for step in STEPS], drift_check(START, END))


nightly()
