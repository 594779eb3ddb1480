"""The nightly pipeline at scale: 100k headlines + 100k interactions through the real broker, time per stage.

Runs exactly what the ``nightly`` DAG's tasks run (``jobs.nightly.run_step`` over every step of
``STEPS``) on a fresh lake, after replaying into a local broker: ``--headlines`` news messages (with
``--distinct``: distinct headlines, the Benzinga ones then polarity-safe augmented variants over the last year;
without: the Benzinga headlines resampled with shifted dates, copy k moved k * 4 weeks earlier), and the
MovieLens-100k ratings. Scores with the installed production sentiment version (copied into a
temporary registry) or, without one, the base encoder. Writes ``bench/results/nightly.json``.

    python bench/nightly.py [--headlines 100000] [--distinct] [--direct] [--port 19292]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from lam_models.adapters.broker import LocalBroker  # noqa: E402
from lam_models.adapters.kafka_admin import ensure_topics  # noqa: E402
from lam_models.adapters.producers import encode, movielens_messages, news_record, produce  # noqa: E402
from lam_models.datasets import fetch, read_benzinga  # noqa: E402
from lam_models.registry.pointers import production_version, promote  # noqa: E402
from lam_models.settings import KafkaSettings, Settings, SparkSettings, TopicSettings  # noqa: E402

SHIFT = timedelta(weeks=4)
NOT_NIGHTLY = ("broker_start", "produce_news", "produce_interactions", "direct_scoring")
"""Stages that set up or measure the run, left out of ``nightly_steps_s`` (the DAG's own steps, end to end)."""


def headlines(data_dir: Path, n: int) -> list[tuple[bytes, bytes, int]]:
    """n news messages: copies of the readable Benzinga rows, copy k shifted k * SHIFT earlier, in time order."""
    rows = [h for h in read_benzinga(fetch("benzinga", data_dir)) if h.reject_reason is None]
    out = []
    for i in range(n):
        copy, row = divmod(i, len(rows))
        record = news_record(rows[row])
        published = datetime.fromisoformat(record["published_at"]) - copy * SHIFT
        record.update(id=f"{record['id']}-r{copy}", published_at=published.isoformat())
        out.append((rows[row].ticker.encode(), encode(record), int(published.timestamp() * 1000)))  # type: ignore[union-attr]
    return sorted(out, key=lambda m: m[2])


def distinct_headlines(data_dir: Path, n: int, days: int = 365, seed: int = 0) -> list[tuple[bytes, bytes, int]]:
    """n news messages with n distinct headlines: the readable Benzinga rows, then polarity-safe augmented variants
    of them (numbers scaled by one factor, function words dropped; ``sentiment.augment``), each on its source row's
    ticker at a uniform random time of the last ``days`` days, in time order."""
    import random

    from lam_models.sentiment.augment import Augmenter

    rows = [h for h in read_benzinga(fetch("benzinga", data_dir)) if h.reject_reason is None]
    augment, rng = Augmenter(prob=1.0, dropout=0.15), random.Random(seed)
    seen: set[str] = set()
    chosen: list[tuple[object, str]] = []
    for attempt in range(50 * n):
        if len(chosen) == n:
            break
        row = rows[attempt % len(rows)]
        text = row.title if attempt < len(rows) else augment(row.title, rng)
        if text not in seen:
            seen.add(text)
            chosen.append((row, text))
    if len(chosen) < n:
        raise ValueError(f"only {len(chosen)} distinct headlines could be made from {len(rows)} rows")
    end = datetime.now(timezone.utc).replace(microsecond=0)
    out = []
    for i, (row, text) in enumerate(chosen):
        published = end - timedelta(seconds=rng.randrange(days * 86_400))
        record = {**news_record(row), "id": f"distinct-{i}", "headline": text, "published_at": published.isoformat()}
        out.append((row.ticker.encode(), encode(record), int(published.timestamp() * 1000)))  # type: ignore[union-attr]
    return sorted(out, key=lambda m: m[2])


def copy_production(source: Path, target: Path) -> str | None:
    """The installed production sentiment version, copied into ``target`` and promoted there (None: no version)."""
    version = production_version(source) if source.is_dir() else None
    if version is None:
        return None
    shutil.copytree(source / "sentiment" / "versions" / version, target / "sentiment" / "versions" / version)
    promote(target, version, reason="bench/nightly.py")
    return version


def direct_scoring(settings: Settings, news: list[tuple[bytes, bytes, int]]) -> dict:
    """The score step's model on the same headlines in this process, no Spark and no lake: the ceiling the score
    step is held to (it runs the same ``make_predict_fn`` inside Spark's pandas UDF)."""
    from lam_models.scoring.predict import ScoringConfig, make_predict_fn

    texts = np.asarray([json.loads(value)["headline"] for _, value, _ in news], dtype=object)
    predict = make_predict_fn(ScoringConfig.from_settings(settings, threads=os.cpu_count() or 1))()
    batch = settings.spark.arrow_batch_rows
    _, seconds = timed(lambda: [predict(texts[i:i + batch]) for i in range(0, len(texts), batch)])
    return {"texts": len(texts), "seconds": seconds, "texts_per_s": round(len(texts) / seconds, 1)}


def timed(fn):
    began = time.perf_counter()
    value = fn()
    return value, round(time.perf_counter() - began, 2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--headlines", type=int, default=100_000)
    parser.add_argument("--port", type=int, default=19292)
    parser.add_argument("--data-dir", type=Path, default=Path(Settings().data_dir))
    parser.add_argument("--registry", type=Path, default=Path(Settings().registry_root), help="where the production version is taken from")
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "results" / "nightly.json")
    parser.add_argument("--distinct", action="store_true", help="distinct headlines (augmented variants) instead of date-shifted copies")
    parser.add_argument("--direct", action="store_true", help="also time the score step's model on the same headlines without Spark")
    args = parser.parse_args()
    from jobs.nightly import STEPS, run_step

    load_before, began_all = os.getloadavg(), time.perf_counter()
    stages: dict[str, dict] = {}
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        settings = Settings(home=root, lake_root=root / "lake", registry_root=root / "registry", run_root=root / "run",
                            data_dir=args.data_dir, kafka=KafkaSettings(bootstrap_servers=f"127.0.0.1:{args.port}", port_base=args.port),
                            topics=TopicSettings(news="bench-news", interactions="bench-interactions", alerts="bench-alerts"),
                            spark=SparkSettings(master="local[*]"))
        version = copy_production(args.registry, settings.registry_root)
        news = (distinct_headlines if args.distinct else headlines)(args.data_dir, args.headlines)
        ratings = movielens_messages(fetch("movielens_100k", args.data_dir))
        broker = LocalBroker.from_settings(settings)
        _, stages["broker_start"] = timed(broker.start)
        try:
            ensure_topics(settings)
            _, seconds = timed(lambda: produce(settings, settings.topics.news, news, total=len(news)))
            stages["produce_news"] = {"seconds": seconds, "messages": len(news), "msgs_per_s": round(len(news) / seconds)}
            _, seconds = timed(lambda: produce(settings, settings.topics.interactions, ratings, total=len(ratings)))
            stages["produce_interactions"] = {"seconds": seconds, "messages": len(ratings), "msgs_per_s": round(len(ratings) / seconds)}
            start, end = datetime(1970, 1, 1, tzinfo=timezone.utc), datetime.now(timezone.utc) + timedelta(days=1)
            for step in STEPS:
                summary, seconds = timed(lambda: run_step(step.name, settings, start, end))
                kept = {k: v for k, v in summary.items() if k not in ("step", "interval", "reasons", "dropped", "new", "retired")}
                stages[step.name] = {**kept, "job_seconds": summary.get("seconds"), "seconds": seconds}
                write_report(args.out, stages, len(news), len(ratings), version, began_all, load_before, complete=False,
                             distinct=args.distinct)
                print(f"{step.name}: {seconds} s", flush=True)
        finally:
            broker.stop()
        if args.direct:
            stages["direct_scoring"] = direct_scoring(settings, news)
    print(json.dumps(write_report(args.out, stages, len(news), len(ratings), version, began_all, load_before, complete=True,
                                        distinct=args.distinct), indent=2))


def write_report(out: Path, stages: dict, headlines: int, interactions: int, version: str | None, began: float,
                 load_before: tuple, complete: bool, distinct: bool = False) -> dict:
    """Write the results so far (after every stage, so a run cut short still leaves its numbers)."""
    scored = stages.get("score", {}).get("rows_out", 0)
    report = {
        "benchmark": "nightly", "complete": complete, "headlines": headlines, "interactions": interactions,
        "distinct_headlines": distinct,
        "model_version": version or "base encoder",
        "stages_s": {name: (row if isinstance(row, float) else row["seconds"]) for name, row in stages.items()},
        "stages": stages, "score_texts_per_s": round(scored / stages["score"]["seconds"], 1) if scored else None,
        "score_vs_direct": (round(scored / stages["score"]["seconds"] / stages["direct_scoring"]["texts_per_s"], 2)
                            if scored and "direct_scoring" in stages else None),
        "nightly_steps_s": round(sum(row["seconds"] for name, row in stages.items() if name not in NOT_NIGHTLY), 1),
        "total_s": round(time.perf_counter() - began, 1),
        "cores": os.cpu_count(), "machine": platform.platform(), "python": platform.python_version(),
        "loadavg_before": load_before, "loadavg_now": os.getloadavg(),
        "note": "the machine is shared: a load average above 2 on 2 cores means other work ran alongside and inflated the times",
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2) + "\n")
    return report


if __name__ == "__main__":
    main()
