"""Continual learning: replay buffers, forgetting metrics, the promote gate, drift triggers and one round."""

from lam_models.lazy_exports import lazy_exports

_EXPORTS = {
    "ContinualConfig": "config",
    "Snapshot": "drift",
    "psi": "drift",
    "should_trigger": "drift",
    "AccuracyMatrix": "forgetting",
    "backward_transfer": "forgetting",
    "forward_transfer": "forgetting",
    "gate_verdict": "gate",
    "ClassBalancedBuffer": "replay",
    "ReservoirSampler": "replay",
    "build_replay": "replay",
    "mix": "replay",
}
__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
