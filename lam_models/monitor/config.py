"""Tuned constants of the sentiment monitor in one frozen, validated, serialisable pydantic model."""

from __future__ import annotations

import hashlib
import json
from typing import Literal, Self

import pandas as pd
from pydantic import Field, model_validator

from lam_models.config_model import FrozenConfig

MARKET_KEY = "market"
"""Key of the market-wide series: every headline counts toward it exactly once."""

TICKER_PREFIX = "ticker:"
"""Prefix of per-ticker keys, e.g. ``ticker:AAPL``. Keys are generic ``kind:name`` strings."""

TOPIC_PREFIX = "topic:"
"""Prefix of per-topic keys, e.g. ``topic:7`` (the outlier topic -1 has no key)."""

TICKER_TOPIC_PREFIX = "ticker_topic:"
"""Prefix of (ticker, topic) keys, e.g. ``ticker_topic:AAPL@7``: breadth and dominant topics, never alerts."""


class MonitorConfig(FrozenConfig):
    """Every tuned constant of the production monitor: windows, the detector, the alert rule, topics.

    The NAB adapter's own constants live in ``monitor.nab.config.NabConfig``; ``detector_id`` hashes
    only these, so an alert's ``detector`` names the setting that raised it.
    """

    window_sizes: tuple[str, ...] = Field(("1h", "1d"), description="tumbling event-time window sizes (pandas offsets, e.g. ``\"1h\"``, ``\"1d\"``), aligned to the Unix epoch in UTC; each must divide the largest.")
    level_windows: int = Field(20, description="past windows whose median is the expected level of the next one.")
    season_repeats: int = Field(3, description="earlier days (weeks) whose values at the same time give the seasonal expectation.")
    season_half_life: float = Field(300.0, description="windows over which the level's and the seasonal predictions' past errors fade; each window is judged against whichever has erred least.")
    shift_recent: int = Field(10, description="recent windows whose median stands for the current level (a level shift or trend).")
    shift_reference: int = Field(300, description="windows before those whose median is the level the current one is compared to (also the half-life of the past share that shrinkage pulls toward).")
    trend_recent: int = Field(1, description="like ``shift_recent`` at the slow scale that finds trends.")
    trend_reference: int = Field(1000, description="like ``shift_reference`` at the slow scale.")
    memory_half_life: float = Field(20000.0, description="windows over which the largest departure seen so far fades to half; a departure scores by how far it exceeds that faded record.")
    record_growth: float = Field(3.0, description="a record grows at most this factor per window, so one huge anomaly does not hide the next.")
    recent_half_life: float = Field(500.0, description="windows over which the short-memory record of plain departures fades to half.")
    recent_discount: float = Field(2.5, description="a ratio to the short-memory record counts divided by this.")
    rate_share: float = Field(0.3, description="a departure above this share of its record counts toward the spike rate.")
    rate_windows: int = Field(300, description="recent windows over which the spike rate is counted.")
    min_history: int = Field(5, description="windows a series needs before it scores anything but 0.")
    prior_strength: float = Field(25.0, description="pseudo-headlines of shrinkage: a window's negative share is pulled toward the key's past share as if ``prior_strength`` more headlines had it, so a handful barely moves it.")
    prior_value: float = Field(0.3, description="the share a key is assumed to have before its history (its past share is pulled toward it by ``prior_strength`` pseudo-headlines too).")
    alert_threshold: float = Field(0.4, description="score from which a window is a spike (the sensitivity; ``lam alerts tune`` picks it).")
    min_volume: int = Field(5, description="fewest headlines in a window for it to fire.")
    min_move: float = Field(0.15, description="smallest rise of the shrunk negative share over its expectation for a window to fire.")
    severity_scores: tuple[float, float] = Field((0.6, 0.75), description="scores from which an alert is ``medium`` and ``high`` (below: ``low``).")
    cooldown_windows: int = Field(3, description="windows after firing during which the key cannot fire again.")
    calm_windows: int = Field(2, description="consecutive windows without a spike needed to resolve an alert.")
    top_k: int = Field(5, description="headlines kept as evidence per alert (most negative first, then most recent).")
    multi_ticker_weight: Literal["full", "split"] = Field("full", description="what a headline naming n tickers adds to each ticker's window: ``full`` (1 each) or ``split`` (1/n each); it always counts once toward the market.")
    topic_min_tickers: int = Field(5, description="fewest distinct tickers with negative headlines of a topic in a spiking topic window for it to raise a topic-level alert (kind ``topic``).")
    topic_explains_share: float = Field(0.5, description="a ticker or market spike whose negative headlines come at least this much from topics alerting in the same window is folded into those topic alerts.")
    dominant_topics: int = Field(3, description="topics named (with their shares) by every alert.")

    @model_validator(mode="after")
    def _check(self) -> Self:
        if not self.window_sizes:
            raise ValueError("window_sizes is empty: give at least one size, e.g. ('1h',)")
        if len(set(self.window_sizes)) != len(self.window_sizes):
            raise ValueError(f"window_sizes has duplicates: {self.window_sizes}")
        group_span_seconds(self.window_sizes)
        for name in ("prior_strength", "memory_half_life", "season_half_life", "recent_half_life"):
            if not getattr(self, name) > 0:
                raise ValueError(f"{name} must be > 0, got {getattr(self, name)!r}")
        for name in ("record_growth", "recent_discount"):
            if not getattr(self, name) > 1:
                raise ValueError(f"{name} must be > 1, got {getattr(self, name)!r}")
        if not 0 < self.rate_share < 1:
            raise ValueError(f"rate_share must be in (0, 1), got {self.rate_share!r}")
        if not 0 <= self.min_move < 1:
            raise ValueError(f"min_move is a rise in negative share, in [0, 1); got {self.min_move!r}")
        medium, high = self.severity_scores
        if not 0 < self.alert_threshold <= medium <= high <= 1:
            raise ValueError("need 0 < alert_threshold <= severity_scores[0] <= severity_scores[1] <= 1; got "
                             f"{self.alert_threshold!r} and {self.severity_scores!r}")
        for name in ("level_windows", "shift_recent", "trend_recent", "trend_reference", "shift_reference", "season_repeats", "min_history", "min_volume",
                     "cooldown_windows", "calm_windows", "top_k", "rate_windows", "topic_min_tickers", "dominant_topics"):
            if int(getattr(self, name)) < 1:
                raise ValueError(f"{name} must be >= 1, got {getattr(self, name)!r}")
        if not 0 < self.topic_explains_share <= 1:
            raise ValueError(f"topic_explains_share must be in (0, 1], got {self.topic_explains_share!r}")
        return self


def window_nanos(size: str) -> int:
    """Length of a window size string in nanoseconds.

    Args:
        size: a pandas offset such as ``"15min"``, ``"1h"`` or ``"1d"``.

    Returns:
        The positive length in nanoseconds.

    Raises:
        ValueError: the size does not parse or is not positive.
    """
    try:
        nanos = int(pd.Timedelta(size).value)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"window size {size!r} does not parse; use a pandas offset like '1h' or '1d'") from exc
    if nanos <= 0:
        raise ValueError(f"window size {size!r} must be positive")
    return nanos


def group_span_seconds(window_sizes: tuple[str, ...]) -> int:
    """Seconds of the largest window size; every window of every size lies whole in one such span.

    Raises:
        ValueError: a size does not parse, is not whole seconds, or does not divide the largest.
    """
    nanos = [window_nanos(size) for size in window_sizes]
    largest = max(nanos)
    for size, value in zip(window_sizes, nanos):
        if value % 1_000_000_000 or largest % value:
            raise ValueError(f"window size {size!r} must be whole seconds dividing the largest size "
                             f"{window_sizes[nanos.index(largest)]!r}")
    return largest // 1_000_000_000


def detector_id(config: MonitorConfig) -> str:
    """Short content hash of a detector setting, so feedback can be grouped by the setting that alerted."""
    text = json.dumps(config.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


def key_kind(key: str) -> str:
    """Kind of a generic key: ``"market"`` for the market key, else the text before ``":"``."""
    if key == MARKET_KEY:
        return MARKET_KEY
    kind, sep, _ = key.partition(":")
    if not sep or not kind:
        raise ValueError(f"key {key!r} is neither {MARKET_KEY!r} nor of the form 'kind:name'")
    return kind
