"""Report job: the self-contained HTML report of the lake, runnable with ``spark-submit jobs/report.py``."""

from __future__ import annotations

import argparse
from datetime import datetime, timezone
from typing import Any

from lam_models.intervals import as_utc
from lam_models.settings import Settings, get_settings


def run(settings: Settings, start: datetime, end: datetime) -> dict[str, Any]:
    """Write the report of the lake as of ``end`` to ``<lake>/reports/report-<end date>.html``."""
    from lam_models.report import ReportOptions, collect, write_report

    path = settings.lake_root / "reports" / f"report-{end.date().isoformat()}.html"
    data = collect(settings.lake_root, settings.registry_root, None, settings.monitor)
    return {"report": str(write_report(path, data, ReportOptions())), "interval": [start.isoformat(), end.isoformat()]}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--from", dest="start", default="1970-01-01", help="interval start (ISO-8601)")
    parser.add_argument("--to", dest="end", default=None, help="interval end; default now")
    args = parser.parse_args(argv)
    end = as_utc(args.end) if args.end else datetime.now(timezone.utc)
    print(run(get_settings(), as_utc(args.start), end))


if __name__ == "__main__":
    main()
