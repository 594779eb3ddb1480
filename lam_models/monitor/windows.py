"""Event-time tumbling windows per generic key (``market``, ``ticker:AAPL``, ``topic:3``, ``ticker_topic:AAPL@3``).

A headline counts once toward the market key and toward each distinct key of its key columns (its
tickers, and its topic when scored with one), with weight 1 or 1/n over its n tickers. Headlines
without tickers therefore reach the market key (and their topic) only. Vectorised.
"""

from __future__ import annotations

from collections.abc import Mapping
from itertools import chain

import numpy as np
import pandas as pd

from lam_models.monitor.config import MARKET_KEY, TICKER_TOPIC_PREFIX, key_kind, window_nanos

REQUIRED_COLUMNS = ("id", "tickers", "headline", "published_at", "label", "score")
DEFAULT_KEY_COLUMNS: Mapping[str, str] = {"tickers": "ticker"}
TOPIC_COLUMN = "topic_id"
OUTLIER_TOPIC = -1
_DROPPED = {"topic": str(OUTLIER_TOPIC)}
"""Values that get no key of their kind: the outlier topic is not a topic."""
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


def monitor_key_columns(frame: pd.DataFrame) -> Mapping[str, str]:
    """Tickers, plus topics (and so (ticker, topic) pairs) once the scoring job writes ``topic_id``."""
    return {**DEFAULT_KEY_COLUMNS, TOPIC_COLUMN: "topic"} if TOPIC_COLUMN in frame.columns else DEFAULT_KEY_COLUMNS


def explode_keys(frame: pd.DataFrame, key_columns: Mapping[str, str] = DEFAULT_KEY_COLUMNS,
                 multi_ticker_weight: str = "full") -> pd.DataFrame:
    """One row per (headline, key): the market key for every headline plus one per distinct key value.

    Args:
        frame: scored headlines with ``id``, ``tickers`` (list of str, may be empty or None),
            ``headline``, ``published_at`` (tz-aware), ``label`` and ``score`` (float in [-1, 1]).
            Rows with a missing ``published_at`` or ``score`` are left out.
        key_columns: column -> key kind; a cell may be a list of names or one scalar name.
            ``{"tickers": "ticker"}`` gives keys ``ticker:AAPL``; ``{"topic_id": "topic"}`` adds
            ``topic:7`` (the outlier topic -1 gets no key) and, beside tickers, ``ticker_topic:AAPL@7``.
        multi_ticker_weight: ``full``: a headline weighs 1 in each of its keys; ``split``: 1/n in
            each of the n distinct values of a list column (the market key always gets 1).

    Returns:
        Frame sorted by nothing in particular, columns ``row`` (int64 position in ``frame``),
        ``key`` (categorical of key strings, ``market`` first), ``ts`` (int64 UTC nanoseconds),
        ``negative`` (bool), ``score`` (float64) and ``weight`` (float64).
    """
    validate_scored(frame, key_columns)
    ts = frame["published_at"].dt.tz_convert("UTC").dt.as_unit("ns").array.asi8
    score = frame["score"].to_numpy(dtype=np.float64, na_value=np.nan)
    valid = (frame["published_at"].notna().to_numpy()) & np.isfinite(score)
    market_rows = np.flatnonzero(valid)
    parts = [(market_rows, np.zeros(len(market_rows), dtype=np.int64), np.ones(len(market_rows)))]
    names = [MARKET_KEY]
    flats: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray, list[str]]] = {}
    for column, kind in key_columns.items():
        row, code, uniques = _distinct_values(frame[column].to_numpy(dtype=object), valid, drop=_DROPPED.get(kind))
        weight = _split_weights(row) if multi_ticker_weight == "split" else np.ones(len(row))
        flats[kind] = (row, code, weight, uniques)
        parts.append((row, code + len(names), weight))
        names.extend(f"{kind}:{name}" for name in uniques)
    if "ticker" in flats and "topic" in flats:
        row, code, weight, uniques = _pairs(flats["ticker"], flats["topic"])
        parts.append((row, code + len(names), weight))
        names.extend(f"{TICKER_TOPIC_PREFIX}{name}" for name in uniques)
    row = np.concatenate([p[0] for p in parts])
    code = np.concatenate([p[1] for p in parts])
    negative = (frame["label"].to_numpy(dtype=object) == "negative")
    return pd.DataFrame({
        "row": row,
        "key": pd.Categorical.from_codes(code, categories=pd.Index(names, dtype=object)),
        "ts": ts[row],
        "negative": negative[row],
        "score": score[row],
        "weight": np.concatenate([p[2] for p in parts]),
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
    uniq, inverse = np.unique(combined, return_inverse=True)
    weight = keyed["weight"].to_numpy() if "weight" in keyed.columns else np.ones(len(keyed))
    count = whole_counts(np.bincount(inverse, weights=weight, minlength=len(uniq)))
    negative = whole_counts(np.bincount(inverse, weights=weight * keyed["negative"].to_numpy(), minlength=len(uniq)))
    score_sum = np.bincount(inverse, weights=weight * keyed["score"].to_numpy(), minlength=len(uniq))
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
        "count": count,
        "negative_count": negative,
        "negative_share": negative / count,
        "mean_score": score_sum / count,
    })


def compute_windows(frame: pd.DataFrame, window_sizes: tuple[str, ...],
                    key_columns: Mapping[str, str] | None = None, multi_ticker_weight: str = "full") -> pd.DataFrame:
    """Windows of every size for every key, concatenated (sizes in the given order).

    Args:
        frame: scored headlines (see ``explode_keys``).
        window_sizes: e.g. ``("1h", "1d")``.
        key_columns: column -> key kind; None: ``monitor_key_columns(frame)``.
        multi_ticker_weight: ``full`` or ``split`` (see ``explode_keys``).

    Returns:
        ``WINDOW_COLUMNS`` rows sorted by (window size, key, window index), fresh RangeIndex.
    """
    keyed = explode_keys(frame, monitor_key_columns(frame) if key_columns is None else key_columns, multi_ticker_weight)
    parts = [window_stats(keyed, size) for size in window_sizes]
    return pd.concat(parts, ignore_index=True) if parts else _empty_windows()


def _distinct_values(cells: np.ndarray, valid: np.ndarray, drop: str | None) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """(row, value code, value names) of the distinct non-empty values of each valid row's cell."""
    row, values = _flatten_cells(cells)
    keep = valid[row]
    codes, uniques = pd.factorize(values[keep], sort=True)
    row = row[keep]
    names = [_name(u) for u in uniques]
    wanted = np.array([name != drop for name in names] + [False], dtype=bool)[codes]
    row, codes = row[wanted], codes[wanted].astype(np.int64)
    first = ~pd.Series(row * max(len(names), 1) + codes).duplicated().to_numpy()
    return row[first], codes[first], names


def _split_weights(row: np.ndarray) -> np.ndarray:
    """1/n for each of the n values a row has."""
    counts = np.bincount(row) if len(row) else np.zeros(0, dtype=np.int64)
    return 1.0 / counts[row]


def _pairs(tickers: tuple, topics: tuple) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[str]]:
    """(ticker, topic) values: every ticker of a headline paired with its topic, at the ticker's weight."""
    t_row, t_code, t_weight, t_names = tickers
    p_row, p_code, _, p_names = topics
    topic_of = np.full(int(max(t_row.max(initial=-1), p_row.max(initial=-1))) + 1, -1, dtype=np.int64)
    topic_of[p_row] = p_code
    pair_topic = topic_of[t_row]
    keep = pair_topic >= 0
    combined = t_code[keep] * max(len(p_names), 1) + pair_topic[keep]
    codes, uniques = pd.factorize(combined, sort=True)
    names = [f"{t_names[c // max(len(p_names), 1)]}@{p_names[c % max(len(p_names), 1)]}" for c in uniques]
    return t_row[keep], codes.astype(np.int64), t_weight[keep], names


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


def whole_counts(values: np.ndarray) -> np.ndarray:
    """Weighted sums as int64 when every one is whole (the default weights), else float64."""
    return values.astype(np.int64) if np.all(values == np.round(values)) else values


def _empty_windows() -> pd.DataFrame:
    frame = pd.DataFrame({c: pd.Series(dtype=object) for c in WINDOW_COLUMNS})
    for column in ("window_index", "count", "negative_count"):
        frame[column] = frame[column].astype(np.int64)
    for column in ("negative_share", "mean_score"):
        frame[column] = frame[column].astype(np.float64)
    for column in ("window_start", "window_end"):
        frame[column] = pd.to_datetime(frame[column], utc=True)
    return frame
