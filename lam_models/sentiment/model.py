"""Encoder + linear head: one forward gives the sentence embedding AND the sentiment logits.

Why both from one pass: the scoring job stores a 384-d unit-norm embedding (for search and
recommendations) and the 3-class sentiment of every headline; running the encoder twice would
double the cost. Mean pooling over token states matches how all-MiniLM-L6-v2 was trained, so
the embedding stays meaningful after fine-tuning. An optional second head (topics, issue #14)
reads the same pooled vector, so one pass serves both. Files are safetensors + JSON, never pickle.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from safetensors.torch import load_file, save_file
from torch import nn

from lam_models.sentiment.offline_models import resolve_model_path

WEIGHTS_FILE = "model.safetensors"
ENCODER_DIR = "encoder"
TOKENIZER_DIR = "tokenizer"
HEAD_FILE = "head.json"


@dataclass(frozen=True)
class SentimentOutput:
    """embedding: (batch, hidden) float, unit L2 norm; logits: (batch, num_labels) float;
    category_logits: (batch, num_categories) float, or None for a model without a category head."""

    embedding: torch.Tensor
    logits: torch.Tensor
    category_logits: torch.Tensor | None = None

    def float(self) -> SentimentOutput:
        """The same outputs in float32 (after a bf16 autocast forward)."""
        category = None if self.category_logits is None else self.category_logits.float()
        return SentimentOutput(self.embedding.float(), self.logits.float(), category)


def mean_pool(hidden: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Average of token states (batch, seq, hidden) over real tokens (mask (batch, seq) of 0/1)."""
    weights = mask.unsqueeze(-1).to(hidden.dtype)
    return (hidden * weights).sum(1) / weights.sum(1).clamp(min=1e-9)


class SentimentModel(nn.Module):
    """A transformer encoder, mean pooling, dropout, a linear sentiment head and, when
    ``category_labels`` is given, a linear category head on the same pooled vector."""

    def __init__(self, encoder: nn.Module, num_labels: int = 3, dropout: float = 0.1,
                 category_labels: Sequence[str] = ()) -> None:
        super().__init__()
        self.encoder = encoder
        hidden = int(getattr(encoder.config, "hidden_size"))
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(hidden, num_labels)
        self.num_labels = num_labels
        self.category_labels: list[str] = []
        self.category_head: nn.Linear | None = None
        if category_labels:
            self.set_category_head(category_labels)

    def set_category_head(self, category_labels: Sequence[str]) -> None:
        """Attach a fresh category head (replacing any) for ``category_labels``, on the head's device."""
        self.category_labels = list(category_labels)
        self.category_head = nn.Linear(self.head.in_features, len(self.category_labels)).to(self.head.weight.device)

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor,
                token_type_ids: torch.Tensor | None = None) -> SentimentOutput:
        kwargs: dict[str, Any] = {"input_ids": input_ids, "attention_mask": attention_mask}
        if token_type_ids is not None:
            kwargs["token_type_ids"] = token_type_ids
        hidden = self.encoder(**kwargs).last_hidden_state
        pooled = mean_pool(hidden, attention_mask)
        dropped = self.dropout(pooled)
        categories = self.category_head(dropped) if self.category_head is not None else None
        return SentimentOutput(F.normalize(pooled, dim=-1), self.head(dropped), categories)

    def word_embeddings(self) -> nn.Module:
        """The token-embedding lookup (FGM perturbs its output)."""
        return self.encoder.get_input_embeddings()


def load_encoder(name: str, num_layers: int | None = None) -> nn.Module:
    """A base encoder (no pooler) from a package name, local folder or HF id, optionally truncated."""
    from transformers import AutoModel

    path = resolve_model_path(name)
    encoder = AutoModel.from_pretrained(path, local_files_only=Path(path).is_dir())
    if getattr(encoder, "pooler", None) is not None:
        encoder.pooler = None  # unused by mean pooling: no dead weights in the version or the count
    if num_layers is not None:
        truncate_layers(encoder, num_layers)
    return encoder


def load_tokenizer(name: str) -> Any:
    """The tokenizer that belongs to ``name`` (package name, folder or HF id)."""
    from transformers import AutoTokenizer

    path = resolve_model_path(name)
    return AutoTokenizer.from_pretrained(path, local_files_only=Path(path).is_dir())


def truncate_layers(encoder: nn.Module, num_layers: int) -> None:
    """Keep the first ``num_layers`` transformer layers: a smaller student for distillation."""
    layers = getattr(getattr(encoder, "encoder", None), "layer", None)
    if layers is None:
        raise ValueError(f"{type(encoder).__name__} has no encoder.layer list; num_layers works for BERT-like models")
    if num_layers > len(layers):
        raise ValueError(f"num_layers={num_layers} but the base model has only {len(layers)} layers")
    encoder.encoder.layer = nn.ModuleList(list(layers)[:num_layers])
    encoder.config.num_hidden_layers = num_layers


def save_model_files(model: SentimentModel, tokenizer: Any, folder: Path) -> None:
    """Write weights (safetensors), encoder config and tokenizer into ``folder`` (must exist)."""
    folder = Path(folder)
    state = {k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()}
    save_file(state, str(folder / WEIGHTS_FILE), metadata={"format": "pt"})
    model.encoder.config.save_pretrained(str(folder / ENCODER_DIR))
    tokenizer.save_pretrained(str(folder / TOKENIZER_DIR))
    head = {"num_labels": model.num_labels, "dropout": float(model.dropout.p), "pooling": "mean",
            "category_labels": model.category_labels}
    (folder / HEAD_FILE).write_text(json.dumps(head, indent=2))


def load_model_files(folder: Path, device: str | torch.device = "cpu") -> tuple[SentimentModel, Any]:
    """Rebuild the model and tokenizer written by :func:`save_model_files`; eval mode."""
    from transformers import AutoConfig, AutoModel, AutoTokenizer

    folder = Path(folder)
    head = json.loads((folder / HEAD_FILE).read_text())
    config = AutoConfig.from_pretrained(str(folder / ENCODER_DIR), local_files_only=True)
    try:
        encoder = AutoModel.from_config(config, add_pooling_layer=False)
    except TypeError:
        encoder = AutoModel.from_config(config)
    model = SentimentModel(encoder, head["num_labels"], head["dropout"],
                           head.get("category_labels", head.get("topic_labels", ())))
    model.load_state_dict(_renamed_weights(load_file(str(folder / WEIGHTS_FILE))), strict=True)
    tokenizer = AutoTokenizer.from_pretrained(str(folder / TOKENIZER_DIR), local_files_only=True)
    return model.to(device).eval(), tokenizer


def _renamed_weights(state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Versions saved before the category head was renamed hold its weights as ``topic_head.*``."""
    old = "topic_head."
    return {("category_head." + k[len(old):] if k.startswith(old) else k): v for k, v in state.items()}


def pick_device(choice: str = "auto") -> torch.device:
    """``cuda`` when asked for or available under ``auto``, else ``cpu``."""
    if choice == "cuda" or (choice == "auto" and torch.cuda.is_available()):
        return torch.device("cuda")
    return torch.device("cpu")


def predict(model: SentimentModel, tokenizer: Any, texts: list[str], batch_size: int = 128,
            max_length: int = 64, device: torch.device | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Embeddings (n, hidden) float32 unit-norm and logits (n, num_labels) float32, input order."""
    out = predict_heads(model, tokenizer, texts, batch_size, max_length, device)
    return out["embedding"], out["logits"]


@torch.inference_mode()
def predict_heads(model: SentimentModel, tokenizer: Any, texts: list[str], batch_size: int = 128,
                  max_length: int = 64, device: torch.device | None = None) -> dict[str, np.ndarray]:
    """``embedding`` (n, hidden), ``logits`` (n, num_labels) and, with a category head,
    ``category_logits`` (n, num_categories); float32, input order.

    Texts are run in length-sorted batches so little compute goes to padding.
    """
    device = device or next(model.parameters()).device
    was_training = model.training
    model.eval()
    order = np.argsort([len(t) for t in texts], kind="stable")
    widths = {"embedding": model.head.in_features, "logits": model.num_labels}
    if model.category_head is not None:
        widths["category_logits"] = len(model.category_labels)
    parts: dict[str, list[np.ndarray]] = {key: [] for key in widths}
    for start in range(0, len(texts), batch_size):
        chunk = [texts[i] for i in order[start:start + batch_size]]
        batch = tokenizer(chunk, padding=True, truncation=True, max_length=max_length, return_tensors="pt")
        out = model(**{k: v.to(device) for k, v in batch.items()})
        for key in widths:
            parts[key].append(getattr(out, key).float().cpu().numpy())
    model.train(was_training)
    inverse = np.empty_like(order)
    inverse[order] = np.arange(len(order))
    return {key: (np.concatenate(parts[key]) if parts[key] else np.zeros((0, width), np.float32))[inverse]
            for key, width in widths.items()}
