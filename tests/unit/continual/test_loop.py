"""One tiny continual round end to end: production -> candidate version with its accuracy matrix; no promotion."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from lam_models.continual.config import ContinualConfig
from lam_models.continual.l2sp import L2SPHook
from lam_models.continual.loop import run_round
from lam_models.registry import show
from lam_models.registry.pointers import production_version, promote
from lam_models.sentiment import api
from lam_models.sentiment.config import TrainConfig
from lam_models.sentiment.data import LabelledTexts
from lam_models.settings import Settings

TINY = dict(num_layers=1, batch_size=8, epochs=1, max_steps=2, progress=False, max_seq_length=32, num_threads=1)


class WithContinual:
    """Settings plus a ``continual`` section, as the lead's Settings will have."""

    def __init__(self, settings: Settings, continual: ContinualConfig) -> None:
        self._settings, self.continual = settings, continual

    def __getattr__(self, name: str):
        return getattr(self._settings, name)


def new_labels(n: int = 12) -> LabelledTexts:
    rows = []
    for i in range(n):
        rows += [(f"Quarterly revenue jumped {i + 5} % beating forecasts .", 2),
                 (f"Shares slumped {i + 3} % after the profit warning .", 0),
                 (f"The annual meeting is held in Espoo on May {i + 1} .", 1)]
    return LabelledTexts([t for t, _ in rows], np.array([y for _, y in rows], np.int64), "new")


def test_no_production_is_a_reject_without_a_version(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path / "home", registry_root=tmp_path / "registry")
    result = run_round(settings, 2, data=new_labels())
    assert result["verdict"] == "reject" and result["version"] is None and "no production" in result["reason"]


def test_l2sp_penalty_is_zero_at_start_and_grows_with_distance() -> None:
    import torch

    from lam_models.sentiment.hooks import TrainState

    model = torch.nn.Sequential(torch.nn.Linear(2, 2))
    hook = L2SPHook(0.5, skip_prefixes=())
    hook.on_train_start(TrainState(model=model, tokenizer=None, device=torch.device("cpu")))  # type: ignore[arg-type]
    assert float(hook.penalty().detach()) == 0.0
    with torch.no_grad():
        model[0].weight.add_(1.0)
    assert float(hook.penalty().detach()) == pytest.approx(4.0)
    assert float(hook.loss(None, None, None, torch.tensor(1.0)).detach()) == pytest.approx(1.0 + 0.5 * 0.5 * 4.0)  # type: ignore[arg-type]


def test_round_writes_a_candidate_with_matrix_and_does_not_promote(tmp_path: Path, tiny_csv: Path) -> None:
    base = Settings(home=tmp_path / "home", registry_root=tmp_path / "registry", data_dir=tmp_path / "data")
    production = api.train_sentiment(TrainConfig(dataset=str(tiny_csv), **TINY), base)
    promote(base.registry_root, production)
    settings = WithContinual(base, ContinualConfig(replay_size=16, min_new_labels=10, steps_per_budget=1.0))
    result = run_round(settings, 2, data=new_labels())
    assert result["verdict"] in ("promote", "reject") and result["reason"].startswith(result["verdict"])
    assert production_version(base.registry_root) == production  # run_round never promotes
    info = show(base.registry_root, result["version"])
    assert info["verified"] and info["version"]["parent"] == production
    tasks = info["version"]["tasks"]
    assert [t["dataset"] for t in tasks][0] == str(tiny_csv) and len(tasks) == 2
    assert info["metrics"]["training"]["steps"] == 2 and "l2sp" in info["metrics"]["training"]["hooks"]
    record = json.loads((base.registry_root / "sentiment" / "versions" / result["version"] / "continual.json").read_text())
    assert len(record["matrix"]) == 2 and record["matrix"][1][0] is not None and record["bwt"] == result["bwt"]
    assert record["replay_rows"] == 16 and record["verdict"] == result["verdict"]

    promote(base.registry_root, result["version"])  # what the DAG does on "promote"
    same = run_round(settings, 2, data=new_labels())
    assert same["verdict"] == "reject" and same["version"] is None and "already trained on" in same["reason"]
    third = run_round(settings, 2, data=more_labels())
    assert len(third["tasks"]) == 3 and len(third["matrix"]) == 3
    assert third["matrix"][1][:2] == record["matrix"][1][:2]  # history row carried over from continual.json


def more_labels() -> LabelledTexts:
    rows = []
    for i in range(10):
        rows += [(f"Orders grew to {i + 20} units and margins widened .", 2),
                 (f"The lender cut {i + 40} jobs amid mounting losses .", 0),
                 (f"The report covers the period from January to March {2000 + i} .", 1)]
    return LabelledTexts([t for t, _ in rows], np.array([y for _, y in rows], np.int64), "more")
