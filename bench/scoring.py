"""Scoring throughput: sentence-transformers ``encode`` vs our direct path vs our Spark UDF path.

Same N headlines (Benzinga resampled) through (a) sentence-transformers at its defaults, (b) our
token-budget encoder (fp32 on CPU, bf16 on GPU), (b8) the same with int8 dynamic quantisation
(CPU), (c) the Spark ``predict_batch_udf`` path in ``local[*]``. Checks (b) and (c) against (a)
within 1e-3 cosine, the int8 path's macro-F1 change on PhraseBank, and worker memory across
repeated batches. Writes ``bench/results/scoring[-<device>].json``.
Run: ``python bench/scoring.py [--texts 100000]``.
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
from lam_models.scoring.encoder import Encoder, pick_device, resolve_model_path  # noqa: E402
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


def direct_path(model_path: str, texts: list[str], threads: int, quantize: str = "none") -> tuple[np.ndarray, float]:
    encoder = Encoder(model_path, threads=threads, quantize=quantize)
    encoder.encode(texts[:64])
    out, seconds = timed(encoder.encode, texts)
    return out.embeddings, seconds  # type: ignore[union-attr]


def spark_path(settings: Settings, texts: list[str]) -> tuple[np.ndarray, float, float]:
    """The scoring job's own ``score_frame`` on an in-memory frame of headlines; rows back in order."""
    from pyspark.sql import functions as F

    from jobs.score import score_frame
    from lam_models.adapters.spark import get_spark

    spark = get_spark(settings, "bench-scoring")
    config = ScoringConfig.from_settings(settings, threads=1)
    rows = [(f"h{i:07d}", [], text, "bench") for i, text in enumerate(texts)]
    news = spark.createDataFrame(rows, "id string, tickers array<string>, headline string, source string")
    news = news.withColumn("published_at", F.current_timestamp()).withColumn("event_date", F.current_date())
    news = news.withColumn("kafka_topic", F.lit("bench")).withColumn("kafka_partition", F.lit(0)).withColumn("kafka_offset", F.lit(0).cast("long"))
    news = news.persist()
    news.count()
    warm = score_frame(settings, config, news.limit(64), 64)
    warm.count()
    scored = score_frame(settings, config, news, len(texts))
    began = time.perf_counter()
    scored.write.format("noop").mode("overwrite").save()  # every row scored, nothing written: the UDF's cost
    seconds = time.perf_counter() - began
    collected = scored.select("id", "embedding").toPandas().sort_values("id")
    return np.stack(collected["embedding"].to_numpy()).astype(np.float32), seconds, spark_worker_peak_rss_mb()


def int8_accuracy(settings: Settings, threads: int) -> dict:
    """Macro-F1 of the production sentiment version on the PhraseBank 50agree test split, fp32 vs int8."""
    from lam_models.registry.pointers import production_version
    from lam_models.sentiment.api import dataset_split, load_dataset
    from lam_models.sentiment.data import LABELS
    from lam_models.sentiment.metrics import accuracy, macro_f1

    version = production_version(settings.registry_root)
    if version is None:
        return {"skipped": "no production sentiment version in the registry"}
    data = load_dataset("50agree", settings)
    test = data.subset(dataset_split(data, "50agree", settings).test)
    result: dict = {"version": version, "test_rows": len(test)}
    for quantize in ("none", "int8"):
        config = ScoringConfig.from_settings(settings, threads=threads)
        config = ScoringConfig(**{**config.to_dict(), "quantize": quantize})
        encoder, labels = load_encoder(config)
        scores = score_texts(encoder, labels, test.texts)
        probs = np.stack([scores[f"p_{name}"] for name in LABELS], axis=1)
        predicted = probs.argmax(axis=1)
        result[quantize] = {"accuracy": round(accuracy(test.labels, predicted), 4),
                            "macro_f1": round(macro_f1(test.labels, predicted, len(LABELS)), 4)}
    result["macro_f1_change_pts"] = round(100 * (result["int8"]["macro_f1"] - result["none"]["macro_f1"]), 2)
    return result


def memory_growth(model_path: str, texts: list[str], threads: int, repeats: int = 10) -> dict:
    """RSS after each of ``repeats`` consecutive batches: a leak shows as steady growth."""
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
    direct, direct_s = direct_path(model_path, texts, threads)
    paths["b_direct"] = {"seconds": round(direct_s, 2), "texts_per_s": round(len(texts) / direct_s),
                         "min_cosine_vs_a": round(min_cosine(direct, reference), 6)}
    if device == "cpu":
        int8, int8_s = direct_path(model_path, texts, threads, quantize="int8")
        paths["b_direct_int8"] = {"seconds": round(int8_s, 2), "texts_per_s": round(len(texts) / int8_s),
                                  "min_cosine_vs_a": round(min_cosine(int8, reference), 6),
                                  "mean_cosine_vs_a": round(float((int8 * reference).sum(1).mean()), 6)}
    spark_settings = settings.model_copy(update={"model": settings.model.model_copy(update={"version": None})})
    spark_settings = spark_settings.model_copy(update={"registry_root": Path(settings.home) / "bench-empty-registry"})
    via_spark, spark_s, worker_peak = spark_path(spark_settings, texts)
    paths["c_spark_udf"] = {"seconds": round(spark_s, 2), "texts_per_s": round(len(texts) / spark_s),
                            "min_cosine_vs_a": round(min_cosine(via_spark, reference), 6), "worker_peak_rss_mb": worker_peak}
    report["paths"] = paths
    a = paths["a_sentence_transformers"]["texts_per_s"]
    report["ratios"] = {"direct_vs_st": round(paths["b_direct"]["texts_per_s"] / a, 2),
                        "spark_vs_direct": round(paths["c_spark_udf"]["texts_per_s"] / paths["b_direct"]["texts_per_s"], 2)}
    if "b_direct_int8" in paths:
        report["ratios"]["int8_vs_st"] = round(paths["b_direct_int8"]["texts_per_s"] / a, 2)
        report["int8_sentiment"] = int8_accuracy(settings, threads)
    report["memory"] = memory_growth(model_path, texts[: args.memory_batch or len(texts)], threads)
    report["load_average_1m_end"] = os.getloadavg()[0]
    report["targets"] = {"cpu_direct_vs_st": 2.0, "anchor_cpu_vs_st": 2.5, "spark_vs_direct": 0.85,
                         "gpu_h100_texts_per_s": 42_000, "anchor_gpu_h100_texts_per_s": 100_000, "max_cosine_gap": 1e-3}
    out = args.out or REPO / "bench" / "results" / ("scoring.json" if device == "cpu" else f"scoring-{device}.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2))
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
