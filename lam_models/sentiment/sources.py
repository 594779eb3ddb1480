"""Where sentiment text comes from: labelled datasets by name, their saved splits, unlabelled corpora.

Why one module: training, evaluation, domain adaptation and distillation all read the same
sources, and the split a version was trained on must be the one every later reader finds.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from lam_models.sentiment.config import PHRASEBANK_SUBSETS, TrainConfig
from lam_models.sentiment.data import (
    TEXT_COLUMNS,
    LabelledTexts,
    SplitIndex,
    fetch_phrasebank,
    load_or_create_split,
    pick_column,
    read_labelled_table,
    read_table,
    split_path,
)


def load_dataset(dataset: str, settings: Any, config: TrainConfig | None = None,
                 download_if_missing: bool = False) -> LabelledTexts:
    """A PhraseBank subset (from ``settings.data_dir``) or a ``text,label`` file."""
    if dataset.lower() in PHRASEBANK_SUBSETS:
        return fetch_phrasebank(dataset, Path(settings.data_dir), download_if_missing)
    config = config or TrainConfig(dataset=dataset)
    return read_labelled_table(Path(dataset), config.text_column, config.label_column, config.label_map, config.strict)


def dataset_split(data: LabelledTexts, dataset: str, settings: Any, seed: int = 0,
                  test_size: float = 0.2, val_size: float = 0.2) -> SplitIndex:
    """The saved split of ``dataset`` under ``<home>/splits`` (created on first use)."""
    path = split_path(Path(settings.home) / "splits", dataset, seed, test_size, val_size)
    return load_or_create_split(data, path, seed, test_size, val_size)


def adaptation_texts(sources: list[str], settings: Any, text_column: str | None = None,
                     download_if_missing: bool = False) -> list[str]:
    """Unlabelled texts from each source, in order.

    A source is a PhraseBank subset (only its train + validation split: the test sentences stay
    unseen), ``benzinga`` (the headlines dataset), or a ``.txt`` (one text per line) /
    ``.csv`` / ``.tsv`` / ``.parquet`` file with a text column.
    """
    from lam_models.datasets import fetch, read_benzinga

    texts: list[str] = []
    for source in sources:
        if source.lower() in PHRASEBANK_SUBSETS:
            data = load_dataset(source, settings, download_if_missing=download_if_missing)
            split = dataset_split(data, source.lower(), settings)
            texts.extend(data.texts[i] for i in split.train + split.validation)
        elif source.lower() == "benzinga":
            folder = fetch("benzinga", Path(settings.data_dir), download_if_missing)
            texts.extend(row.title for row in read_benzinga(folder) if row.title)
        else:
            texts.extend(read_text_file(Path(source), text_column))
    return [t.strip() for t in texts if t and t.strip()]


def read_text_file(path: Path, text_column: str | None = None) -> list[str]:
    """Texts of a ``.txt`` file (one per line) or of the text column of a CSV/TSV/Parquet file."""
    if path.suffix.lower() == ".txt" and path.is_file():
        return path.read_text(encoding="utf-8").splitlines()
    frame, _ = read_table(path)
    column = pick_column(frame.columns, text_column, TEXT_COLUMNS, "text", path)
    return [t for t in frame[column].tolist() if isinstance(t, str)]


def texts_hash(texts: list[str]) -> str:
    """sha256 of the corpus (order-sensitive), recorded so an adapted base or a distilled student names its data."""
    digest = hashlib.sha256()
    for text in texts:
        digest.update(text.encode("utf-8") + b"\0")
    return digest.hexdigest()
