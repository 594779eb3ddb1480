"""Data-quality section: records ingested per topic, dead-lettered by reason, headlines scored, and what each
backfill and re-score read."""

from __future__ import annotations

import pandas as pd

from lam_models.report import charts
from lam_models.report.collect import ReportData
from lam_models.report.markup import badge, count, esc, figure, section, table, unavailable


def quality_section(data: ReportData) -> str:
    parts = [_ingest(data.runs), _deadletter(data), _scored(data), _lineage(data.lineage)]
    return section("quality", "Data quality", "".join(parts),
                   "Counts reconcile when records in = bronze + dead-letter + already ingested.")


def _ingest(runs: pd.DataFrame | None) -> str:
    ingest = runs[runs["job"] == "ingest"] if runs is not None else None
    if ingest is None or ingest.empty:
        return "<h3>Ingested</h3>" + unavailable("no ingest run recorded", "Run `lam ingest news`.")
    rows = []
    for r in ingest.to_dict("records"):
        records_in, bronze = r.get("records_in", 0), r.get("bronze", 0)
        dead, already = r.get("deadletter", 0), r.get("already_ingested", 0)
        ok = records_in == bronze + dead + already
        rows.append([f"<code>{esc(r['name'])}</code>", count(r["runs"]), count(records_in), count(bronze), count(dead),
                     count(already), badge("yes", "resolved") if ok else badge("no", "high")])
    return ("<h3>Ingested</h3>"
            + table(["topic", "runs", "records in", "bronze", "dead-letter", "already ingested", "reconciled"], rows,
                    table_id="ingest-table", cls="compact", numeric=(1, 2, 3, 4, 5))
            + '<p class="muted">Sums over each topic\'s recorded run history (the last 100 runs).</p>')


def _deadletter(data: ReportData) -> str:
    if data.deadletter is not None and len(data.deadletter):
        frame, source = data.deadletter, "the dead-letter table"
    else:
        frame, source = _reasons_from_runs(data.runs), "the ingest run history"
    if frame is None or frame.empty:
        if data.deadletter is not None or data.runs is not None:
            return "<h3>Dead-lettered by reason</h3><p class=\"muted\">No record was dead-lettered.</p>"
        return "<h3>Dead-lettered by reason</h3>" + unavailable("no dead-letter table", "Run `lam ingest`.")
    items = [(f"{r['topic']}: {r['kind']}", float(r["count"])) for r in frame.head(20).to_dict("records")]
    svg = charts.hbar_chart(items, kind="deadletter-reasons", label="dead-lettered records by topic and reason")
    rows = [[f"<code>{esc(r['topic'])}</code>", esc(r["kind"]), count(r["count"]), f'<span class="muted">{esc(r.get("example", ""))}</span>']
            for r in frame.to_dict("records")]
    return ("<h3>Dead-lettered by reason</h3>" + figure(svg, f"From {source}.")
            + table(["topic", "reason", "records", "example"], rows, table_id="deadletter-table", numeric=(2,)))


def _reasons_from_runs(runs: pd.DataFrame | None) -> pd.DataFrame | None:
    if runs is None or "reasons" not in runs:
        return None
    rows = [{"topic": r["name"], "kind": kind, "count": n, "example": ""}
            for r in runs[runs["job"] == "ingest"].to_dict("records") for kind, n in (r["reasons"] or {}).items()]
    return pd.DataFrame(rows).sort_values("count", ascending=False, ignore_index=True) if rows else None


def _scored(data: ReportData) -> str:
    summary = data.headlines
    if summary is None:
        return "<h3>Scored headlines</h3>" + unavailable("silver/news is empty", "Run `lam score`.")
    span = f" from {esc(summary['first'][:10])} to {esc(summary['last'][:10])}" if summary.get("first") else ""
    versions = ", ".join(f"<code>{esc(v)}</code> ({count(n)})" for v, n in summary["model_versions"].items())
    body = f"<p>{count(summary['rows'])} headlines in silver/news{span}; model versions: {versions or '–'}.</p>"
    score = data.runs[data.runs["job"] == "score"] if data.runs is not None else None
    if score is not None and len(score):
        r = score.iloc[0]
        body += (f'<p class="muted">Scoring job: {count(r.get("runs"))} batches, '
                 f'{count(r.get("rows_in"))} rows in, {count(r.get("rows_out"))} rows out.</p>')
    if summary.get("labels"):
        order = ("negative", "neutral", "positive")
        labels = sorted(summary["labels"].items(), key=lambda kv: order.index(kv[0]) if kv[0] in order else 9)
        shades = {"negative": charts.NEGATIVE, "neutral": charts.BASELINE, "positive": charts.COLORS[2]}
        body += figure(charts.hbar_chart([(k, float(v)) for k, v in labels], kind="label-counts",
                                         label="scored headlines by label",
                                         colors=[shades.get(k, charts.COLORS[0]) for k, _ in labels]),
                       "Headlines by predicted label.")
    else:
        body += unavailable("sentiment labels in silver/news", "The scoring job adds them.")
    return "<h3>Scored headlines</h3>" + body


def _lineage(lineage: pd.DataFrame | None) -> str:
    if lineage is None:
        return "<h3>Backfills and re-scores</h3><p class=\"muted\">No time-window backfill or re-score has run.</p>"
    rows = [[esc(r["committed"]), esc(r["job"]), f"<code>{esc(r['name'])}</code>", f"<code>{esc(r['table'])}@{r['version']}</code>",
             esc(r["window"]), f"<code>{esc(r['read'])}</code>"] for r in lineage.to_dict("records")]
    return ("<h3>Backfills and re-scores</h3>"
            + table(["committed", "job", "run", "wrote", "window", "read (table@version)"], rows, table_id="lineage-table")
            + '<p class="muted">Read those versions again with Delta time travel (<code>versionAsOf</code>) to reproduce a run.</p>')
