"""The monitor's delivery state: the intent survives until the commit, which swaps the record atomically."""

from __future__ import annotations

from lam_models.adapters.job_state import JobState, intent_key


def test_job_state_commit_clears_the_intent(tmp_path):
    state = JobState.for_job(tmp_path, "monitor", "alerts")
    intent = {"sends": ["a#1"], "topic_offsets": {"0": 5}}
    state.begin(intent)
    assert state.pending() == intent
    state.commit({"last_run": intent_key(intent), "alerts": 1})
    assert state.pending() is None and state.committed() == {"last_run": intent_key(intent), "alerts": 1}
    assert intent_key(intent) == intent_key(dict(intent)) != intent_key({"sends": []})
