"""``airflow dags test`` end to end on the embedded default: SQLite metadata DB, the test broker, local Spark.

Each DAG run is a subprocess with the test's Settings as ``LAM_*`` env vars (``Settings.to_env``),
so it reads the records this test replayed into its own topics and writes into its own lake and
registry. The sentiment model is a real but tiny fine-tune (one encoder layer, 200 steps on
PhraseBank), trained once per session.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import uuid
from datetime import timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from lam_models import catalog
from lam_models.delta_tables import read_frame
from lam_models.adapters.kafka_admin import read_topic_since
from lam_models.adapters.producers import encode, movielens_messages, produce
from lam_models.datasets import fetch
from tests.conftest import DATA_DIR, make_settings
from tests.dags import airflow_env, latest_xcoms, run_airflow, run_state
from tests.lake_tables import data_files, read
from tests.records import DAY0, good_news

pytestmark = pytest.mark.integration

DAY = DAY0.date().isoformat()                   # 2024-03-04: good_news puts even i on it, odd i on the next day
NEXT_DAY = (DAY0 + timedelta(days=1)).date().isoformat()
AFTER = (DAY0 + timedelta(days=2)).date().isoformat()
TABLES = ("bronze/news", "silver/news", "deadletter", "bronze/interactions")


def install_registry(settings, tiny_version: tuple[Path, str], promote: bool) -> str:
    """Copy the tiny registry to ``settings.registry_root``; optionally make its version production."""
    from lam_models.registry.pointers import promote as promote_version

    source, version = tiny_version
    shutil.copytree(source, settings.registry_root)
    if promote:
        promote_version(settings.registry_root, version, reason="test")
    return version


@pytest.fixture
def dag_settings(broker, tmp_path):
    """Settings with their own topics on the test broker, lake and registry; 2-core local Spark; a small recommender."""
    from lam_models.adapters.kafka_admin import ensure_topics
    from lam_models.settings import SparkSettings

    settings = make_settings(tmp_path, spark=SparkSettings(master="local[2]", shuffle_partitions=2))
    recsys = settings.recsys.model_copy(update={"max_epochs": 5, "no_components": 16, "k": 5, "gate_min_coverage": 0.0})
    settings = settings.model_copy(update={"recsys": recsys})
    ensure_topics(settings)
    return settings


def dags_test(home: Path, settings, tmp_path: Path, *args: str) -> str:
    log = tmp_path / f"airflow-dags-test-{args[0]}-{uuid.uuid4().hex[:6]}.log"
    output = run_airflow(["dags", "test", *args], airflow_env(home, settings.to_env()), log)
    assert run_state(home, args[0]) == "success", output[-4000:]
    return output


def table(settings, name: str) -> pd.DataFrame:
    return read(catalog.path(settings.lake_root, name))


def snapshot(settings) -> dict[str, str]:
    """Every published data file of the pipeline's tables with its sha256."""
    return {
        str(path.relative_to(settings.lake_root)): hashlib.sha256(path.read_bytes()).hexdigest()
        for name in TABLES for path in data_files(catalog.path(settings.lake_root, name))
    }


def spike_news(n: int, ticker: str = "NFLX", first: int = 0) -> list[tuple[bytes, bytes, int]]:
    """n negative headlines on one ticker within one hour of DAY (12:00-13:00), stamped with their event time."""
    out = []
    for i in range(first, first + n):
        when = DAY0 + timedelta(hours=3, minutes=2 * i)
        record = {"schema_version": 1, "id": f"spike-{i}", "tickers": [ticker], "published_at": when.isoformat(), "source": "test",
                  "headline": f"{ticker} shares plunge {10 + i} % after profit warning as net sales fell and losses widened"}
        out.append((ticker.encode(), encode(record), int(when.timestamp() * 1000)))
    return out


CALM = ("{t} to present at media conference next week", "{t} schedules quarterly earnings call",
        "{t} adds new titles to its catalogue", "{t} names new head of investor relations")


def calm_news(days: int, ticker: str = "NFLX") -> list[tuple[bytes, bytes, int]]:
    """Two everyday headlines a day on one ticker in the ``days`` days before DAY: the key's history."""
    out = []
    for d in range(days, 0, -1):
        for j in range(2):
            when = DAY0 - timedelta(days=d, hours=-4 * j)
            record = {"schema_version": 1, "id": f"calm-{d}-{j}", "tickers": [ticker], "published_at": when.isoformat(),
                      "source": "test", "headline": CALM[(d + j) % len(CALM)].format(t=ticker)}
            out.append((ticker.encode(), encode(record), int(when.timestamp() * 1000)))
    return out


def ratings_in(day0, n: int) -> list[tuple[bytes, bytes, int]]:
    """The first n MovieLens-100k ratings replayed with broker timestamps one second apart from ``day0``."""
    messages = movielens_messages(fetch("movielens_100k", DATA_DIR))[:n]
    return [(key, value, int(day0.timestamp() * 1000) + 1000 * i) for i, (key, value, _) in enumerate(messages)]


def test_nightly_runs_every_step_alerts_on_the_burst_and_reads_a_late_headline_the_next_night(airflow_home, dag_settings, tiny_version, tmp_path) -> None:
    s = dag_settings
    version = install_registry(s, tiny_version, promote=True)
    produce(s, s.topics.news, calm_news(8) + good_news(20) + spike_news(12), progress=False)
    produce(s, s.topics.interactions, ratings_in(DAY0, 3000) + ratings_in(DAY0 + timedelta(days=1), 50), progress=False)
    expected = {f"t-{i}" for i in range(20)} | {f"spike-{i}" for i in range(12)} | {f"calm-{d}-{j}" for d in range(1, 9) for j in (0, 1)}

    dags_test(airflow_home, s, tmp_path, "nightly", NEXT_DAY)  # the run at NEXT_DAY 00:00 covers [DAY, NEXT_DAY)

    xcoms = latest_xcoms(airflow_home, "nightly")
    ingested, scored = xcoms[("ingest_news", "return_value")], xcoms[("score", "return_value")]
    assert ingested["interval"] == [f"{DAY}T00:00:00+00:00", f"{NEXT_DAY}T00:00:00+00:00"], "the run reports its data interval"
    assert (ingested["bronze"], ingested["deadletter"], ingested["reconciled"]) == (48, 0, True), "every new offset, whatever its time"
    interactions = xcoms[("ingest_interactions", "return_value")]
    assert (interactions["records_in"], interactions["bronze"], interactions["reconciled"]) == (3050, 3000, True), \
        "the second day replays 50 ratings already in bronze"
    assert scored["rows_out"] == 48 and scored["model_version"] == version
    assert xcoms[("rescore", "return_value")]["files"] == 0, "everything was just scored by production"
    assert xcoms[("topics", "return_value")]["rows"] == 48, "the topic model is refit on silver"
    bronze, silver = table(s, "bronze/news"), table(s, "silver/news")
    assert set(bronze["id"]) == expected and len(set(bronze["event_date"].astype(str))) == 10, "bronze stays by event date"
    assert set(silver["id"]) == expected and silver["id"].is_unique
    assert np.stack(silver["embedding"].to_numpy()).shape == (48, 384)
    assert set(silver["model_version"]) == {version} and silver["label"].notna().all()
    assert (silver.loc[silver["id"].str.startswith("spike-"), "label"] == "negative").all(), "the model reads a profit warning"

    monitored = xcoms[("monitor", "return_value")]
    alerts = read_frame(catalog.path(s.lake_root, "gold/alerts"))
    sent = [json.loads(v) for v in read_topic_since(s, s.topics.alerts, {})]
    assert monitored["rows"] == 48 and monitored["windows"] > 0
    assert monitored["published"] == len(sent) == monitored["alerts"] == len(alerts)
    assert {a["alert_id"] for a in sent} == set(alerts["alert_id"]), "the topic holds what the table holds"
    burst_start = f"{DAY}T12:00:00Z"
    assert {a["key"] for a in sent if a["kind"] == "ticker"} == {"ticker:NFLX"}, "the burst alerts its ticker, no other"
    [burst] = [a for a in sent if a["key"] == "ticker:NFLX" and a["window_size"] == "1h"]
    assert burst["window_start"] == burst_start and burst["figures"]["count"] == 12
    windows = read_frame(catalog.path(s.lake_root, "gold/monitor_windows"))
    assert windows.loc[(windows["key"] == "market") & (windows["window_size"] == "1d"), "count"].sum() == 48

    recommended = xcoms[("recommend", "return_value")]
    recs = table(s, "gold/recommendations")
    recs = recs[recs["run_date"] == NEXT_DAY]
    users = table(s, "bronze/interactions")["user_id"].nunique()
    assert recommended["users"] == users == len(recs) and recs["user_id"].is_unique
    assert all(len(set(items)) == len(items) == 5 for items in recs["items"])
    report = Path(xcoms[("report", "return_value")]["report"])
    assert report.is_file() and report.name == f"report-{NEXT_DAY}.html" and 'data-chart="' in report.read_text()

    # a headline of the burst hour, stamped with its event time as producers do, reaches Kafka after that night's
    # run: its broker time lies in neither run's interval, so only reading by offsets finds it
    produce(s, s.topics.news, spike_news(1, first=12), progress=False)
    before = {a["alert_id"]: a for a in sent}

    dags_test(airflow_home, s, tmp_path, "nightly", AFTER)

    xcoms = latest_xcoms(airflow_home, "nightly")
    late = xcoms[("ingest_news", "return_value")]
    assert (late["bronze"], late["deadletter"]) == (1, 0) and xcoms[("score", "return_value")]["rows_out"] == 1
    silver = table(s, "silver/news")
    assert set(silver["id"]) == expected | {"spike-12"} and silver["id"].is_unique, "the late headline reached silver once"
    assert silver.loc[silver["id"] == "spike-12", "event_date"].astype(str).item() == DAY, "in its own event date"
    seen = {(a["alert_id"], a["revision"]) for a in sent}
    resent = [a for a in map(json.loads, read_topic_since(s, s.topics.alerts, {})) if (a["alert_id"], a["revision"]) not in seen]
    assert resent and all(a["window_start"] <= "2024-03-04T12:24:00Z" < a["window_end"] for a in resent), \
        "only the windows holding the late headline: their alerts are revised, or appear"
    assert all(a["revision"] > before[a["alert_id"]]["revision"] for a in resent if a["alert_id"] in before), "never a second copy"
    assert len({a["alert_id"] for a in resent}) == len(resent)
    [revised] = [a for a in resent if a["key"] == "ticker:NFLX" and a["window_size"] == "1h"]
    assert revised["alert_id"] == burst["alert_id"] and revised["figures"]["count"] == 13
    assert revised["revision"] == burst["revision"] + 1


def test_backfill_rescores_its_range_with_the_pinned_version_and_a_rerun_changes_nothing(airflow_home, dag_settings, tiny_version, spark, tmp_path) -> None:
    from jobs import ingest, score

    s = dag_settings
    version = install_registry(s, tiny_version, promote=False)
    later = good_news(4, start=100, day0=DAY0 + timedelta(days=3))  # 03-07 and 03-08, outside the pinned range: must stay as they are
    produce(s, s.topics.news, good_news(20) + later, progress=False)
    in_range = {f"t-{i}" for i in range(20)}
    ingest.run("news", s)
    score.run(s)  # what an earlier nightly left: every row scored with the base encoder (nothing promoted)

    silver = table(s, "silver/news")
    assert len(silver) == 24 and silver["id"].is_unique and silver["model_version"].str.startswith("base:").all()
    later = silver[~silver["id"].isin(in_range)].sort_values("id").reset_index(drop=True)
    assert len(later) == 4
    pinned = json.dumps({"start": DAY, "end": AFTER, "model_version": version})

    dags_test(airflow_home, s, tmp_path, "backfill", "-c", pinned)

    first = latest_xcoms(airflow_home, "backfill")
    news, rescored = first[("ingest_news", "return_value")], first[("rescore", "return_value")]
    assert (news["bronze"], news["already_ingested"]) == (0, 20) and first[("score", "return_value")]["batches"] == 0
    # one ingest batch wrote one silver file: Delta rewrites it, keeping the 4 rows outside the range as they were
    assert (rescored["files"], rescored["rows_rescored"], rescored["rows_kept"], rescored["model_version"]) == (1, 20, 4, version)
    silver = table(s, "silver/news").set_index("id")
    assert len(silver) == 24 and silver.index.is_unique
    assert (silver.loc[sorted(in_range), "model_version"] == version).all() and silver.loc[sorted(in_range), "label"].notna().all()
    assert silver.drop(index=sorted(in_range))["model_version"].str.startswith("base:").all()
    kept = table(s, "silver/news").pipe(lambda t: t[~t["id"].isin(in_range)]).sort_values("id").reset_index(drop=True)
    pd.testing.assert_frame_equal(kept[later.columns], later, obj="rows outside the range")
    assert first[("monitor", "return_value")]["rows"] == 20, "the monitor re-evaluated the re-scored rows"
    before = snapshot(s)
    gold = {name: read_frame(catalog.path(s.lake_root, name)) for name in ("gold/alerts", "gold/monitor_windows")}

    dags_test(airflow_home, s, tmp_path, "backfill", "-c", pinned)

    second = latest_xcoms(airflow_home, "backfill")
    news = second[("ingest_news", "return_value")]
    assert (news["bronze"], news["deadletter"], news["already_ingested"]) == (0, 0, 20)
    assert second[("score", "return_value")]["batches"] == 0 and second[("rescore", "return_value")]["files"] == 0
    assert second[("monitor", "return_value")]["published"] == 0
    assert snapshot(s) == before, "a second backfill of the same range changes no table file"
    for name, frame in gold.items():
        again = read_frame(catalog.path(s.lake_root, name))
        assert (frame is None and again is None) or frame.sort_values(list(frame.columns[:4])).reset_index(drop=True).equals(
            again.sort_values(list(frame.columns[:4])).reset_index(drop=True)), f"{name} changed on the rerun"


def new_labels_csv(path: Path, per_class: int = 20) -> Path:
    """``per_class`` PhraseBank 75Agree sentences of each class that the AllAgree subset does not hold."""
    from lam_models.sentiment.data import LABELS, fetch_phrasebank

    seen = set(fetch_phrasebank("allagree", DATA_DIR).texts)
    pool = fetch_phrasebank("75agree", DATA_DIR)
    rows = [(t, LABELS[y]) for t, y in zip(pool.texts, pool.labels) if t not in seen]
    chosen = [row for label in LABELS for row in [r for r in rows if r[1] == label][:per_class]]
    pd.DataFrame(chosen, columns=["text", "label"]).to_csv(path, index=False)
    return path


def test_continual_finetune_round_from_production_with_a_tiny_budget(airflow_home, tiny_version, tmp_path) -> None:
    from lam_models.registry import show
    from lam_models.registry.pointers import production_version
    from lam_models.continual.config import ContinualConfig

    labels = new_labels_csv(tmp_path / "new-labels.csv")
    s = make_settings(tmp_path, home=tmp_path / "home",
                      continual=ContinualConfig(new_labels_path=str(labels), replay_size=16, min_new_labels=30))
    production = install_registry(s, tiny_version, promote=True)

    output = dags_test(airflow_home, s, tmp_path, "continual_finetune", "-c", json.dumps({"budget": 2}))

    xcoms = latest_xcoms(airflow_home, "continual_finetune")
    verdict, round_result = xcoms[("gate", "verdict")], xcoms[("fine_tune", "return_value")]
    assert verdict["verdict"] in ("promote", "reject") and verdict["reason"]
    assert f"GATE VERDICT: {verdict['verdict']}" in output
    candidate = verdict["version"]
    info = show(s.registry_root, candidate)
    assert candidate != production and info["verified"] and info["version"]["parent"] == production
    assert info["metrics"]["training"]["steps"] == 2, "the tiny budget reached the trainer"
    assert len(round_result["matrix"]) == 2 and round_result["production"] == production
    assert xcoms[("evaluate", "return_value")]["version"] == candidate
    assert (verdict["verdict"], "return_value") in xcoms, "the chosen branch ran"
    assert production_version(s.registry_root) == (candidate if verdict["verdict"] == "promote" else production)
