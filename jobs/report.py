"""Report job: the self-contained HTML report of the lake, runnable with ``spark-submit jobs/report.py``."""

from __future__ import annotations

import argparse
from datetime import datetime, timezone

from jobs.nightly import as_utc, write_report
from lam_models.settings import get_settings


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--from", dest="start", default="1970-01-01", help="interval start (ISO-8601)")
    parser.add_argument("--to", dest="end", default=None, help="interval end; default now")
    args = parser.parse_args(argv)
    end = as_utc(args.end) if args.end else datetime.now(timezone.utc)
    print(write_report(get_settings(), as_utc(args.start), end))


if __name__ == "__main__":
    main()
