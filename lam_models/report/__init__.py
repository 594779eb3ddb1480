"""The run report: read the lake and registries (``collect``), draw inline SVG (``charts``), write one
self-contained HTML page (``html``) that opens without a network."""

from lam_models.report.collect import ReportData, alerts_frame, collect, trend
from lam_models.report.html import SECTIONS, render_report, write_report
from lam_models.report.markup import ReportOptions

__all__ = ["SECTIONS", "ReportData", "ReportOptions", "alerts_frame", "collect", "render_report", "trend", "write_report"]
