"""Fixtures for sentiment tests: the real PhraseBank folder, tmp settings, tiny labelled tables."""

from __future__ import annotations

from pathlib import Path

import pytest

from lam_models.settings import Settings
from tests.conftest import DATA_DIR

PHRASEBANK = DATA_DIR / "financial_phrasebank"


@pytest.fixture()
def phrasebank_dir() -> Path:
    if not (PHRASEBANK / "Sentences_50Agree.txt").is_file():
        pytest.skip(f"PhraseBank not found under {DATA_DIR}; set LAM_DATA_DIR")
    return PHRASEBANK


@pytest.fixture()
def settings(tmp_path: Path) -> Settings:
    return Settings(home=tmp_path / "home", registry_root=tmp_path / "registry", data_dir=DATA_DIR)


@pytest.fixture()
def tiny_csv(tmp_path: Path) -> Path:
    """48 short labelled sentences, balanced, with the column names other tools use."""
    rows = []
    for i in range(16):
        rows.append((f"Operating profit rose to EUR {i + 3}.5 mn from EUR {i + 1}.2 mn .", "positive"))
        rows.append((f"Net sales fell by {i + 2} % and the company swung to a loss .", "negative"))
        rows.append((f"The company has {i + 10} offices in Finland and Sweden .", "neutral"))
    path = tmp_path / "tiny.csv"
    lines = ["sentence,sentiment"] + [f'"{t}",{label}' for t, label in rows]
    path.write_text("\n".join(lines) + "\n")
    return path
