"""Alert state machine: cooldown without repeats, resolution after calm windows, stable ids, revisions."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lam_models.monitor.state import alert_id, alerting_episodes, episodes, fingerprint, merge_revision


def test_one_spike_fires_then_resolves_after_cooldown_and_calm() -> None:
    (episode,) = episodes([10], cooldown_windows=3, calm_windows=2, last_complete_index=100)
    assert (episode.fire_index, episode.resolve_index, episode.state) == (10, 13, "resolved")
    statuses = [episode.status_at(i) for i in (9, 10, 11, 13, 14)]
    assert statuses == ["quiet", "firing", "cooldown", "cooldown", "resolved"]


def test_spikes_during_cooldown_do_not_repeat_the_alert() -> None:
    (episode,) = episodes([10, 11, 12, 14], cooldown_windows=3, calm_windows=2, last_complete_index=100)
    assert episode.spikes == 4 and episode.last_spike_index == 14 and episode.resolve_index == 16


def test_a_spike_after_resolution_fires_a_new_alert() -> None:
    first, second = episodes([10, 17], cooldown_windows=3, calm_windows=2, last_complete_index=100)
    assert first.resolve_index == 13 and first.resolved
    assert second.fire_index == 17


def test_an_episode_stays_firing_until_its_resolving_window_is_complete() -> None:
    (episode,) = episodes([10], cooldown_windows=3, calm_windows=2, last_complete_index=12)
    assert episode.state == "firing"
    (episode,) = episodes([10], cooldown_windows=3, calm_windows=2, last_complete_index=13)
    assert episode.state == "resolved"


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(0, 200), max_size=30), st.integers(1, 6), st.integers(1, 6))
def test_episodes_partition_the_spikes_in_order(spikes, cooldown, calm) -> None:
    found = episodes(spikes, cooldown, calm, last_complete_index=1_000)
    assert sum(e.spikes for e in found) == len(set(spikes))
    for previous, current in zip(found, found[1:]):
        assert current.fire_index > previous.resolve_index  # no repeat while cooling down
    for e in found:
        assert e.fire_index <= e.last_spike_index <= e.resolve_index
        assert e.resolve_index == max(e.fire_index + cooldown, e.last_spike_index + calm)
    assert found == episodes(list(reversed(spikes)), cooldown, calm, last_complete_index=1_000)


HOUR, DAY = 3_600 * 10**9, 86_400 * 10**9


def test_a_key_alerts_once_per_episode_whatever_window_size_saw_it() -> None:
    def one(fire: int) -> object:
        return episodes([fire], cooldown_windows=3, calm_windows=2, last_complete_index=10**9)[0]

    day = 100
    found = [
        ("market", HOUR, one(day * 24 + 16)),  # 16:00 fires first ...
        ("market", DAY, one(day)),  # ... so the day that holds it is absorbed
        ("ticker:A", DAY, one(day)),  # another key alerts on its own
        ("market", HOUR, one((day + 2) * 24 + 9)),  # the 16:00 episode resolved at 20:00, the day never alerted
        ("market", DAY, one(day + 10)),  # after every episode resolved: a new alert
    ]
    assert alerting_episodes(found) == [True, False, True, True, True]
    # a day that fired first absorbs the hours of its cooldown, in any input order
    first_day = [("market", DAY, one(day)), ("market", HOUR, one((day + 2) * 24 + 9))]
    assert alerting_episodes(first_day) == [True, False]
    assert alerting_episodes(first_day[::-1]) == [False, True]


def test_alert_id_is_stable_and_blind_to_spelling() -> None:
    a = alert_id("ticker:AAPL", "1h", "2024-01-01T10:00:00Z")
    assert a == alert_id("ticker:AAPL", "60min", "2024-01-01T10:00:00+00:00")
    assert len(a) == 32
    assert a != alert_id("ticker:AAPL", "1d", "2024-01-01T10:00:00Z")
    assert a != alert_id("ticker:MSFT", "1h", "2024-01-01T10:00:00Z")


def test_merge_revision_updates_changed_alerts_and_drops_identical_ones() -> None:
    sent = {"alert_id": "a" * 32, "state": "firing", "revision": 1}
    sent["fingerprint"] = fingerprint(sent)
    same = {**sent, "revision": 1}
    assert merge_revision(sent, same) is None
    assert merge_revision(None, same) == same
    changed = {**sent, "state": "resolved", "revision": 2}
    changed["fingerprint"] = fingerprint(changed)
    assert merge_revision(sent, changed)["revision"] == 2
    late = {**sent, "figures": {"count": 9}, "revision": 1}
    late["fingerprint"] = fingerprint(late)
    assert merge_revision({**changed, "revision": 2}, late)["revision"] == 3
    with pytest.raises(ValueError, match="ids differ"):
        merge_revision(sent, {**late, "alert_id": "b" * 32})


def test_fingerprint_ignores_revision_only() -> None:
    record = {"alert_id": "a", "z": 3.5, "revision": 1}
    assert fingerprint(record) == fingerprint({**record, "revision": 7})
    assert fingerprint(record) != fingerprint({**record, "z": 3.6})
