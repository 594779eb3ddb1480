"""The recommender lifecycle: registry versions, the gate, rollback and empty days, through ``jobs/recommend.py``."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from jobs import recommend
from lam_models import catalog
from lam_models.delta_tables import is_table, read_frame
from lam_models.recsys.store import MODEL_NAME
from lam_models.registry.pointers import production_version, rollback
from lam_models.registry.store import list_versions
from tests.conftest import make_settings

DAY = date(2024, 3, 5)


@pytest.fixture
def settings(tmp_path, tiny_config):
    s = make_settings(tmp_path)
    return s.model_copy(update={"recsys": tiny_config.update(validation_fraction=0.25)})


def served(settings, day: date = DAY) -> set[str]:
    recs, similar = (read_frame(t.path(settings.lake_root)) for t in (catalog.RECOMMENDATIONS, catalog.SIMILAR_ITEMS))
    return {v for frame in (recs, similar) for v in frame.loc[frame["run_date"] == day.isoformat(), "model_version"]}


def test_the_gate_refuses_a_candidate_trained_on_shuffled_items(settings, world):
    catalogue, events = (world["items"], world["emb"]), world["events"]
    first = recommend.run(settings, DAY, events, catalogue)
    assert first.promoted and first.model == first.candidate == production_version(settings.registry_root, MODEL_NAME)

    rng = np.random.default_rng(0)
    shuffled = events.assign(item_id=rng.permutation(events["item_id"].to_numpy()))
    second = recommend.run(settings, DAY, shuffled, catalogue)

    assert second.candidate not in (None, first.candidate) and not second.promoted
    assert second.gate.startswith("reject: validation_ndcg worse than production"), second.gate
    assert production_version(settings.registry_root, MODEL_NAME) == first.candidate
    assert served(settings) == {first.candidate}, "the refused candidate is never served"


def test_an_empty_day_trains_nothing_and_the_next_run_serves_a_rollback(settings, world):
    catalogue, events = (world["items"], world["emb"]), world["events"]
    lenient = settings.model_copy(update={"recsys": settings.recsys.model_copy(update={"gate_max_ndcg_drop": 1.0})})
    first = recommend.run(lenient, DAY, events.iloc[: len(events) // 2], catalogue)
    second = recommend.run(lenient, DAY, events, catalogue)
    assert second.promoted and second.model == second.candidate != first.candidate

    again = recommend.run(lenient, DAY, events.sample(frac=1.0, random_state=1), catalogue)  # same events, other order
    assert again.candidate is None and "nothing trained" in again.skipped and again.model == second.candidate
    assert len(list_versions(lenient.registry_root, MODEL_NAME)) == 2

    rollback(lenient.registry_root, reason="bad recommendations", name=MODEL_NAME)
    after = recommend.run(lenient, date(2024, 3, 6), events, catalogue)
    assert after.candidate is None and after.model == first.candidate
    assert served(lenient, date(2024, 3, 6)) == {first.candidate}


def test_no_production_is_served_when_the_first_candidate_fails_the_floor(settings, world):
    strict = settings.model_copy(update={"recsys": settings.recsys.model_copy(update={"gate_min_coverage": 1.0})})
    result = recommend.run(strict, DAY, world["events"].iloc[:40], (world["items"], world["emb"]))
    assert result.candidate and not result.promoted and "coverage beyond its floor" in result.gate
    assert result.model is None and "no production" in result.skipped
    assert not is_table(catalog.RECOMMENDATIONS.path(strict.lake_root))
