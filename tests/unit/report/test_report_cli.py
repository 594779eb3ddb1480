"""``lam report``: reads the lake and registry named by the settings and writes one HTML file."""

from __future__ import annotations

import typer
from typer.testing import CliRunner

from lam_models.cli.report import report
from lam_models.settings import get_settings


def invoke(monkeypatch, lake_root, registry_root, *args):
    monkeypatch.setenv("LAM_LAKE_ROOT", str(lake_root))
    monkeypatch.setenv("LAM_REGISTRY_ROOT", str(registry_root))
    get_settings.cache_clear()
    app = typer.Typer()
    app.command()(report)
    try:
        return CliRunner().invoke(app, list(args))
    finally:
        get_settings.cache_clear()


def test_writes_the_report(monkeypatch, fake_lake, tmp_path):
    out = tmp_path / "nested" / "report.html"
    result = invoke(monkeypatch, fake_lake.lake_root, fake_lake.registry_root, "--out", str(out), "--trend-size", "1h")
    assert result.exit_code == 0, result.output
    page = out.read_text()
    assert page.startswith("<!DOCTYPE html>") and "negative share per 1h window" in page
    assert "not available yet" not in result.output


def test_names_what_is_missing(monkeypatch, tmp_path):
    out = tmp_path / "r.html"
    result = invoke(monkeypatch, tmp_path / "lake", tmp_path / "registry", "-o", str(out))
    assert result.exit_code == 0, result.output
    assert out.is_file() and "not available yet" in result.output and "alerts" in result.output
