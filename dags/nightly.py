"""
### nightly

Once a day (UTC midnight, no catch-up): every step of `jobs/nightly.py` `STEPS`, in order, over
the run's data interval `[data_interval_start, data_interval_end)`:

1. `ingest_news`, `ingest_interactions`, `ingest_labels`: the records whose broker timestamp (the event time, for
   the replay producers) lies in the interval -> bronze + dead-letter; a rerun of the same
   interval re-reads it and changes nothing.
2. `score`: embeds and scores the bronze news files not scored yet into silver.
3. `rescore`: re-scores in place the interval's silver rows scored by another model version
   (after a promotion; a no-op otherwise).
4. `monitor` (alerts), `recommend` (top-K table), `report` (HTML).

Each task returns the job's summary as its XCom. On the embedded default (`local[*]`) the steps
run in-process as TaskFlow tasks; with a `k8s://` master they run through `SparkSubmitOperator`
on the connection named by `LAM_SPARK__CONNECTION_ID`. Add a step by adding it to `STEPS`.

Run locally: `airflow dags test nightly 2024-03-04` (interval 2024-03-04 .. 2024-03-05).
"""

from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.sdk import CronTriggerTimetable, chain, dag

from _defaults import DEFAULT_ARGS, TAGS, doc, step_task
from jobs.nightly import STEPS

START = "{{ data_interval_start.isoformat() }}"
END = "{{ data_interval_end.isoformat() }}"


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
    chain(*[step_task(step, START, END) for step in STEPS])


nightly()
