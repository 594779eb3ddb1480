"""``lam topics fit|show`` on a silver table written with pandas."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from lam_models.cli import app
from lam_models.settings import get_settings
from tests.unit.topics.conftest import blobs
from tests.unit.topics.test_topics_job import write_silver


def invoke(monkeypatch, tmp_path, *args: str):
    monkeypatch.setenv("LAM_LAKE_ROOT", str(tmp_path / "lake"))
    monkeypatch.setenv("LAM_REGISTRY_ROOT", str(tmp_path / "registry"))
    monkeypatch.setenv("LAM_TOPIC_MODEL__REDUCE_DIMS", "16")
    monkeypatch.setenv("LAM_TOPIC_MODEL__MIN_CLUSTER_SIZE", "10")
    get_settings.cache_clear()
    try:
        return CliRunner().invoke(app, list(args))
    finally:
        get_settings.cache_clear()


def test_show_before_any_fit_is_one_clear_error(monkeypatch, tmp_path):
    result = invoke(monkeypatch, tmp_path, "topics", "show")
    assert result.exit_code == 2 and "lam topics fit" in result.output


def test_fit_then_show(monkeypatch, tmp_path):
    monkeypatch.setenv("LAM_LAKE_ROOT", str(tmp_path / "lake"))
    get_settings.cache_clear()
    texts, vectors, _, _ = blobs(60, topics=4, seed=1)
    write_silver(get_settings(), texts, vectors)
    fitted = invoke(monkeypatch, tmp_path, "topics", "fit")
    assert fitted.exit_code == 0, fitted.output
    shown = invoke(monkeypatch, tmp_path, "topics", "show", "--json", "--top", "2")
    assert shown.exit_code == 0, shown.output
    payload = json.loads(shown.stdout)
    assert payload["stats"]["topics"] == 4 and len(payload["topics"]) == 2
    assert {"topic_id", "size", "terms", "examples"} <= set(payload["topics"][0])
    table = invoke(monkeypatch, tmp_path, "topics", "show")
    assert table.exit_code == 0 and "4 topics" in table.output
