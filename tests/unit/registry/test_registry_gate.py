"""One gate interface for every model kind: tolerance rules, promote only through the gate, and ``lam model --kind``."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from lam_models.cli import app
from lam_models.continual.gate import ContinualGate
from lam_models.registry.gate import Rule, ToleranceGate, promote_if_passing
from lam_models.registry.pointers import production_version, read_pointer
from lam_models.registry.store import write_version
from lam_models.settings import get_settings

GATE = ToleranceGate((Rule("ndcg", tolerance=0.02), Rule("coverage", floor=0.1), Rule("outliers", higher_is_better=False, floor=0.5)))


def store(root: Path, name: str, **metrics: float) -> str:
    return write_version(root, lambda folder: (folder / "weights.json").write_text("{}"), config={}, metrics=metrics,
                         data_hash="d", name=name)


def test_a_candidate_passes_only_within_tolerance_and_floors() -> None:
    production = {"ndcg": 0.30, "coverage": 0.2, "outliers": 0.1}
    assert GATE.decide({"ndcg": 0.285, "coverage": 0.2, "outliers": 0.1}, production).passed
    worse = GATE.decide({"ndcg": 0.27, "coverage": 0.2, "outliers": 0.1}, production)
    assert worse.verdict == "reject" and "ndcg worse than production" in worse.reason and "0.2700" in worse.reason
    assert "coverage beyond its floor" in GATE.decide({"ndcg": 0.3, "coverage": 0.05, "outliers": 0.1}, production).reason
    assert "outliers beyond its ceiling" in GATE.decide({"ndcg": 0.3, "coverage": 0.2, "outliers": 0.6}, production).reason
    assert "has no coverage" in GATE.decide({"ndcg": 0.3, "outliers": 0.1}, production).reason
    first = GATE.decide({"ndcg": 0.01, "coverage": 0.2, "outliers": 0.1}, None)
    assert first.passed and "no production figure to compare" in first.reason


def test_promote_if_passing_keeps_production_on_a_worse_candidate(tmp_path: Path) -> None:
    good = store(tmp_path, "demo", ndcg=0.3, coverage=0.2, outliers=0.1)
    assert promote_if_passing(tmp_path, good, GATE, "demo", "nightly").passed
    bad = store(tmp_path, "demo", ndcg=0.2, coverage=0.2, outliers=0.1)
    decision = promote_if_passing(tmp_path, bad, GATE, "demo", "nightly")
    assert not decision.passed and production_version(tmp_path, "demo") == good
    assert read_pointer(tmp_path, "demo")["history"][-1]["reason"].startswith("nightly: promote: ndcg 0.3000")


def test_the_continual_gate_reads_the_candidates_own_record() -> None:
    gate = ContinualGate(min_improvement_points=0.0, max_bwt_drop_points=1.0)
    recorded = {"continual": {"candidate_accuracy": [0.80, 0.90], "production_accuracy": [0.81, 0.70], "bwt": -0.03}}
    decision = gate.decide(gate.metrics(recorded), None)
    assert decision.verdict == "reject" and "forgets earlier tasks" in decision.reason
    assert "not a continual candidate" in gate.decide(gate.metrics({"test": {"accuracy": 0.9}}), None).reason


def run_cli(monkeypatch, tmp_path: Path, *args: str):
    monkeypatch.setenv("LAM_REGISTRY_ROOT", str(tmp_path))
    get_settings.cache_clear()
    try:
        return CliRunner().invoke(app, list(args))
    finally:
        get_settings.cache_clear()


def test_one_cli_group_lists_gates_promotes_and_rolls_back_every_kind(monkeypatch, tmp_path: Path) -> None:
    first = store(tmp_path, "recsys", validation_ndcg=0.30, coverage=0.25)
    second = store(tmp_path, "recsys", validation_ndcg=0.31, coverage=0.30)
    degraded = store(tmp_path, "recsys", validation_ndcg=0.05, coverage=0.30)

    assert run_cli(monkeypatch, tmp_path, "model", "promote", first, "--kind", "recsys", "--gate").exit_code == 0
    assert run_cli(monkeypatch, tmp_path, "model", "promote", second, "--kind", "recsys", "--gate").exit_code == 0
    refused = run_cli(monkeypatch, tmp_path, "model", "promote", degraded, "--kind", "recsys", "--gate")
    assert refused.exit_code == 1 and "GATE: reject" in refused.output
    assert production_version(tmp_path, "recsys") == second

    listed = run_cli(monkeypatch, tmp_path, "model", "list", "--kind", "recsys")
    assert listed.exit_code == 0 and f"* {second}" in listed.output and "'validation_ndcg': 0.05" in listed.output
    assert run_cli(monkeypatch, tmp_path, "model", "rollback", "--kind", "recsys").exit_code == 0
    assert production_version(tmp_path, "recsys") == first
    shown = run_cli(monkeypatch, tmp_path, "model", "show", degraded, "--kind", "recsys")
    assert shown.exit_code == 0 and '"verified": true' in shown.output
    unknown = run_cli(monkeypatch, tmp_path, "model", "list", "--kind", "movies")
    assert unknown.exit_code == 2 and "unknown model kind 'movies'" in unknown.output


@pytest.mark.parametrize("kind", ["sentiment", "topics", "recsys"])
def test_every_kind_has_a_gate_and_a_summary(kind: str) -> None:
    from lam_models.lifecycle import model_kind
    from lam_models.settings import Settings

    chosen = model_kind(kind)
    assert chosen.gate(Settings()).decide({}, None).verdict == "reject"
    assert isinstance(chosen.summary({}, {}), dict)
