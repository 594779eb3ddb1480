"""The replayed Benzinga stream for ``bench/monitor.py``: real timestamps and tickers, labelled by a cheap real model,
and negative spikes and slow trends injected on top of it.

The model is a TF-IDF + logistic regression trained on the PhraseBank 50agree train rows of the saved split: real
enough that the replay's negative share moves as a deployed model's would, cheap enough to train in seconds.
Injected headlines are replay headlines (with their model scores), so an injected window looks like a real one.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from lam_models.datasets import fetch, read_benzinga
from lam_models.monitor.config import MARKET_KEY, TICKER_PREFIX, window_nanos
from lam_models.monitor.synthetic import InjectedSpike, InjectedTrend, on_key, trend_flips
from lam_models.sentiment.data import LABELS

SCORED = ("headline", "label", "score", "p_negative", "p_neutral", "p_positive")
"""The columns an injected headline takes from the replay headline it copies."""


def train_model(settings) -> tuple[object, dict[str, object]]:
    """TF-IDF + logistic regression fit on the PhraseBank 50agree train rows of the saved split, and its
    macro-F1 on the validation rows (the test rows stay unseen, as for every other model of the project)."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import f1_score
    from sklearn.pipeline import make_pipeline

    from lam_models.sentiment.api import dataset_split, load_dataset

    data = load_dataset("50agree", settings)
    split = dataset_split(data, "50agree", settings)
    train, validation = data.subset(split.train), data.subset(split.validation)
    model = make_pipeline(TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True),
                          LogisticRegression(C=10.0, class_weight="balanced", max_iter=2000))
    model.fit(train.texts, train.labels)
    macro_f1 = f1_score(validation.labels, model.predict(validation.texts), average="macro")
    return model, {"model": "tfidf(1-2 grams) + logistic regression (balanced)", "train_rows": len(train),
                   "validation_rows": len(validation), "validation_macro_f1": round(float(macro_f1), 4)}


def replay_frame(data_dir: Path, model) -> pd.DataFrame:
    """Every well-formed Benzinga row as a scored headline in the monitor's contract (one ticker per row),
    labelled by ``model``: ``label`` the likeliest class, ``score`` = p_positive - p_negative."""
    rows = [h for h in read_benzinga(fetch("benzinga", data_dir)) if h.reject_reason is None]
    titles = [h.title for h in rows]
    proba = model.predict_proba(titles)[:, np.argsort(model.classes_)]
    frame = pd.DataFrame({
        "id": [f"bz{h.id}" for h in rows],
        "tickers": [[h.ticker] for h in rows],
        "headline": titles,
        "published_at": pd.to_datetime([h.date for h in rows], utc=True),
        "label": np.asarray(LABELS, dtype=object)[proba.argmax(axis=1)],
        "score": proba[:, LABELS.index("positive")] - proba[:, LABELS.index("negative")],
        **{f"p_{name}": proba[:, i] for i, name in enumerate(LABELS)},
    })
    return frame.sort_values("published_at", kind="stable", ignore_index=True)


def busiest_tickers(frame: pd.DataFrame, n: int) -> list[str]:
    """Keys of the ``n`` tickers with the most headlines: the only ones with enough history to judge."""
    counts = frame["tickers"].explode().value_counts()
    return [f"{TICKER_PREFIX}{t}" for t in counts.index[:n]]


def key_span(frame: pd.DataFrame, key: str, warmup: int = 20) -> tuple[pd.Timestamp, pd.Timestamp]:
    """From the key's ``warmup``-th headline (a detector has history by then) to its last one."""
    times = frame.loc[on_key(frame["tickers"].tolist(), key), "published_at"]
    return times.iloc[min(warmup, len(times) - 1)], times.iloc[-1]


def with_spikes(frame: pd.DataFrame, spikes: tuple[InjectedSpike, ...], seed: int) -> pd.DataFrame:
    """``frame`` plus each spike's extra headlines: copies of replay headlines the model called negative (with
    the spike's negative share) or not, at uniform times inside the spike, on its ticker (a market spike: none)."""
    rng = np.random.default_rng(seed)
    negative = (frame["label"] == "negative").to_numpy()
    pools = (np.flatnonzero(~negative), np.flatnonzero(negative))
    parts = [frame]
    for n, spike in enumerate(spikes):
        wanted = rng.random(spike.extra) < spike.negative_share
        source = np.where(wanted, rng.choice(pools[1], spike.extra), rng.choice(pools[0], spike.extra))
        begin = pd.Timestamp(spike.start).tz_convert("UTC").value
        tickers = [] if spike.key == MARKET_KEY else [spike.key.removeprefix(TICKER_PREFIX)]
        extra = frame.iloc[source][list(SCORED)].reset_index(drop=True)
        extra.insert(0, "id", [f"spike{n}-{i}" for i in range(spike.extra)])
        extra.insert(1, "tickers", [list(tickers) for _ in range(spike.extra)])
        extra["published_at"] = pd.to_datetime(begin + rng.integers(0, window_nanos(spike.duration), spike.extra), utc=True)
        parts.append(extra[frame.columns])
    return pd.concat(parts, ignore_index=True)


def with_trends(frame: pd.DataFrame, trends: tuple[InjectedTrend, ...], seed: int) -> pd.DataFrame:
    """``frame`` with the headlines each trend turns negative (``trend_flips``, from the key's own negative
    share in the replay) given the model scores of a random replay headline the model called negative."""
    rng = np.random.default_rng(seed)
    out = frame.copy()
    ts = out["published_at"].dt.as_unit("ns").array.asi8
    tickers = out["tickers"].tolist()
    columns = [out.columns.get_loc(c) for c in SCORED]
    replayed = (frame["label"] == "negative").to_numpy()
    for trend in trends:
        negative = (out["label"] == "negative").to_numpy()
        background = float(replayed[on_key(tickers, trend.key)].mean())
        turned = np.flatnonzero(trend_flips(rng, ts, tickers, negative, trend, background))
        source = rng.choice(np.flatnonzero(negative), len(turned))
        out.iloc[turned, columns] = out.iloc[source, columns].to_numpy()
    return out
