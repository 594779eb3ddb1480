"""What an interaction event is worth to the recommender: event types -> rating-scale strength -> sample weight (pure).

The interactions contract has ``view | click | purchase | rating`` events. A rating keeps its
value; an implicit event gets its type's strength from the settings (default view 1, click 2,
purchase 4, on the 0.5-5 rating scale), so a view no longer counts like a 5-star rating. Per
(user, item) the explicit rating wins, else the strongest implicit event (a purchase after views
is a purchase). The sample weight LightFM trains with is the strength over the top of the scale
(implicit-feedback confidence), times an optional recency decay. Frames without an ``event``
column (MovieLens) are ratings and pass through unchanged.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from lam_models.recsys.config import RecsysConfig

EVENT_TYPES = ("rating", "view", "click", "purchase")
"""The ``event`` values of ``schemas/interactions.json``."""
SECONDS_PER_DAY = 86400.0


def event_strengths(events: pd.DataFrame, config: RecsysConfig) -> tuple[pd.DataFrame, dict[str, int]]:
    """``events`` with ``rating`` set to each event's strength, one row per (user, item), and the rows dropped.

    Args:
        events: ``user_id, item_id, event, rating[, timestamp]``; ``rating`` is read for rating events only.
        config: the strength of each implicit event type (``view_weight``, ``click_weight``, ``purchase_weight``).

    Raises:
        ValueError: an event type outside ``EVENT_TYPES`` (the trainer refuses to guess what it is worth).
    """
    if "event" not in events.columns:
        return events, {}
    kinds = events["event"].astype(str)
    unknown = sorted(set(kinds.unique()) - set(EVENT_TYPES))
    if unknown:
        raise ValueError(f"unknown interaction event types {unknown} ({int(kinds.isin(unknown).sum())} rows): "
                         f"the trainer knows {list(EVENT_TYPES)}; drop them at ingest or map them to one of these")
    implicit = {"view": config.view_weight, "click": config.click_weight, "purchase": config.purchase_weight}
    explicit = (kinds == "rating").to_numpy()
    strength = np.where(explicit, pd.to_numeric(events["rating"], errors="coerce"), kinds.map(implicit).astype(float))
    frame = events.drop(columns="event").assign(rating=strength)
    pair = [frame["user_id"], frame["item_id"]]
    rated = pd.Series(explicit & np.isfinite(strength), index=frame.index).groupby(pair).transform("any").to_numpy()
    by_strength = frame[~explicit].sort_values(["rating", *(["timestamp"] if "timestamp" in frame.columns else [])], kind="stable")
    weaker = by_strength.index[by_strength.duplicated(["user_id", "item_id"], keep="last")]
    drop = (~explicit & rated) | frame.index.isin(weaker)
    dropped = {"implicit event of a rated or more strongly used (user_id, item_id)": int(drop.sum())} if drop.any() else {}
    return frame[~drop].reset_index(drop=True), dropped


def sample_weights(events: pd.DataFrame, config: RecsysConfig, max_rating: float) -> np.ndarray:
    """Per-event LightFM sample weights: strength / ``max_rating`` (or 1 when ``rating_weights`` is off),
    halved every ``recency_half_life_days`` of age before the newest event (0 = no decay).

    Returns:
        float32 (len(events),).
    """
    weights = (events["rating"].to_numpy(np.float32) / max_rating if config.rating_weights
               else np.ones(len(events), np.float32))
    if config.recency_half_life_days > 0 and "timestamp" in events.columns and len(events):
        stamps = events["timestamp"].to_numpy(np.float64)
        age_days = (stamps.max() - stamps) / SECONDS_PER_DAY
        weights = weights * np.power(0.5, age_days / config.recency_half_life_days).astype(np.float32)
    return weights.astype(np.float32)
