"""Fixtures for continual tests: a tiny labelled CSV (the sentiment tests' shape)."""

from __future__ import annotations

from pathlib import Path

import pytest


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
