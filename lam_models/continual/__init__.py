"""Continual learning: replay buffers, forgetting metrics, the promote gate, drift triggers and one round."""

from lam_models.continual.config import ContinualConfig
from lam_models.continual.drift import Snapshot, psi, should_trigger
from lam_models.continual.forgetting import AccuracyMatrix, backward_transfer, forward_transfer
from lam_models.continual.gate import gate_verdict
from lam_models.continual.replay import ClassBalancedBuffer, ReservoirSampler, build_replay, mix

__all__ = [
    "AccuracyMatrix", "ClassBalancedBuffer", "ContinualConfig", "ReservoirSampler", "Snapshot",
    "backward_transfer", "build_replay", "forward_transfer", "gate_verdict", "mix", "psi", "should_trigger",
]
