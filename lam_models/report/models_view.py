"""Model sections: the sentiment model's per-class metrics and confusion matrix, the recommender
against its baselines."""

from __future__ import annotations

import math
from typing import Any

from lam_models.report import charts
from lam_models.report.collect import ReportData
from lam_models.report.markup import badge, count, esc, figure, num, section, table, unavailable

RECSYS_METRICS = ("precision", "recall", "ndcg", "map", "auc", "coverage", "diversity")
RECSYS_CHARTED = ("precision", "recall", "ndcg", "map", "auc", "coverage")
RECSYS_COSTS = ("fit_seconds", "rank_seconds")


def sentiment_section(data: ReportData) -> str:
    info = data.sentiment
    if info is None:
        return section("sentiment", "Sentiment model",
                       unavailable("no model version in the registry", "Train one with `lam train sentiment`."))
    metrics, version = info.get("metrics") or {}, info.get("version") or {}
    split = "test" if "test" in metrics else ("validation" if "validation" in metrics else None)
    status = badge("production", "resolved") if info.get("production") else badge("newest, not promoted", "low")
    facts = [f"<code>{esc(info['version_id'])}</code> {status}"]
    for name in ("method", "dataset", "base_model", "created_at"):
        if version.get(name):
            facts.append(f"{esc(name.replace('_', ' '))}: {esc(version[name])}")
    head = f'<p class="facts">{" · ".join(facts)}</p>'
    if split is None:
        return section("sentiment", "Sentiment model", head + unavailable("metrics.json has no test or validation split"))
    report = metrics[split]
    summary = [[esc(s), count(metrics[s].get("n")), num(metrics[s].get("accuracy"), 4), num(metrics[s].get("macro_f1"), 4)]
               for s in ("validation", "test") if s in metrics]
    per_class = report.get("per_class", {})
    labels = list(per_class)
    rows = [[esc(n), num(m["precision"], 4), num(m["recall"], 4), num(m["f1"], 4), count(m["support"])]
            for n, m in per_class.items()]
    bars = charts.grouped_bar_chart(labels, {m.replace("f1", "F1"): [per_class[n][m] for n in labels] for m in ("precision", "recall", "f1")},
                                    kind="class-metrics", label=f"per-class precision, recall and F1 ({split})")
    body = head + table(["split", "n", "accuracy", "macro-F1"], summary, table_id="sentiment-summary", cls="compact",
                        numeric=(1, 2, 3))
    body += '<div class="pair">' + figure(bars, f"Per-class precision, recall and F1 on {esc(split)}.")
    confusion = report.get("confusion_matrix")
    if confusion:
        heat = charts.heatmap(confusion["rows_true_cols_pred"], confusion["labels"], confusion["labels"],
                              kind="confusion", label=f"confusion matrix ({split})")
        body += figure(heat, f"Confusion matrix on {esc(split)}: rows true, columns predicted; shade = share of the row.")
    body += "</div>" + table(["class", "precision", "recall", "F1", "support"], rows, table_id="class-metrics",
                             cls="compact", numeric=(1, 2, 3, 4))
    training = metrics.get("training") or {}
    if training:
        body += (f'<p class="muted">Trained {count(training.get("steps"))} steps in {num(training.get("train_seconds"), 0)} s '
                 f'on {esc(training.get("device", "?"))}; best epoch {esc(training.get("best_epoch"))}; '
                 f'{count(training.get("trainable_params"))} of {count(training.get("total_params"))} parameters trained.</p>')
    return section("sentiment", "Sentiment model", body, f"Metrics of the version the scoring job serves ({esc(split)} split).")


def recsys_section(data: ReportData) -> str:
    evaluation = data.recsys
    if evaluation is None:
        return section("recommender", "Recommender", unavailable(
            "no recommender evaluation", "Save evaluate_recommenders() output as <registry>/recsys/evaluation.json "
            "or pass --recsys-evaluation FILE (bench/recsys.py writes one)."))
    k = (evaluation.get("config") or {}).get("k", 10)
    body = ""
    for protocol, models in evaluation["protocols"].items():
        body += _protocol_block(str(protocol), models, k)
    bars = evaluation.get("bars")
    if isinstance(bars, dict) and bars:
        rows = [[esc(name), num(b.get("hybrid"), 4), num(b.get("bar"), 4), badge("met", "resolved") if b.get("met") else badge("missed", "high")]
                for name, b in bars.items()]
        body += "<h3>Quality bars</h3>" + table(["check", "hybrid", "bar", ""], rows, table_id="recsys-bars", cls="compact", numeric=(1, 2))
    source = f'<p class="muted">From <code>{esc(evaluation.get("source", ""))}</code>.</p>'
    return section("recommender", "Recommender", body + source,
                   f"Hybrid LightFM + text features against its baselines; metrics @{esc(k)}, averaged over users. "
                   "Best value per column in bold.")


def _protocol_block(protocol: str, models: dict[str, dict[str, Any]], k: int) -> str:
    names = list(models)
    metrics = [m for m in RECSYS_METRICS if any(m in models[n] for n in names)]
    costs = [c for c in RECSYS_COSTS if any(c in models[n] for n in names)]
    best = {m: max((v for n in names if math.isfinite(v := _value(models[n], m))), default=math.nan) for m in metrics}
    rows, attrs = [], []
    for name in names:
        cells = [f"<strong>{esc(name)}</strong>" if name == "hybrid" else esc(name)]
        for m in metrics:
            text = num(_value(models[name], m), 4)
            cells.append(f"<strong>{text}</strong>" if _value(models[name], m) == best[m] else text)
        cells += [num(_value(models[name], c), 2) for c in costs]
        rows.append(cells)
        attrs.append(f'data-model="{esc(name)}"')
    headers = ["model", *(f"{m}@{k}" if m in ("precision", "recall", "ndcg", "map") else m for m in metrics),
               *(c.replace("_", " ") for c in costs)]
    charted = [m for m in RECSYS_CHARTED if m in metrics]
    svg = charts.grouped_bar_chart(charted, {n: [_value(models[n], m) for m in charted] for n in names},
                                   kind="recsys-metrics", label=f"recommender metrics, protocol {protocol}",
                                   highlight="hybrid", height=200)
    return (f'<h3>Protocol <code>{esc(protocol)}</code></h3>'
            + table(headers, rows, cls="recsys-table", row_attrs=attrs, numeric=tuple(range(1, len(headers))))
            + figure(svg, f"{esc(protocol)}: hybrid (outlined) against the baselines."))


def _value(metrics: dict[str, Any], name: str) -> float:
    value = metrics.get(name)
    try:
        return float(value) if value is not None else math.nan
    except (TypeError, ValueError):
        return math.nan
