"""
### backfill

Manual only. Reruns the backfill steps of `jobs/nightly.py` `STEPS` (those with
`in_backfill=True`: `ingest_news`, `ingest_interactions`, `score`, `rescore`, `monitor`) over the
range `[start, end)` with the model pinned to `model_version`, writing to the same tables as `nightly`.

Params (ISO-8601 dates or datetimes, UTC when no offset is given; `end` is exclusive):

| param | meaning |
|---|---|
| `start` | first instant of the range, e.g. `2024-03-04` |
| `end` | end of the range, exclusive, e.g. `2024-03-06` for two days |
| `model_version` | registry version to score with; empty = production (`LAM_MODEL__VERSION`) |

Idempotent, and the range ends up scored by the pinned version only:

- the ingest skips records already in bronze or dead-letter (by topic partition and offset);
- `score` scores the bronze files not scored yet (with the pin);
- `rescore` (`jobs/rescore.py`) rewrites the silver files holding a row of the range (by
  `published_at`) scored by another version: those rows re-scored, the others kept; the plan is
  recorded first and the old files are deleted only after the new ones are published, so a crash
  replays to the same end state;
- `monitor` re-evaluates every window from silver, swaps the windows snapshot and sends changed
  alerts as new revisions only.

A second run over the same range finds nothing to ingest, score or rewrite: no table file changes.

Run locally: `airflow dags test backfill -c '{"start": "2024-03-04", "end": "2024-03-06"}'`.
"""

from __future__ import annotations

from airflow.sdk import Param, chain, dag

from _defaults import DEFAULT_ARGS, TAGS, doc, step_task
from jobs.nightly import STEPS

START = "{{ params.start }}"
END = "{{ params.end }}"
MODEL_VERSION = "{{ params.model_version or '' }}"
DATE = r"^\d{4}-\d{2}-\d{2}([T ][0-9:.]+([+-]\d{2}:\d{2}|Z)?)?$"


@dag(
    dag_id="backfill",
    schedule=None,
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    tags=[*TAGS, "backfill"],
    doc_md=doc(__doc__),
    params={
        "start": Param(None, type="string", pattern=DATE, description="first instant of the range (ISO-8601, UTC if no offset)"),
        "end": Param(None, type="string", pattern=DATE, description="end of the range, exclusive"),
        "model_version": Param(None, type=["null", "string"], description="registry version to score with; empty = production"),
    },
)
def backfill() -> None:
    chain(*[step_task(step, START, END, MODEL_VERSION, backfill=True) for step in STEPS if step.in_backfill])


backfill()
