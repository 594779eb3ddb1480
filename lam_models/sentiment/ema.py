"""Exponential moving average of a model's weights, swapped in for evaluation and saving.

Why: fine-tuning on 3k sentences makes the last SGD iterates noisy (validation macro-F1 moves
by a point from epoch to epoch); an average of recent weights is a cheap one-model ensemble.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import torch
from torch import nn


class WeightEMA:
    """``avg = d * avg + (1 - d) * w`` after every optimiser step, with ``d`` warmed up from 0.

    The warm-up ``d_t = min(decay, (1 + t) / (10 + t))`` keeps the random head of the first
    steps from dominating the average.
    """

    def __init__(self, model: nn.Module, decay: float) -> None:
        self.decay = decay
        self.updates = 0
        self.shadow = {name: p.detach().clone() for name, p in model.named_parameters() if p.requires_grad}

    @torch.no_grad()
    def update(self, model: nn.Module) -> None:
        d = min(self.decay, (1 + self.updates) / (10 + self.updates))
        for name, param in model.named_parameters():
            if name in self.shadow:
                self.shadow[name].mul_(d).add_(param.detach(), alpha=1.0 - d)
        self.updates += 1

    @contextmanager
    def swapped_in(self, model: nn.Module) -> Iterator[None]:
        """Inside the block the model holds the averaged weights; the live ones come back after."""
        live = {name: p.detach().clone() for name, p in model.named_parameters() if name in self.shadow}
        self.copy_to(model)
        try:
            yield
        finally:
            with torch.no_grad():
                for name, param in model.named_parameters():
                    if name in live:
                        param.copy_(live[name])

    @torch.no_grad()
    def copy_to(self, model: nn.Module) -> None:
        for name, param in model.named_parameters():
            if name in self.shadow:
                param.copy_(self.shadow[name])
