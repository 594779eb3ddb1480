"""Financial-sentiment fine-tuning: data, config, one training loop with variant hooks, metrics.

Light modules (config, data, metrics) are imported eagerly; anything that needs torch or
transformers is imported on first attribute access, so ``import lam_models.sentiment`` stays
cheap for the CLI's help and for Spark workers that only read labels.
"""

from __future__ import annotations

import importlib
from typing import Any

from lam_models.sentiment.config import TrainConfig
from lam_models.sentiment.data import LABELS, DataError, LabelledTexts, SplitIndex, fetch_phrasebank, read_labelled_table
from lam_models.sentiment.metrics import accuracy, classification_report, confusion_matrix, macro_f1

_LAZY = {
    "train_sentiment": "lam_models.sentiment.api",
    "evaluate_version": "lam_models.sentiment.api",
    "load_dataset": "lam_models.sentiment.api",
    "resolve_model_path": "lam_models.sentiment.offline_models",
    "SentimentModel": "lam_models.sentiment.model",
    "predict": "lam_models.sentiment.model",
    "fit": "lam_models.sentiment.train",
    "print_report": "lam_models.sentiment.report",
}

__all__ = [
    "LABELS", "DataError", "LabelledTexts", "SplitIndex", "TrainConfig", "accuracy", "classification_report",
    "confusion_matrix", "fetch_phrasebank", "macro_f1", "read_labelled_table", *_LAZY,
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'lam_models.sentiment' has no attribute {name!r}")
