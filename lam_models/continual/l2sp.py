"""L2-SP: a training hook that pulls the encoder toward the weights the round started from.

Adds ``weight / 2 * sum ||theta - theta_0||^2`` over the trainable non-head parameters to the
loss (Li et al., 2018), so a continual round moves only as far from production as the new
labels need. The head is left free: the new task may need a different decision boundary.
"""

from __future__ import annotations

import torch

from lam_models.sentiment.hooks import Batch, TrainHook, TrainState
from lam_models.sentiment.model import SentimentOutput


class L2SPHook(TrainHook):
    """Penalise the squared distance to the starting weights (snapshot taken at train start)."""

    name = "l2sp"

    def __init__(self, weight: float, skip_prefixes: tuple[str, ...] = ("head.",)) -> None:
        if weight < 0:
            raise ValueError(f"weight must be >= 0, got {weight}")
        self.weight = weight
        self.skip_prefixes = skip_prefixes
        self._anchor: dict[str, torch.Tensor] = {}
        self._params: dict[str, torch.nn.Parameter] = {}

    def on_train_start(self, state: TrainState) -> None:
        self._params = {n: p for n, p in state.model.named_parameters()
                        if p.requires_grad and not n.startswith(self.skip_prefixes)}
        self._anchor = {n: p.detach().clone() for n, p in self._params.items()}

    def penalty(self) -> torch.Tensor:
        """``sum ||theta - theta_0||^2`` over the anchored parameters (0 before training starts)."""
        if not self._params:
            return torch.tensor(0.0)
        return sum(((p - self._anchor[n]) ** 2).sum() for n, p in self._params.items())  # type: ignore[return-value]

    def loss(self, state: TrainState, batch: Batch, outputs: SentimentOutput, loss: torch.Tensor) -> torch.Tensor:
        if self.weight == 0 or not self._params:
            return loss
        return loss + 0.5 * self.weight * self.penalty()

    def on_train_end(self, state: TrainState) -> None:
        self._anchor, self._params = {}, {}
