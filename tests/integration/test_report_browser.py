"""The HTML report in a real browser: headless Chromium (Debian's ``chromium``) driven by Selenium.

``lam report`` runs on a small synthetic lake; Chromium opens the file from ``file://`` through
Debian's ``chromedriver``, with the browser (console) and performance (network) logs recorded. The test
finds no console errors or exceptions, no request leaving the file, charts and tables rendered with
the counts the lake implies, and saves a full-page PNG (``$LAM_TEST_ARTIFACTS/report.png``, else
pytest's tmp dir).
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
from pathlib import Path

import pytest

from tests.unit.report.fixtures import build_lake

REPO = Path(__file__).resolve().parents[2]
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--hide-scrollbars", "--mute-audio")
MAX_TICKERS = 6

COUNTS_JS = """const all = (s) => Array.from(document.querySelectorAll(s));
const charts = {};
all('svg.chart').forEach((s) => { charts[s.dataset.chart] = (charts[s.dataset.chart] || 0) + 1; });
const box = (e) => e.getBoundingClientRect();
return {
  charts,
  charts_drawn: all('svg.chart').filter((s) => box(s).width > 100 && box(s).height > 30).length,
  charts_total: all('svg.chart').length,
  lines_with_points: all('svg.chart polyline.series').filter((p) => p.points.numberOfItems > 1).length,
  alert_rows: all('#alert-table tbody tr').length,
  ticker_cards: all('#tickers .key-card').map((c) => c.dataset.key),
  markers: Object.fromEntries(all('.key-card').map((c) => [c.dataset.key, c.querySelectorAll('g.marker').length])),
  evidence_headlines: all('ol.evidence ul.headlines li').length,
  class_rows: all('#class-metrics tbody tr').length,
  confusion_cells: all('svg[data-chart="confusion"] g.cell').length,
  recsys_rows: all('table.recsys-table tbody tr').length,
  ingest_rows: all('#ingest-table tbody tr').length,
  deadletter_rows: all('#deadletter-table tbody tr').length,
  topic_rows: all('#topic-table tbody tr').length,
  unavailable: all('[data-unavailable]').map((e) => e.closest('section').id),
  sections: all('main > section').map((s) => s.id),
  page_height: document.documentElement.scrollHeight,
};"""

FILTER_JS = """const input = document.getElementById('alert-filter');
input.value = arguments[0]; input.dispatchEvent(new Event('input'));
return document.querySelectorAll('#alert-table tbody tr:not(.hidden)').length;"""


def find_chromium() -> tuple[str, str]:
    """Locate Chromium and chromedriver via scripts/browser.sh (installed by scripts/bootstrap.sh, never by a test); skip without them."""
    done = subprocess.run(["bash", str(REPO / "scripts" / "browser.sh"), "--find"], capture_output=True, text=True, timeout=60)
    if done.returncode == 3:
        pytest.skip(f"no Chromium with chromedriver here: {done.stderr.strip()}")
    assert done.returncode == 0, f"scripts/browser.sh failed ({done.returncode}): {done.stderr[-2000:]}"
    chromium, chromedriver = done.stdout.split()[-2:]
    return chromium, chromedriver


@pytest.fixture(scope="module")
def driver(tmp_path_factory):
    """A headless Chromium under Selenium, recording its console and network logs, with a 1280x900 viewport."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    chromium, chromedriver = find_chromium()
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in FLAGS:
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    log = tmp_path_factory.mktemp("chromedriver") / "chromedriver.log"
    with webdriver.Chrome(options=options, service=Service(chromedriver, log_output=str(log))) as browser:
        browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {"width": 1280, "height": 900, "deviceScaleFactor": 1, "mobile": False})
        yield browser


def open_page(driver, url: str) -> list[str]:
    """Load the page and let it paint one frame; the URLs it requested (the logs are read, so emptied, first)."""
    for kind in ("browser", "performance"):
        driver.get_log(kind)
    driver.get(url)
    driver.execute_script("return new Promise((r) => requestAnimationFrame(() => r(1)))")
    events = (json.loads(entry["message"])["message"] for entry in driver.get_log("performance"))
    return [e["params"]["request"]["url"] for e in events if e["method"] == "Network.requestWillBeSent"]


def problems(driver) -> list[str]:
    """Console errors, uncaught exceptions and failed loads logged since the last look."""
    return [entry["message"] for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]


def screenshot(driver, path: Path, height: int) -> None:
    shot = driver.execute_cdp_cmd("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True,
                                                              "clip": {"x": 0, "y": 0, "width": 1280, "height": height, "scale": 1}})
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(base64.b64decode(shot["data"]))


def write_report_with_cli(tmp_path: Path, fake, monkeypatch) -> Path:
    import typer
    from typer.testing import CliRunner

    from lam_models.cli.report import report
    from lam_models.settings import get_settings

    monkeypatch.setenv("LAM_LAKE_ROOT", str(fake.lake_root))
    monkeypatch.setenv("LAM_REGISTRY_ROOT", str(fake.registry_root))
    get_settings.cache_clear()
    app = typer.Typer()
    app.command()(report)
    out = tmp_path / "report.html"
    try:
        result = CliRunner().invoke(app, ["--out", str(out), "--max-tickers", str(MAX_TICKERS)])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    return out


def test_console_error_capture_is_not_vacuous(driver, tmp_path):
    page = tmp_path / "broken.html"
    page.write_text("<!DOCTYPE html><html><body><script>console.error('boom'); notDefined();</script></body></html>")
    open_page(driver, page.as_uri())
    found = problems(driver)
    assert any("boom" in p for p in found) and any("notDefined" in p for p in found), found


def test_report_renders_charts_and_tables_without_errors(driver, tmp_path, monkeypatch):
    fake = build_lake(tmp_path)
    out = write_report_with_cli(tmp_path, fake, monkeypatch)
    requests = open_page(driver, out.as_uri())

    assert problems(driver) == []
    assert requests and [u for u in requests if not u.startswith(("file:", "data:", "about:"))] == []
    counts = driver.execute_script(COUNTS_JS)

    alerts = fake.alerts
    alerted, latest = {}, {}
    for a in alerts:
        if a["kind"] == "ticker":
            alerted[a["key"]] = alerted.get(a["key"], 0) + 1
            latest[a["key"]] = max(latest.get(a["key"], ""), a["window_start"])
    assert counts["alert_rows"] == len(alerts) > 0
    assert len(counts["ticker_cards"]) == min(MAX_TICKERS, len(fake.tickers))
    by_alerts = sorted(sorted(alerted, key=lambda k: latest[k], reverse=True), key=lambda k: -alerted[k])  # most, then latest
    assert counts["ticker_cards"][: len(alerted)] == by_alerts, "tickers with alerts are charted first"
    assert counts["charts"]["ticker-trend"] == len(counts["ticker_cards"])
    assert counts["charts"]["market-trend"] == 1 and counts["charts"]["market-score"] == 1
    assert counts["markers"]["market"] == sum(a["key"] == "market" for a in alerts)
    for key, n in alerted.items():
        assert counts["markers"][key] == n
    charted = {"market", *counts["ticker_cards"]}
    assert counts["evidence_headlines"] == sum(len(a["evidence"]) for a in alerts if a["key"] in charted) > 0
    assert counts["charts"]["class-metrics"] == 1 and counts["class_rows"] == 3 and counts["confusion_cells"] == 9
    assert counts["charts"]["recsys-metrics"] == 2 and counts["recsys_rows"] == 8
    assert counts["ingest_rows"] == 2 and counts["deadletter_rows"] == len(fake.deadletter_reasons)
    assert counts["charts"]["deadletter-reasons"] == 1 and counts["charts"]["label-counts"] == 1
    assert counts["charts_drawn"] == counts["charts_total"], "every chart has a rendered size"
    assert counts["lines_with_points"] >= 2 * (1 + len(counts["ticker_cards"]))
    assert counts["charts"]["topic-volume"] == 1 and counts["charts"]["topic-negative"] == 1 and counts["topic_rows"] == 5
    assert counts["unavailable"] == []
    assert counts["sections"] == ["market", "tickers", "topics", "alerts", "sentiment", "recommender", "quality"]
    assert driver.execute_script(FILTER_JS, "ticker:T003") == sum(a["key"] == "ticker:T003" for a in alerts)
    assert problems(driver) == []

    assert driver.execute_script(FILTER_JS, "") == len(alerts)
    artifacts = Path(os.environ.get("LAM_TEST_ARTIFACTS", tmp_path))
    png = artifacts / "report.png"
    screenshot(driver, png, min(int(counts["page_height"]), 16000))
    assert png.stat().st_size > 20_000 and png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_empty_lake_report_opens_cleanly(driver, tmp_path, monkeypatch):
    from types import SimpleNamespace

    fake = SimpleNamespace(lake_root=tmp_path / "lake", registry_root=tmp_path / "registry")
    out = write_report_with_cli(tmp_path, fake, monkeypatch)
    open_page(driver, out.as_uri())
    assert problems(driver) == []
    counts = driver.execute_script(COUNTS_JS)
    assert counts["charts_total"] == 0 and counts["alert_rows"] == 0
    assert set(counts["unavailable"]) == {"market", "tickers", "topics", "alerts", "sentiment", "recommender", "quality"}
