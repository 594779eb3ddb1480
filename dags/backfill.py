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
- `score` scores the bronze rows not scored yet (with the pin);
- `rescore` (`jobs/rescore.py`) replaces the range's silver rows (by `published_at`) in one Delta
  commit (`replaceWhere`) when one of them was scored by another version: those rows re-scored, the
  others kept; a crash before the commit leaves silver as it was, so a rerun does the work again;
- `monitor` re-evaluates every window from silver, replaces the windows table and sends changed
  alerts as new revisions only.

The next nightly run compacts the small files a long backfill leaves (`compact`).

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
