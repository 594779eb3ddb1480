"""Event-time tumbling windows per generic key (``market``, ``ticker:AAPL``, later ``topic:3``): vectorised.

A headline counts once toward the market key and once toward each distinct key of its key columns
(by default its tickers). Headlines without tickers therefore reach the market key only.
"""

from __future__ import annotations

from collections.abc import Mapping
from itertools import chain

import numpy as np
import pandas as pd

from lam_models.monitor.config import MARKET_KEY, key_kind, window_nanos

REQUIRED_COLUMNS = ("id", "tickers", "headline", "published_at", "label", "score")
DEFAULT_KEY_COLUMNS: Mapping[str, str] = {"tickers": "ticker"}
WINDOW_COLUMNS = (
    "key", "kind", "window_size", "window_index", "window_start", "window_end",
    "count", "negative_count", "negative_share", "mean_score",
)


def validate_scored(frame: pd.DataFrame, key_columns: Mapping[str, str] = DEFAULT_KEY_COLUMNS) -> None:
    """Raise ValueError, saying how to fix it, when ``frame`` breaks the scored-headline contract.

    Args:
        frame: scored headlines; see ``explode_keys``.
        key_columns: extra key columns that must be present.
    """
    missing = [c for c in (*REQUIRED_COLUMNS, *key_columns) if c not in frame.columns]
    if missing:
        raise ValueError(f"scored headlines lack columns {missing}; the scoring job writes {list(REQUIRED_COLUMNS)}")
    published = frame["published_at"]
    if not isinstance(published.dtype, pd.DatetimeTZDtype):
        raise ValueError(
            f"published_at must be tz-aware datetimes (got {published.dtype}); "
            "parse with pd.to_datetime(..., utc=True) or call .dt.tz_localize('UTC')"
        )


def explode_keys(frame: pd.DataFrame, key_columns: Mapping[str, str] = DEFAULT_KEY_COLUMNS) -> pd.DataFrame:
    """One row per (headline, key): the market key for every headline plus one per distinct key value.

    Args:
        frame: scored headlines with ``id``, ``tickers`` (list of str, may be empty or None),
            ``headline``, ``published_at`` (tz-aware), ``label`` and ``score`` (float in [-1, 1]).
            Rows with a missing ``published_at`` or ``score`` are left out.
        key_columns: column -> key kind; a cell may be a list of names or one scalar name.
            ``{"tickers": "ticker"}`` gives keys ``ticker:AAPL``; add ``{"topic": "topic"}`` later.

    Returns:
        Frame sorted by nothing in particular, columns ``row`` (int64 position in ``frame``),
        ``key`` (categorical of key strings, ``market`` first), ``ts`` (int64 UTC nanoseconds),
        ``negative`` (bool) and ``score`` (float64).
    """
    validate_scored(frame, key_columns)
    ts = frame["published_at"].dt.tz_convert("UTC").array.asi8
    score = frame["score"].to_numpy(dtype=np.float64, na_value=np.nan)
    valid = (frame["published_at"].notna().to_numpy()) & np.isfinite(score)
    rows = [np.flatnonzero(valid)]
    codes = [np.zeros(len(rows[0]), dtype=np.int64)]
    names = [MARKET_KEY]
    for column, kind in key_columns.items():
        row, values = _flatten_cells(frame[column].to_numpy(dtype=object))
        keep = valid[row]
        row, values = row[keep], values[keep]
        value_codes, uniques = pd.factorize(values, sort=True)
        pair = pd.Series(row * max(len(uniques), 1) + value_codes)
        first = ~pair.duplicated().to_numpy()
        rows.append(row[first])
        codes.append(value_codes[first].astype(np.int64) + len(names))
        names.extend(f"{kind}:{_name(name)}" for name in uniques)
    row = np.concatenate(rows)
    code = np.concatenate(codes)
    negative = (frame["label"].to_numpy(dtype=object) == "negative")
    return pd.DataFrame({
        "row": row,
        "key": pd.Categorical.from_codes(code, categories=pd.Index(names, dtype=object)),
        "ts": ts[row],
        "negative": negative[row],
        "score": score[row],
    })


def window_stats(keyed: pd.DataFrame, window_size: str) -> pd.DataFrame:
    """Count, negative count/share and mean signed score per (key, window) of one size.

    Args:
        keyed: output of ``explode_keys``.
        window_size: tumbling window length, e.g. ``"1h"``; windows are aligned to the Unix epoch.

    Returns:
        One row per non-empty window, sorted by key code then window index, with ``WINDOW_COLUMNS``.
        ``window_index`` is ``floor(start / size)``; a gap between indices is a run of empty windows.
    """
    size = window_nanos(window_size)
    widx = np.floor_divide(keyed["ts"].to_numpy(), size)
    code = keyed["key"].cat.codes.to_numpy().astype(np.int64)
    if len(widx) == 0:
        return _empty_windows()
    span = int(widx.max() - widx.min()) + 1
    combined = code * span + (widx - widx.min())
    uniq, inverse, count = np.unique(combined, return_inverse=True, return_counts=True)
    negative = np.bincount(inverse, weights=keyed["negative"].to_numpy(), minlength=len(uniq))
    score_sum = np.bincount(inverse, weights=keyed["score"].to_numpy(), minlength=len(uniq))
    key_code = uniq // span
    window_index = uniq % span + widx.min()
    categories = keyed["key"].cat.categories
    key = pd.Categorical.from_codes(key_code, categories=categories)
    kinds = np.array([key_kind(k) for k in categories], dtype=object)
    start = pd.Series((window_index * size).astype("datetime64[ns]")).dt.tz_localize("UTC")
    return pd.DataFrame({
        "key": key,
        "kind": kinds[key_code],
        "window_size": window_size,
        "window_index": window_index.astype(np.int64),
        "window_start": start,
        "window_end": start + pd.Timedelta(size, unit="ns"),
        "count": count.astype(np.int64),
        "negative_count": negative.astype(np.int64),
        "negative_share": negative / count,
        "mean_score": score_sum / count,
    })


def compute_windows(frame: pd.DataFrame, window_sizes: tuple[str, ...],
                    key_columns: Mapping[str, str] = DEFAULT_KEY_COLUMNS) -> pd.DataFrame:
    """Windows of every size for every key, concatenated (sizes in the given order).

    Args:
        frame: scored headlines (see ``explode_keys``).
        window_sizes: e.g. ``("1h", "1d")``.
        key_columns: column -> key kind.

    Returns:
        ``WINDOW_COLUMNS`` rows sorted by (window size, key, window index), fresh RangeIndex.
    """
    keyed = explode_keys(frame, key_columns)
    parts = [window_stats(keyed, size) for size in window_sizes]
    return pd.concat(parts, ignore_index=True) if parts else _empty_windows()


def _flatten_cells(cells: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(row position, name) for every non-empty name in list-or-scalar cells; None/NaN/'' dropped."""
    if set(map(type, cells)) <= {list, tuple, np.ndarray}:
        lists = cells
    else:
        lists = [list(c) if isinstance(c, (list, tuple, np.ndarray)) else [c] for c in cells]
    lengths = np.fromiter(map(len, lists), dtype=np.int64, count=len(lists))
    row = np.repeat(np.arange(len(lists), dtype=np.int64), lengths)
    values = np.fromiter(chain.from_iterable(lists), dtype=object, count=int(lengths.sum()))
    keep = ~pd.isna(values) & (values != "")
    return row[keep], values[keep]


def _name(value: object) -> str:
    """Key name of a cell value; whole floats (an int column with gaps) lose their ``.0``."""
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return str(int(value))
    return str(value)


def _empty_windows() -> pd.DataFrame:
    frame = pd.DataFrame({c: pd.Series(dtype=object) for c in WINDOW_COLUMNS})
    for column in ("window_index", "count", "negative_count"):
        frame[column] = frame[column].astype(np.int64)
    for column in ("negative_share", "mean_score"):
        frame[column] = frame[column].astype(np.float64)
    for column in ("window_start", "window_end"):
        frame[column] = pd.to_datetime(frame[column], utc=True)
    return frame
