"""The named hooks of the one training loop, and the batch/state objects they see.

Why hooks: LoRA, FGM, augmentation and distillation must each be measurable on/off without
threading flags through the loop. Each variant is a small ``TrainHook`` subclass in its own
module that overrides only the phases it needs (the setfit distillation-trainer lesson).
Phases, in the order ``train.fit`` calls them for every step:

1. ``prepare_texts``   rewrite the batch's texts (augmentation)
2. ``before_forward``  arm something for the forward pass (FGM captures embedding outputs)
3. ``loss``            change the loss from the model outputs (distillation)
4. ``after_backward``  extra passes that add gradients (FGM's adversarial pass)
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

from lam_models.sentiment.model import SentimentModel, SentimentOutput


@dataclass
class Batch:
    """One training batch: raw texts, labels (batch,) int64 (-1 = no sentiment label, a row of
    another task), tokenised inputs on the device, and the rows' indices in the training set."""

    texts: list[str]
    labels: torch.Tensor
    inputs: dict[str, torch.Tensor]
    rows: np.ndarray | None = None


@dataclass
class TrainState:
    """What hooks may read: the model, the device, and ``compute_loss`` for extra passes."""

    model: SentimentModel
    tokenizer: Any
    device: torch.device
    step: int = 0
    epoch: int = 0
    compute_loss: Callable[[Batch], torch.Tensor] = field(default=lambda batch: torch.tensor(0.0))


class TrainHook:
    """No-op base: a variant overrides the phases it needs."""

    name: str = "base"

    def on_train_start(self, state: TrainState) -> None:
        """Called once before the first step."""

    def prepare_texts(self, texts: list[str], labels: list[int], rng: random.Random) -> list[str]:
        """Texts to train on this step (same length and labels as the input)."""
        return texts

    def before_forward(self, state: TrainState, batch: Batch) -> None:
        """Called before the main forward pass of each step."""

    def loss(self, state: TrainState, batch: Batch, outputs: SentimentOutput, loss: torch.Tensor) -> torch.Tensor:
        """The loss to minimise, given the loss so far."""
        return loss

    def after_backward(self, state: TrainState, batch: Batch) -> None:
        """Called after ``loss.backward()`` and before the optimiser step."""

    def on_train_end(self, state: TrainState) -> None:
        """Called once after the last step (release hooks, caches)."""
