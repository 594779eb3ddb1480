"""FGM adversarial training (Miyato et al., 2017) on the word-embedding layer.

Why on the embedding OUTPUT rather than the embedding weight (the common "backup, perturb,
restore" recipe): with LoRA the embedding weight is frozen and gets no gradient, so the
weight recipe silently does nothing. Perturbing the looked-up vectors works for full and
LoRA training alike and never touches a parameter, so there is nothing to restore.

Per step: the main pass records the embedding outputs and their gradient; the adversarial
pass adds ``epsilon * g / ||g||`` (per example) to them and backpropagates its loss too.
"""

from __future__ import annotations

import torch
from torch import nn

from lam_models.sentiment.hooks import Batch, TrainHook, TrainState


class FGM:
    """Records, then perturbs, the output of one embedding module via a forward hook."""

    def __init__(self, embeddings: nn.Module, epsilon: float = 1.0) -> None:
        if epsilon <= 0:
            raise ValueError(f"FGM epsilon must be > 0, got {epsilon}")
        self.epsilon = epsilon
        self._captured: torch.Tensor | None = None
        self._delta: torch.Tensor | None = None
        self._capture = False
        self._handle = embeddings.register_forward_hook(self._hook)

    def _hook(self, module: nn.Module, args: tuple[torch.Tensor, ...], output: torch.Tensor) -> torch.Tensor | None:
        if self._delta is not None:
            return output + self._delta
        if self._capture:
            if not output.requires_grad:  # frozen embeddings (LoRA): make the output a leaf
                output = output.detach().requires_grad_(True)
            else:
                output.retain_grad()
            self._captured = output
            return output
        return None

    def arm(self) -> None:
        """Record the embedding output of the next forward pass."""
        self._capture, self._captured, self._delta = True, None, None

    def perturbation(self) -> torch.Tensor:
        """``epsilon * g / ||g||`` per example, from the gradient of the recorded output."""
        self._capture = False
        if self._captured is None or self._captured.grad is None:
            raise RuntimeError("FGM: no embedding gradient recorded; call arm() before forward and backward")
        grad = self._captured.grad.detach()
        norm = grad.flatten(1).norm(dim=1).clamp(min=1e-12).view(-1, *([1] * (grad.dim() - 1)))
        return self.epsilon * grad / norm

    def attack(self, delta: torch.Tensor) -> None:
        """Add ``delta`` to the embedding output of the following forward passes."""
        self._delta = delta

    def clear(self) -> None:
        self._capture, self._captured, self._delta = False, None, None

    def remove(self) -> None:
        """Detach from the model (after training, so inference is untouched)."""
        self.clear()
        self._handle.remove()


class FGMHook(TrainHook):
    """Training-loop hook: arm before the forward, add the adversarial loss after backward."""

    name = "fgm"

    def __init__(self, epsilon: float = 1.0) -> None:
        self.epsilon = epsilon
        self.fgm: FGM | None = None

    def on_train_start(self, state: TrainState) -> None:
        self.fgm = FGM(state.model.word_embeddings(), self.epsilon)

    def before_forward(self, state: TrainState, batch: Batch) -> None:
        assert self.fgm is not None
        self.fgm.arm()

    def after_backward(self, state: TrainState, batch: Batch) -> None:
        assert self.fgm is not None
        self.fgm.attack(self.fgm.perturbation())
        try:
            state.compute_loss(batch).backward()
        finally:
            self.fgm.clear()

    def on_train_end(self, state: TrainState) -> None:
        if self.fgm is not None:
            self.fgm.remove()
            self.fgm = None
