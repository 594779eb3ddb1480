"""Scoring throughput and what each precision changes: sentence-transformers ``encode`` vs our direct
path at every precision vs our Spark UDF path.

Same N headlines (Benzinga resampled) through (a) sentence-transformers at its defaults, (b) our
token-budget encoder in fp32 and (where the device runs it natively) bf16, (c) the Spark
``predict_batch_udf`` path in ``local[*]`` at the default (``auto``) precision. Per precision, against
fp32: minimum and mean cosine, sentiment macro-F1 on the PhraseBank 50agree test split (the production
version's head, else a logistic-regression probe on the frozen encoder), topic assignment agreement (one
topic model fit on the fp32 vectors assigns both) and recommender nDCG@10 (Recommenders protocol, item
text vectors at that precision). Worker memory across repeated batches. Writes
``bench/results/scoring[-<device>].json``. Run: ``python bench/scoring.py [--texts 100000]``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import resource
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from lam_models.datasets import fetch, read_benzinga  # noqa: E402
from lam_models.devices import native_bf16, pick_device, pick_precision  # noqa: E402
from lam_models.scoring.encoder import Encoder  # noqa: E402
from lam_models.sentiment.offline_models import resolve_model_path  # noqa: E402
from lam_models.scoring.predict import ScoringConfig, load_encoder, score_texts  # noqa: E402
from lam_models.settings import Settings  # noqa: E402


def headlines(data_dir: Path, n: int, seed: int = 0) -> list[str]:
    titles = [h.title for h in read_benzinga(fetch("benzinga", data_dir)) if h.reject_reason is None]
    rng = random.Random(seed)
    return [rng.choice(titles) for _ in range(n)]


def timed(fn, *args) -> tuple[object, float]:
    began = time.perf_counter()
    out = fn(*args)
    if pick_device() == "cuda":
        import torch

        torch.cuda.synchronize()
    return out, time.perf_counter() - began


def min_cosine(a: np.ndarray, b: np.ndarray) -> float:
    a = a / np.linalg.norm(a, axis=1, keepdims=True)
    b = b / np.linalg.norm(b, axis=1, keepdims=True)
    return float((a * b).sum(axis=1).min())


def rss_mb(field: str = "VmRSS", pid: str = "self") -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return 0.0


def spark_worker_peak_rss_mb() -> float:
    """Peak RSS (VmHWM) of the live PySpark Python workers: where the model lives in the UDF path."""
    peaks = []
    for proc in Path("/proc").iterdir():
        try:
            cmdline = (proc / "cmdline").read_bytes()
        except OSError:
            continue
        if b"pyspark.daemon" in cmdline or b"pyspark.worker" in cmdline:
            peaks.append(rss_mb("VmHWM", proc.name))
    return round(max(peaks, default=0.0), 1)


def sentence_transformers_path(model_path: str, texts: list[str], device: str) -> tuple[np.ndarray, float]:
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(model_path, device=device)
    model.encode(texts[:64])  # warm-up, as every path gets
    return timed(model.encode, texts)  # type: ignore[return-value]


def direct_path(model_path: str, texts: list[str], threads: int, precision: str) -> tuple[np.ndarray, float]:
    encoder = Encoder(model_path, threads=threads, precision=precision)
    encoder.encode(texts[:64])
    out, seconds = timed(encoder.encode, texts)
    return out.embeddings, seconds  # type: ignore[union-attr]


def spark_path(settings: Settings, texts: list[str]) -> tuple[np.ndarray, float, float, float]:
    """The scoring job's own ``score_frame`` on an in-memory frame of headlines; rows back in order. Timed twice:
    the first pass runs in a JVM that has not yet compiled the Arrow path (a fixed cost, like the direct path's
    model load, which it leaves out); the second is the UDF's steady throughput."""
    from pyspark.sql import functions as F

    from jobs.score import score_frame
    from lam_models.adapters.spark import get_spark, task_threads

    spark = get_spark(settings, "bench-scoring")
    config = ScoringConfig.from_settings(settings, threads=task_threads(spark))
    rows = [(f"h{i:07d}", [], text, "bench") for i, text in enumerate(texts)]
    news = spark.createDataFrame(rows, "id string, tickers array<string>, headline string, source string")
    news = news.withColumn("published_at", F.current_timestamp()).withColumn("event_date", F.current_date())
    news = news.withColumn("kafka_topic", F.lit("bench")).withColumn("kafka_partition", F.lit(0)).withColumn("kafka_offset", F.lit(0).cast("long"))
    news = news.persist()
    news.count()
    warm = score_frame(settings, config, news.limit(64), 64)
    warm.count()
    scored = score_frame(settings, config, news, len(texts))
    # every row scored, nothing written: the UDF's cost
    _, first = timed(lambda: scored.write.format("noop").mode("overwrite").save())
    _, steady = timed(lambda: scored.write.format("noop").mode("overwrite").save())
    collected = scored.select("id", "embedding").toPandas().sort_values("id")
    return np.stack(collected["embedding"].to_numpy()).astype(np.float32), first, steady, spark_worker_peak_rss_mb()


def sentiment_effect(settings: Settings, model_path: str, threads: int, precisions: list[str]) -> dict:
    """Accuracy and macro-F1 on the PhraseBank 50agree test split per precision (read once each): the production
    version's own head, or without one a logistic-regression probe fit on fp32 train vectors of the base encoder."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import accuracy_score, f1_score

    from lam_models.registry.pointers import production_version
    from lam_models.sentiment.api import dataset_split, load_dataset
    from lam_models.sentiment.data import LABELS

    data = load_dataset("50agree", settings)
    split = dataset_split(data, "50agree", settings)
    test = data.subset(split.test)
    version = production_version(settings.registry_root)
    result: dict = {"test_rows": len(test), "model": version or "probe: logistic regression on the frozen base encoder"}
    probe = None
    if version is None:
        train = data.subset(split.train)
        vectors = Encoder(model_path, threads=threads, precision="fp32").encode(train.texts).embeddings
        probe = LogisticRegression(max_iter=2000, class_weight="balanced").fit(vectors, train.labels)
    for precision in precisions:
        if probe is None:
            config = ScoringConfig(**{**ScoringConfig.from_settings(settings, threads=threads).to_dict(), "precision": precision})
            encoder, labels = load_encoder(config)
            scores = score_texts(encoder, labels, test.texts)
            predicted = np.stack([scores[f"p_{name}"] for name in LABELS], axis=1).argmax(axis=1)
        else:
            predicted = probe.predict(Encoder(model_path, threads=threads, precision=precision).encode(test.texts).embeddings)
        result[precision] = {"accuracy": round(float(accuracy_score(test.labels, predicted)), 4),
                             "macro_f1": round(float(f1_score(test.labels, predicted, average="macro")), 4)}
    for precision in precisions[1:]:
        result[f"{precision}_macro_f1_change_pts"] = round(100 * (result[precision]["macro_f1"] - result["fp32"]["macro_f1"]), 2)
    return result


def topic_effect(texts: list[str], vectors: dict[str, np.ndarray]) -> dict:
    """One topic model fit on the fp32 vectors of the distinct headlines; the share of headlines each
    precision's vectors assign to the same topic."""
    from lam_models.topics.config import TopicConfig
    from lam_models.topics.model import assign_topics, fit

    first = {text: i for i, text in reversed(list(enumerate(texts)))}
    rows = np.fromiter(first.values(), dtype=np.int64)
    distinct = [texts[i] for i in rows]
    model, reference = fit(distinct, vectors["fp32"][rows], TopicConfig())
    result: dict = {"headlines": len(distinct), "topics": model.n_topics}
    for precision, found in vectors.items():
        assigned, _ = assign_topics(model, distinct, found[rows])
        result[f"{precision}_agreement"] = round(float((assigned == reference).mean()), 4)
    return result


def recsys_effect(data_dir: Path, threads: int, precisions: list[str]) -> dict:
    """Hybrid nDCG@10 / coverage on the Recommenders protocol (MovieLens 100k) with the item text vectors of
    each precision; same split and model settings."""
    from lam_models.recsys.config import RecsysConfig
    from lam_models.recsys.data import read_ml100k_items, read_ml100k_ratings
    from lam_models.recsys.evaluate import run_protocol
    from lam_models.recsys.item_text import item_texts
    from lam_models.recsys.protocols import stratified_split

    folder = fetch("movielens_100k", data_dir)
    items, ratings = read_ml100k_items(folder), read_ml100k_ratings(folder)
    train, test = stratified_split(ratings, 0.75, 42)
    model_path = resolve_model_path(Settings().model.base_model)
    result: dict = {}
    for precision in precisions:
        vectors = Encoder(model_path, threads=threads, precision=precision).encode(item_texts(items)).embeddings
        found = run_protocol(train, test, items, vectors, RecsysConfig(), train["item_id"].unique(), ("hybrid",))["hybrid"]
        result[precision] = {"ndcg_at_10": round(float(found["ndcg"]), 4), "coverage": round(float(found["coverage"]), 4)}
    for precision in precisions[1:]:
        result[f"{precision}_ndcg_change"] = round(result[precision]["ndcg_at_10"] - result["fp32"]["ndcg_at_10"], 4)
    return result


def memory_growth(model_path: str, texts: list[str], threads: int, repeats: int = 10) -> dict:
    """RSS after each of ``repeats`` consecutive batches (default precision): a leak shows as steady growth."""
    encoder = Encoder(model_path, threads=threads)
    after = []
    for _ in range(repeats):
        encoder.encode(texts)
        after.append(round(rss_mb(), 1))
    return {"batch_texts": len(texts), "rss_mb_after_each": after, "growth_mb_last_5": round(after[-1] - after[-5], 1),
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--texts", type=int, default=100_000)
    parser.add_argument("--memory-batch", type=int, default=None, help="texts per batch of the memory check (default --texts)")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    import sentence_transformers
    import torch
    import transformers

    settings = Settings()
    device = pick_device(settings.model.device)
    threads = os.cpu_count() or 1
    model_path = resolve_model_path(settings.model.base_model)
    texts = headlines(Path(settings.data_dir), args.texts)
    report: dict = {
        "benchmark": "scoring", "texts": len(texts), "device": device, "cores": threads, "machine": platform.platform(),
        "gpu": torch.cuda.get_device_name() if device == "cuda" else None,
        "versions": {"torch": torch.__version__, "transformers": transformers.__version__,
                     "sentence_transformers": sentence_transformers.__version__, "python": platform.python_version()},
        "mean_tokens": None, "load_average_1m_start": os.getloadavg()[0],
    }
    from transformers import AutoTokenizer

    ids = AutoTokenizer.from_pretrained(model_path)(texts)["input_ids"]
    report["mean_tokens"] = round(float(np.mean([len(x) for x in ids])), 1)
    reference, st_s = sentence_transformers_path(model_path, texts, device)
    paths: dict = {"a_sentence_transformers": {"seconds": round(st_s, 2), "texts_per_s": round(len(texts) / st_s)}}
    precisions = ["fp32", "bf16"] if native_bf16(device) else ["fp32"]
    report["default_precision"] = pick_precision(device, settings.model.precision)
    vectors: dict[str, np.ndarray] = {}
    for precision in precisions:
        vectors[precision], seconds = direct_path(model_path, texts, threads, precision)
        paths[f"b_direct_{precision}"] = {
            "seconds": round(seconds, 2), "texts_per_s": round(len(texts) / seconds),
            "min_cosine_vs_a": round(min_cosine(vectors[precision], reference), 6),
            "min_cosine_vs_fp32": round(min_cosine(vectors[precision], vectors["fp32"]), 6),
            "mean_cosine_vs_fp32": round(float((vectors[precision] * vectors["fp32"]).sum(1).mean()), 6)}
    spark_settings = settings.model_copy(update={"model": settings.model.model_copy(update={"version": None})})
    spark_settings = spark_settings.model_copy(update={"registry_root": Path(settings.home) / "bench-empty-registry"})
    via_spark, first_s, spark_s, worker_peak = spark_path(spark_settings, texts)
    paths["c_spark_udf"] = {"seconds": round(spark_s, 2), "texts_per_s": round(len(texts) / spark_s),
                            "first_pass_seconds": round(first_s, 2), "first_pass_texts_per_s": round(len(texts) / first_s),
                            "min_cosine_vs_a": round(min_cosine(via_spark, reference), 6), "worker_peak_rss_mb": worker_peak}
    report["paths"] = paths
    a = paths["a_sentence_transformers"]["texts_per_s"]
    default = paths[f"b_direct_{report['default_precision']}"]["texts_per_s"]
    report["ratios"] = {f"{p}_vs_st": round(paths[f"b_direct_{p}"]["texts_per_s"] / a, 2) for p in precisions}
    report["ratios"]["default_vs_st"] = round(default / a, 2)
    report["ratios"]["spark_vs_direct"] = round(paths["c_spark_udf"]["texts_per_s"] / default, 2)
    report["effects"] = {"sentiment": sentiment_effect(settings, model_path, threads, precisions),
                         "topics": topic_effect(texts, vectors),
                         "recommender": recsys_effect(Path(settings.data_dir), threads, precisions)}
    report["memory"] = memory_growth(model_path, texts[: args.memory_batch or len(texts)], threads)
    report["load_average_1m_end"] = os.getloadavg()[0]
    report["targets"] = {"cpu_default_vs_st": 3.0, "min_cosine_vs_fp32": 0.99, "max_macro_f1_change_pts": 0.5,
                         "spark_vs_direct": 0.9, "gpu_texts_per_s": 100_000}
    out = args.out or REPO / "bench" / "results" / ("scoring.json" if device == "cpu" else f"scoring-{device}.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2))
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
