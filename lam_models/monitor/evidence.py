"""Evidence of an alert: the headlines that explain its window, most negative first, then most recent."""

from __future__ import annotations

import numpy as np
import pandas as pd

from lam_models.monitor.config import window_nanos
from lam_models.monitor.state import iso_utc

EvidenceKey = tuple[str, str, int]
"""(key, window size, window index) of one alert window."""


def top_headlines(frame: pd.DataFrame, keyed: pd.DataFrame, targets: list[EvidenceKey],
                  top_k: int) -> dict[EvidenceKey, list[dict[str, object]]]:
    """Top ``top_k`` headlines of each target window, ordered deterministically.

    Order: signed score ascending (most negative first), then ``published_at`` descending (most
    recent first), then ``id`` ascending, so equal inputs give equal evidence in any row order.

    Args:
        frame: scored headlines (``id``, ``headline``, ``score``, ``published_at``).
        keyed: ``explode_keys(frame)``.
        targets: windows to explain.
        top_k: headlines per window (>= 1).

    Returns:
        Target -> list of ``{"id", "headline", "score", "published_at"}`` (ISO UTC string); every
        target is present, with an empty list if its window has no headlines in ``frame``.
    """
    result: dict[EvidenceKey, list[dict[str, object]]] = {t: [] for t in targets}
    if not targets or keyed.empty:
        return result
    wanted = pd.DataFrame(targets, columns=["key", "window_size", "window_index"])
    codes = pd.Series(np.arange(len(keyed["key"].cat.categories)), index=keyed["key"].cat.categories)
    wanted["code"] = codes.reindex(wanted["key"]).to_numpy()
    wanted = wanted.dropna(subset=["code"]).astype({"code": np.int64})
    key_code = keyed["key"].cat.codes.to_numpy().astype(np.int64)
    parts = []
    for size, group in wanted.groupby("window_size", sort=False):
        subset = np.flatnonzero(np.isin(key_code, group["code"].unique()))
        candidates = pd.DataFrame({
            "code": key_code[subset],
            "window_index": np.floor_divide(keyed["ts"].to_numpy()[subset], window_nanos(str(size))),
            "row": keyed["row"].to_numpy()[subset],
        })
        hits = candidates.merge(group[["code", "window_index", "key", "window_size"]], on=["code", "window_index"])
        parts.append(hits)
    hits = pd.concat(parts, ignore_index=True)
    if hits.empty:
        return result
    rows = hits["row"].to_numpy()
    hits["id"] = frame["id"].to_numpy(dtype=object)[rows].astype(str)
    hits["headline"] = frame["headline"].to_numpy(dtype=object)[rows]
    hits["score"] = frame["score"].to_numpy(dtype=np.float64)[rows]
    hits["ts"] = frame["published_at"].dt.tz_convert("UTC").dt.as_unit("ns").array.asi8[rows]
    hits = hits.sort_values(["key", "window_size", "window_index", "score", "ts", "id"],
                            ascending=[True, True, True, True, False, True], kind="stable")
    hits = hits.groupby(["key", "window_size", "window_index"], sort=False).head(top_k)
    for row in hits.itertuples(index=False):
        result[(row.key, row.window_size, int(row.window_index))].append({
            "id": row.id,
            "headline": str(row.headline),
            "score": round(float(row.score), 6),
            "published_at": iso_utc(int(row.ts)),
        })
    return result
