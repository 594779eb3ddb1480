"""Fixtures for continual tests: the sentiment tests' tiny labelled CSV, shared rather than restated."""

from __future__ import annotations

from tests.unit.sentiment.conftest import tiny_csv  # noqa: F401  (a fixture, found by pytest by name)
