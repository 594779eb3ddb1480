"""NAB's scoring protocol (Lavin & Ahmad 2015, NAB README), written from its description, vectorised.

Per file: the first 15 % of rows (at most 750) are probationary and not scored. A detection is a
row whose score is at least the threshold. Each anomaly window counts once, by its earliest
detection, at ``A_TP * sigma(y) / sigma(-1)`` with ``y`` the row's position relative to the window's
right end (-1 at the left edge); an undetected window costs ``-A_FN``. A detection outside every
window costs ``A_FP * sigma(y)`` with ``y`` its distance past the preceding window's right end in
that window's widths (``sigma`` is -1 with no preceding window), so detections just after a window
cost little. The threshold is swept over every distinct score to maximise the corpus total; the
normalised score is ``100 (S - S_null) / (S_perfect - S_null)``.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

PROBATIONARY_SHARE = 0.15
PROBATIONARY_CAP_ROWS = 750


@dataclass(frozen=True)
class Profile:
    """Weights of one NAB scoring profile (``config/profiles.json``: tpWeight, fnWeight, fpWeight)."""

    name: str
    tp: float
    fn: float
    fp: float


def scaled_sigmoid(position: np.ndarray) -> np.ndarray:
    """NAB's ``2 / (1 + e^{5y}) - 1``, and -1 once a false positive is more than 3 widths past a window."""
    position = np.asarray(position, dtype=np.float64)
    value = 2.0 / (1.0 + np.exp(np.clip(5.0 * position, -700, 700))) - 1.0
    return np.where(position > 3.0, -1.0, value)


def probationary_rows(n_rows: int) -> int:
    """Rows at the start of a file that are never scored."""
    return int(min(math.floor(PROBATIONARY_SHARE * n_rows), PROBATIONARY_SHARE * 5000))


@dataclass(frozen=True)
class FileLayout:
    """Per-row scoring facts of one file, independent of the detector and the profile.

    Attributes:
        window: int array (n,), index of the window holding the row, or -1 outside every window.
        tp_unit: row's true-positive weight per unit ``A_TP`` (1 at a window's left edge), 0 outside.
        fp_unit: row's false-positive factor (``sigma(y)``, in [-1, 1]) to multiply by ``A_FP``, 0 inside.
        scorable: bool array (n,), past the probationary period.
        windows: number of windows of the file.
    """

    window: np.ndarray
    tp_unit: np.ndarray
    fp_unit: np.ndarray
    scorable: np.ndarray
    windows: int


def file_layout(n_rows: int, window_rows: list[tuple[int, int]]) -> FileLayout:
    """Scoring facts of a file with ``n_rows`` rows and windows given as inclusive (left, right) rows.

    Raises:
        ValueError: windows overlap, are out of order or out of range.
    """
    window = np.full(n_rows, -1, dtype=np.int64)
    tp_unit = np.zeros(n_rows)
    fp_unit = np.full(n_rows, -1.0)
    max_tp = float(scaled_sigmoid(np.array(-1.0)))
    previous_right = -1
    rows = np.arange(n_rows)
    for k, (left, right) in enumerate(window_rows):
        if not 0 <= left <= right < n_rows or left <= previous_right:
            raise ValueError(f"window rows {(left, right)} are out of range or order (file has {n_rows} rows)")
        width = right - left + 1
        inside = rows[left:right + 1]
        window[left:right + 1] = k
        tp_unit[left:right + 1] = scaled_sigmoid(-(right - inside + 1) / width) / max_tp
        fp_unit[left:right + 1] = 0.0
        following_end = window_rows[k + 1][0] if k + 1 < len(window_rows) else n_rows
        after = rows[right + 1:following_end]
        if len(after):
            fp_unit[right + 1:following_end] = scaled_sigmoid(np.abs(right - after) / max(width - 1, 1))
        previous_right = right
    scorable = rows >= probationary_rows(n_rows)
    return FileLayout(window, tp_unit, fp_unit, scorable, len(window_rows))


def file_score(layout: FileLayout, scores: np.ndarray, threshold: float, profile: Profile) -> dict[str, float]:
    """Raw NAB score of one file at one threshold, with TP/FP/FN window and detection counts."""
    detected = (np.asarray(scores, dtype=np.float64) >= threshold) & layout.scorable
    in_window = detected & (layout.window >= 0)
    outside = detected & (layout.window < 0)
    total = profile.fp * float(layout.fp_unit[outside].sum())
    hit = np.zeros(layout.windows, dtype=bool)
    first = np.full(layout.windows, np.nan)
    for k in range(layout.windows):
        rows = np.flatnonzero(in_window & (layout.window == k))
        if len(rows):
            hit[k] = True
            first[k] = layout.tp_unit[rows[0]]
    total += profile.tp * float(np.nansum(first)) - profile.fn * float((~hit).sum())
    return {"score": total, "tp": int(hit.sum()), "fn": int((~hit).sum()), "fp": int(outside.sum())}


def sweep(layouts: list[FileLayout], scores: list[np.ndarray], profile: Profile) -> tuple[float, float]:
    """(best threshold, best corpus total) over every distinct score, as NAB's optimiser sweeps.

    The total at threshold t is the all-missed base plus, for every scorable row with score >= t,
    its false-positive cost (outside windows) or the rise it brings to its window's best detection.
    A threshold above every score (nothing detected) is a candidate too.
    """
    base = 0.0
    event_score, event_gain = [], []
    for layout, values in zip(layouts, scores):
        values = np.asarray(values, dtype=np.float64)
        keep = layout.scorable
        base -= profile.fn * layout.windows
        outside = keep & (layout.window < 0)
        event_score.append(values[outside])
        event_gain.append(profile.fp * layout.fp_unit[outside])
        inside = np.flatnonzero(keep & (layout.window >= 0))
        if len(inside):
            order = np.lexsort((inside, -values[inside], layout.window[inside]))
            rows = inside[order]
            win = layout.window[rows]
            gains = profile.tp * layout.tp_unit[rows]
            starts = np.r_[True, win[1:] != win[:-1]]
            group = np.cumsum(starts) - 1
            best = _grouped_cummax(gains, group)
            previous = np.where(starts, -profile.fn, np.r_[0.0, best[:-1]])
            event_score.append(values[rows])
            event_gain.append(best - previous)
    all_scores = np.concatenate(event_score) if event_score else np.zeros(0)
    all_gains = np.concatenate(event_gain) if event_gain else np.zeros(0)
    if not len(all_scores):
        return 1.0, base
    order = np.argsort(-all_scores, kind="stable")
    sorted_scores, totals = all_scores[order], base + np.cumsum(all_gains[order])
    last_of_value = np.r_[sorted_scores[1:] != sorted_scores[:-1], True]
    candidates, candidate_totals = sorted_scores[last_of_value], totals[last_of_value]
    best = int(np.argmax(candidate_totals))
    if candidate_totals[best] <= base:
        return float(sorted_scores[0]) + 1e-9, base
    return float(candidates[best]), float(candidate_totals[best])


def normalised(raw: float, layouts: list[FileLayout], profile: Profile) -> float:
    """``100 (S - S_null) / (S_perfect - S_null)``: null misses every window, perfect finds each at its left edge."""
    windows = sum(layout.windows for layout in layouts)
    null, perfect = -profile.fn * windows, profile.tp * windows
    return 100.0 * (raw - null) / (perfect - null) if windows else 0.0


def _grouped_cummax(values: np.ndarray, group: np.ndarray) -> np.ndarray:
    """Running maximum of ``values`` restarting at each new ``group`` (groups are contiguous)."""
    offset = (group * (np.abs(values).max() * 4 + 4)) if len(values) else group
    return np.maximum.accumulate(values + offset) - offset


def load_profiles(path: str | Path) -> dict[str, Profile]:
    """NAB's ``config/profiles.json`` as profile name -> weights."""
    raw = json.loads(Path(path).read_text())
    return {name: Profile(name, float(p["CostMatrix"]["tpWeight"]), float(p["CostMatrix"]["fnWeight"]),
                          float(p["CostMatrix"]["fpWeight"])) for name, p in raw.items()}


def optimise(layouts: list[FileLayout], scores: list[np.ndarray], profile: Profile) -> dict[str, float]:
    """Best threshold over the corpus, its raw total and the normalised score (NAB's reported figure)."""
    threshold, raw = sweep(layouts, scores, profile)
    return {"threshold": threshold, "raw": raw, "normalised": normalised(raw, layouts, profile)}
