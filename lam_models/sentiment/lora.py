"""LoRA through peft: adapters on the encoder's attention, merged back for export.

Why merge before saving: a version in the registry is then a plain encoder + head that the
scoring job loads with no peft at inference and no extra matmuls per layer; the trainable
parameter count (the point of LoRA) is recorded in the version's metrics instead.
"""

from __future__ import annotations

from torch import nn

from lam_models.sentiment.config import TrainConfig
from lam_models.sentiment.model import SentimentModel


def lora_config(config: TrainConfig) -> object:
    """A peft ``LoraConfig`` from the run's config (r, alpha, dropout, target modules)."""
    from peft import LoraConfig

    return LoraConfig(r=config.lora_r, lora_alpha=config.lora_alpha, lora_dropout=config.lora_dropout,
                      target_modules=list(config.lora_targets), bias="none")


def apply_lora(model: SentimentModel, config: TrainConfig) -> SentimentModel:
    """Wrap ``model.encoder`` with LoRA adapters in place; the head stays fully trainable.

    Raises:
        ValueError: none of ``config.lora_targets`` names a module of the encoder.
    """
    from peft import get_peft_model

    names = {name.rsplit(".", 1)[-1] for name, _ in model.encoder.named_modules()}
    if not set(config.lora_targets) & names:
        raise ValueError(f"LoRA targets {list(config.lora_targets)} match no module of the encoder; "
                         f"attention modules here include {sorted(n for n in names if not n.isdigit())[:12]}")
    model.encoder = get_peft_model(model.encoder, lora_config(config))
    for param in model.head.parameters():
        param.requires_grad_(True)
    return model


def merge_lora(model: SentimentModel) -> SentimentModel:
    """Fold the adapters into the base weights (no-op for a model without LoRA)."""
    if hasattr(model.encoder, "merge_and_unload"):
        model.encoder = model.encoder.merge_and_unload()
    return model


def count_parameters(model: nn.Module) -> tuple[int, int]:
    """(trainable, total) parameter counts."""
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    total = sum(p.numel() for p in model.parameters())
    return trainable, total
