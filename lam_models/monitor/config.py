"""Tuned constants of the sentiment monitor in one frozen, validated, serialisable dataclass."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, fields, replace
from typing import Any, Literal

import pandas as pd

MARKET_KEY = "market"
"""Key of the market-wide series: every headline counts toward it exactly once."""

TICKER_PREFIX = "ticker:"
"""Prefix of per-ticker keys, e.g. ``ticker:AAPL``. Keys are generic ``kind:name`` strings."""

TOPIC_PREFIX = "topic:"
"""Prefix of per-topic keys, e.g. ``topic:7`` (the outlier topic -1 has no key)."""

TICKER_TOPIC_PREFIX = "ticker_topic:"
"""Prefix of (ticker, topic) keys, e.g. ``ticker_topic:AAPL@7``: breadth and dominant topics, never alerts."""


@dataclass(frozen=True)
class MonitorConfig:
    """Every tuned constant of the windowed detector and of its univariate NAB adaptation.

    Attributes:
        window_sizes: tumbling event-time window sizes (pandas offsets, e.g. ``"1h"``, ``"1d"``),
            aligned to the Unix epoch in UTC.
        baseline_alpha: EWMA weight of one window in the per-key baseline (memory ~ 1/alpha windows);
            empty windows decay the history as well.
        huber_c: a window updates the baseline with its share clipped to baseline +- huber_c * spread,
            so a spike barely contaminates the baseline it is judged against.
        prior_negative_share: negative share a key is assumed to have before it has history.
        prior_strength: pseudo-headlines of that prior (shrinkage). A window of n headlines moves the
            shrunk share by at most n / (n + prior_strength); with 20, three headlines move it < 0.14.
        spread_floor: smallest between-window standard deviation of the negative share.
        min_volume: fewest headlines in a window for it to fire.
        z_threshold: fewest standard deviations above the baseline for a window to fire.
        min_move: smallest rise of the shrunk negative share over the baseline for a window to fire.
        severity_z: z from which an alert is ``medium`` and ``high`` (below: ``low``).
        cooldown_windows: windows after firing during which the key cannot fire again.
        calm_windows: consecutive windows without a spike needed to resolve an alert.
        top_k: headlines kept as evidence per alert (most negative first, then most recent).
        nab_method: univariate baseline of the NAB detector: robust median/MAD or EWMA mean/variance.
        nab_horizon: trailing records in the median/MAD baseline.
        nab_alpha: EWMA weight of one record in the EWMA univariate baseline.
        nab_min_history: records seen before the NAB detector scores anything but 0.
        nab_two_sided: score drops as well as rises (NAB anomalies go both ways).
        multi_ticker_weight: what a headline naming n tickers adds to each ticker's window:
            ``full`` (1 each) or ``split`` (1/n each); it always counts once toward the market.
        topic_min_tickers: fewest distinct tickers with negative headlines of a topic in a spiking
            topic window for it to raise a topic-level alert (kind ``topic``).
        topic_explains_share: a ticker or market spike whose negative headlines come at least this
            much from topics alerting in the same window is folded into those topic alerts.
        dominant_topics: topics named (with their shares) by every alert.
    """

    window_sizes: tuple[str, ...] = ("1h", "1d")
    baseline_alpha: float = 0.03
    huber_c: float = 2.0
    prior_negative_share: float = 0.3
    prior_strength: float = 20.0
    spread_floor: float = 0.03
    min_volume: int = 5
    z_threshold: float = 3.0
    min_move: float = 0.15
    severity_z: tuple[float, float] = (4.5, 6.0)
    cooldown_windows: int = 3
    calm_windows: int = 2
    top_k: int = 5
    nab_method: Literal["median_mad", "ewma"] = "median_mad"
    nab_horizon: int = 200
    nab_alpha: float = 0.02
    nab_min_history: int = 20
    nab_two_sided: bool = True
    multi_ticker_weight: Literal["full", "split"] = "full"
    topic_min_tickers: int = 5
    topic_explains_share: float = 0.5
    dominant_topics: int = 3

    def __post_init__(self) -> None:
        if not self.window_sizes:
            raise ValueError("window_sizes is empty: give at least one size, e.g. ('1h',)")
        for size in self.window_sizes:
            window_nanos(size)
        if len(set(self.window_sizes)) != len(self.window_sizes):
            raise ValueError(f"window_sizes has duplicates: {self.window_sizes}")
        _check_open_unit("baseline_alpha", self.baseline_alpha)
        _check_open_unit("nab_alpha", self.nab_alpha)
        _check_open_unit("prior_negative_share", self.prior_negative_share)
        for name in ("huber_c", "prior_strength", "spread_floor", "z_threshold"):
            if not getattr(self, name) > 0:
                raise ValueError(f"{name} must be > 0, got {getattr(self, name)!r}")
        if not 0 <= self.min_move < 1:
            raise ValueError(f"min_move is a rise in negative share, in [0, 1); got {self.min_move!r}")
        low, high = self.severity_z
        if not self.z_threshold <= low <= high:
            raise ValueError(f"severity_z must satisfy z_threshold <= medium <= high; got {self.severity_z}")
        for name in ("min_volume", "cooldown_windows", "calm_windows", "top_k", "nab_horizon", "topic_min_tickers",
                     "dominant_topics"):
            if int(getattr(self, name)) < 1:
                raise ValueError(f"{name} must be >= 1, got {getattr(self, name)!r}")
        if self.nab_min_history < 2:
            raise ValueError(f"nab_min_history must be >= 2, got {self.nab_min_history!r}")
        if self.nab_method not in ("median_mad", "ewma"):
            raise ValueError(f"nab_method must be 'median_mad' or 'ewma', got {self.nab_method!r}")
        if self.multi_ticker_weight not in ("full", "split"):
            raise ValueError(f"multi_ticker_weight must be 'full' or 'split', got {self.multi_ticker_weight!r}")
        if not 0 < self.topic_explains_share <= 1:
            raise ValueError(f"topic_explains_share must be in (0, 1], got {self.topic_explains_share!r}")

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-serialisable dict (tuples become lists)."""
        return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(self).items()}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> MonitorConfig:
        """Build from ``to_dict`` output or a settings section; unknown keys raise ValueError."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"unknown MonitorConfig fields {unknown}; known: {sorted(known)}")
        values = {k: tuple(v) if isinstance(v, list) else v for k, v in data.items()}
        return cls(**values)

    def update(self, **changes: Any) -> MonitorConfig:
        """A copy with some fields changed (validated again)."""
        return replace(self, **changes)


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


def detector_id(config: MonitorConfig) -> str:
    """Short content hash of a detector setting, so feedback can be grouped by the setting that alerted."""
    text = json.dumps(config.to_dict(), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


def key_kind(key: str) -> str:
    """Kind of a generic key: ``"market"`` for the market key, else the text before ``":"``."""
    if key == MARKET_KEY:
        return MARKET_KEY
    kind, sep, _ = key.partition(":")
    if not sep or not kind:
        raise ValueError(f"key {key!r} is neither {MARKET_KEY!r} nor of the form 'kind:name'")
    return kind


def _check_open_unit(name: str, value: float) -> None:
    if not 0 < value < 1:
        raise ValueError(f"{name} must be in (0, 1), got {value!r}")
