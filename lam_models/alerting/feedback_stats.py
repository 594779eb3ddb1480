"""Alert precision from analyst verdicts, per detector setting and per dominant topic (pure).

Precision is useful / judged alerts; an analyst may change a verdict, so only each alert's latest
verdict counts (the feedback topic is keyed by alert id, so topic order is verdict order per alert).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pandas as pd

BY_SETTING = ("detector", "kind", "window_size")
BY_TOPIC = ("topic",)
NO_DETECTOR = "unrecorded"
NO_TOPIC = -1
"""Topic of an alert whose window named none (outliers only, or scored before topics existed)."""


def latest_verdicts(records: Iterable[dict[str, Any]]) -> pd.DataFrame:
    """One row per judged alert with its latest verdict and what precision is grouped by.

    Args:
        records: feedback records (``schemas/feedback.json``) in topic order.

    Returns:
        Columns ``alert_id``, ``verdict``, ``detector``, ``kind``, ``window_size``, ``severity``,
        ``topic`` (the dominant topic id, ``NO_TOPIC`` when none), ``score`` (the detector's anomaly score
        of the alert window, NaN for alerts raised before it was recorded), sorted by alert id.
    """
    latest = {r["alert_id"]: r for r in records}
    rows = [{
        "alert_id": alert_id, "verdict": r["verdict"], "detector": r["alert"]["detector"] or NO_DETECTOR,
        "kind": r["alert"]["kind"], "window_size": r["alert"]["window_size"], "severity": r["alert"]["severity"],
        "topic": (r["alert"]["topics"] or [NO_TOPIC])[0], "score": r["alert"].get("score"),
    } for alert_id, r in sorted(latest.items())]
    columns = ["alert_id", "verdict", *BY_SETTING, "severity", "topic", "score"]
    return pd.DataFrame(rows, columns=columns).astype({"topic": "int64", "score": "float64"})


def precision(verdicts: pd.DataFrame, by: tuple[str, ...]) -> pd.DataFrame:
    """Judged alerts, useful and false-alarm counts and precision per group, most judged first.

    Args:
        verdicts: output of ``latest_verdicts``.
        by: grouping columns, e.g. ``BY_SETTING`` or ``BY_TOPIC``.
    """
    columns = [*by, "alerts", "useful", "false_alarm", "precision"]
    if verdicts.empty:
        return pd.DataFrame(columns=columns)
    useful = verdicts["verdict"] == "useful"
    table = verdicts.assign(useful=useful, false_alarm=~useful).groupby(list(by), as_index=False).agg(
        alerts=("alert_id", "size"), useful=("useful", "sum"), false_alarm=("false_alarm", "sum"))
    table["precision"] = (table["useful"] / table["alerts"]).round(4)
    return table.sort_values(["alerts", *by], ascending=[False, *[True] * len(by)], kind="stable",
                             ignore_index=True)[columns]
