"""Tiny in-memory fixtures for the monitor tests: scored-headline frames built from short specs."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pandas as pd
import pytest

Row = tuple[str, Sequence[str] | None, str, str]
"""(published_at ISO, tickers, label, id)."""

_SCORE = {"negative": -0.8, "neutral": 0.0, "positive": 0.7}


def frame_from_rows(rows: Sequence[Row]) -> pd.DataFrame:
    """Scored headlines from (published_at, tickers, label, id) rows; probabilities follow the label."""
    labels = [r[2] for r in rows]
    score = [_SCORE[label] for label in labels]
    return pd.DataFrame({
        "id": [r[3] for r in rows],
        "tickers": [None if r[1] is None else list(r[1]) for r in rows],
        "headline": [f"headline {r[3]}" for r in rows],
        "published_at": pd.to_datetime([r[0] for r in rows], utc=True),
        "p_negative": [max(-s, 0.0) + 0.1 for s in score],
        "p_neutral": [0.8 - abs(s) for s in score],
        "p_positive": [max(s, 0.0) + 0.1 for s in score],
        "label": labels,
        "score": score,
    })


@pytest.fixture
def make_frame() -> Callable[[Sequence[Row]], pd.DataFrame]:
    """Factory fixture: ``make_frame(rows)`` -> scored-headline frame."""
    return frame_from_rows


def hourly_background(key_ticker: str | None, hours: int, per_hour: int, negative_every: int,
                      start: str = "2024-01-01") -> list[Row]:
    """Deterministic background: ``per_hour`` headlines an hour, every ``negative_every``-th negative."""
    rows: list[Row] = []
    t0 = pd.Timestamp(start, tz="UTC")
    tickers = None if key_ticker is None else [key_ticker]
    for h in range(hours):
        for i in range(per_hour):
            n = h * per_hour + i
            label = "negative" if n % negative_every == 0 else ("positive" if n % 2 else "neutral")
            ts = t0 + pd.Timedelta(hours=h) + pd.Timedelta(minutes=int(60 * i / per_hour))
            rows.append((ts.isoformat(), tickers, label, f"bg-{key_ticker}-{n}"))
    return rows


@pytest.fixture
def background() -> Callable[..., list[Row]]:
    """Factory fixture: ``background(ticker, hours, per_hour, negative_every)`` -> rows."""
    return hourly_background
