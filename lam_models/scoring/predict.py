"""The Spark UDF's model side: ``make_predict_fn`` loads the model once per Python worker.

``predict_batch_udf`` caches what ``make_predict_fn`` returns per worker, so the transformer is
loaded once and reused for every Arrow batch of that worker.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass

import numpy as np

from lam_models.scoring.encoder import Encoder, resolve_model_path


@dataclass(frozen=True)
class ScoringConfig:
    """Everything a worker needs to rebuild the model: plain values, cheap to ship to executors."""

    model_path: str
    model_version: str
    device: str = "auto"
    max_length: int = 128
    token_budget: int = 8192
    threads: int = 1

    @classmethod
    def from_settings(cls, model, threads: int) -> ScoringConfig:
        """Base-model config from ``Settings.model`` (the registry's version takes over when one is promoted)."""
        return cls(
            model_path=resolve_model_path(model.base_model),
            model_version=f"base:{model.base_model}",
            device=model.device,
            max_length=model.max_seq_length,
            token_budget=model.token_budget,
            threads=model.cpu_threads or threads,
        )

    def to_dict(self) -> dict:
        return asdict(self)


def load_encoder(config: ScoringConfig) -> Encoder:
    return Encoder(config.model_path, device=config.device, max_length=config.max_length,
                   token_budget=config.token_budget, threads=config.threads)


def make_predict_fn(config: ScoringConfig) -> Callable[[], Callable[[np.ndarray], dict[str, np.ndarray]]]:
    """Factory for ``predict_batch_udf``: returns the loader the UDF calls once per worker."""

    def load() -> Callable[[np.ndarray], dict[str, np.ndarray]]:
        encoder = load_encoder(config)

        def predict(texts: np.ndarray) -> dict[str, np.ndarray]:
            out = encoder.encode([str(t) for t in texts])
            return {"embedding": out.embeddings}

        return predict

    return load
