"""The HTML report in a real browser: headless Chromium (Debian's ``chromium``) over the DevTools protocol.

``lam report`` runs on a small synthetic lake; Chromium opens the file from ``file://`` with the
network domain watched. The test finds no console errors or exceptions, no request leaving the
file, charts and tables rendered with the counts the lake implies, and saves a full-page PNG
(``$LAM_TEST_ARTIFACTS/report.png``, else pytest's tmp dir).
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from tests.unit.report.fixtures import build_lake

REPO = Path(__file__).resolve().parents[2]
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--hide-scrollbars", "--mute-audio", "--remote-debugging-port=0")
MAX_TICKERS = 6

COUNTS_JS = """JSON.stringify((() => {
  const all = (s) => Array.from(document.querySelectorAll(s));
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
  };
})())"""

FILTER_JS = """(() => {
  const input = document.getElementById('alert-filter');
  input.value = 'ticker:T003'; input.dispatchEvent(new Event('input'));
  return document.querySelectorAll('#alert-table tbody tr:not(.hidden)').length;
})()"""


class DevTools:
    """A minimal Chrome DevTools protocol client (one websocket, flattened target sessions)."""

    def __init__(self, connection: Any) -> None:
        self.ws = connection
        self.events: list[dict[str, Any]] = []
        self._id = 0

    def call(self, method: str, session: str | None = None, timeout: float = 30, **params: Any) -> dict[str, Any]:
        self._id += 1
        message: dict[str, Any] = {"id": self._id, "method": method, "params": params}
        if session:
            message["sessionId"] = session
        self.ws.send(json.dumps(message))
        deadline = time.monotonic() + timeout
        while True:
            reply = json.loads(self.ws.recv(timeout=max(deadline - time.monotonic(), 0.01)))
            if reply.get("id") == self._id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self.events.append(reply)

    def wait_for(self, event: str, timeout: float = 30) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            for message in self.events:
                if message.get("method") == event and not message.get("_seen"):
                    message["_seen"] = True
                    return message
            self.events.append(json.loads(self.ws.recv(timeout=max(deadline - time.monotonic(), 0.01))))

    def problems(self) -> list[str]:
        """Console errors, uncaught exceptions and error log entries seen so far."""
        found = []
        for m in self.events:
            params = m.get("params", {})
            if m.get("method") == "Runtime.exceptionThrown":
                found.append("exception: " + params["exceptionDetails"].get("exception", {}).get("description", str(params)))
            elif m.get("method") == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
                found.append("console.error: " + " ".join(str(a.get("value", a.get("description"))) for a in params["args"]))
            elif m.get("method") == "Log.entryAdded" and params["entry"]["level"] == "error":
                found.append("log: " + params["entry"]["text"])
        return found

    def requests(self) -> list[str]:
        return [m["params"]["request"]["url"] for m in self.events if m.get("method") == "Network.requestWillBeSent"]


def find_chromium() -> str:
    """Locate Chromium via scripts/browser.sh (installed by scripts/bootstrap.sh, never by a test); skip without one."""
    done = subprocess.run(["bash", str(REPO / "scripts" / "browser.sh"), "--find"], capture_output=True, text=True, timeout=60)
    if done.returncode == 3:
        pytest.skip(f"no Chromium here: {done.stderr.strip()}")
    assert done.returncode == 0, f"scripts/browser.sh failed ({done.returncode}): {done.stderr[-2000:]}"
    return done.stdout.strip().splitlines()[-1]


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    """A headless Chromium on a fresh profile, and a DevTools client attached to a new page."""
    from websockets.sync.client import connect

    binary = find_chromium()
    profile = tmp_path_factory.mktemp("chromium-profile")
    log = open(profile.parent / "chromium.log", "wb")
    proc = subprocess.Popen([binary, *FLAGS, f"--user-data-dir={profile}", "about:blank"], stdout=log, stderr=log)
    try:
        port_file = profile / "DevToolsActivePort"
        deadline = time.monotonic() + 60
        while not (port_file.is_file() and len(port_file.read_text().split()) == 2):
            assert proc.poll() is None, f"chromium exited with {proc.returncode}; see {log.name}"
            assert time.monotonic() < deadline, "chromium did not open its DevTools port within 60 s"
            time.sleep(0.1)
        port, path = port_file.read_text().split()
        with connect(f"ws://127.0.0.1:{port}{path}", max_size=None, open_timeout=30) as connection:
            tools = DevTools(connection)
            target = tools.call("Target.createTarget", url="about:blank")["targetId"]
            session = tools.call("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
            for domain in ("Page", "Runtime", "Log", "Network"):
                tools.call(f"{domain}.enable", session)
            tools.call("Emulation.setDeviceMetricsOverride", session, width=1280, height=900, deviceScaleFactor=1, mobile=False)
            yield tools, session
            tools.call("Browser.close")
    finally:
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def open_page(tools: DevTools, session: str, url: str) -> None:
    tools.events.clear()
    tools.call("Page.navigate", session, url=url)
    tools.wait_for("Page.loadEventFired")
    tools.call("Runtime.evaluate", session, expression="new Promise(r => requestAnimationFrame(() => r(1)))", awaitPromise=True)


def evaluate(tools: DevTools, session: str, expression: str) -> Any:
    return tools.call("Runtime.evaluate", session, expression=expression, returnByValue=True)["result"]["value"]


def screenshot(tools: DevTools, session: str, path: Path, height: int) -> None:
    shot = tools.call("Page.captureScreenshot", session, timeout=60, format="png", captureBeyondViewport=True,
                      clip={"x": 0, "y": 0, "width": 1280, "height": height, "scale": 1})
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


def test_console_error_capture_is_not_vacuous(browser, tmp_path):
    tools, session = browser
    page = tmp_path / "broken.html"
    page.write_text("<!DOCTYPE html><html><body><script>console.error('boom'); notDefined();</script></body></html>")
    open_page(tools, session, page.as_uri())
    problems = tools.problems()
    assert any("boom" in p for p in problems) and any("notDefined" in p for p in problems), problems


def test_report_renders_charts_and_tables_without_errors(browser, tmp_path, monkeypatch):
    tools, session = browser
    fake = build_lake(tmp_path)
    out = write_report_with_cli(tmp_path, fake, monkeypatch)
    open_page(tools, session, out.as_uri())

    assert tools.problems() == []
    assert [u for u in tools.requests() if not u.startswith(("file:", "data:", "about:"))] == []
    counts = evaluate(tools, session, COUNTS_JS)
    counts = json.loads(counts)

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
    assert evaluate(tools, session, FILTER_JS) == sum(a["key"] == "ticker:T003" for a in alerts)
    assert tools.problems() == []

    evaluate(tools, session, "(() => { const i = document.getElementById('alert-filter'); i.value = ''; "
                             "i.dispatchEvent(new Event('input')); return 1; })()")
    artifacts = Path(os.environ.get("LAM_TEST_ARTIFACTS", tmp_path))
    png = artifacts / "report.png"
    screenshot(tools, session, png, min(int(counts["page_height"]), 16000))
    assert png.stat().st_size > 20_000 and png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_empty_lake_report_opens_cleanly(browser, tmp_path, monkeypatch):
    from types import SimpleNamespace

    fake = SimpleNamespace(lake_root=tmp_path / "lake", registry_root=tmp_path / "registry")
    tools, session = browser
    out = write_report_with_cli(tmp_path, fake, monkeypatch)
    open_page(tools, session, out.as_uri())
    assert tools.problems() == []
    counts = json.loads(evaluate(tools, session, COUNTS_JS))
    assert counts["charts_total"] == 0 and counts["alert_rows"] == 0
    assert set(counts["unavailable"]) == {"market", "tickers", "topics", "alerts", "sentiment", "recommender", "quality"}
