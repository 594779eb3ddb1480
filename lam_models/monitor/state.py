"""Per-key alert state machine (firing -> cooldown -> resolved), stable alert ids and revisions.

The machine is driven only by the window indices of spikes: windows between spikes (empty or not)
are calm by definition, so an episode's resolution window has a closed form and a late headline that
changes one window changes the outcome deterministically. Given the same windows, the same episodes,
ids and fingerprints come out, whatever order the headlines arrived in.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import pandas as pd

from lam_models.monitor.config import window_nanos

STATES = ("firing", "resolved")
_NOT_IN_FINGERPRINT = ("revision", "fingerprint", "detector")
"""A changed setting alone re-sends nothing: the detector id stays the one that first raised the alert."""


@dataclass(frozen=True)
class Episode:
    """One alert's life on one series, in window indices (``floor(window_start / size)``).

    Attributes:
        fire_index: window that fired; with the key and size it names the alert.
        last_spike_index: last spike absorbed by the episode (no repeat alert was raised for it).
        resolve_index: window whose calm close resolves the episode unless another spike comes first:
            ``max(fire_index + cooldown_windows, last_spike_index + calm_windows)``.
        resolved: whether ``resolve_index`` is complete as of the evaluation time.
        spikes: number of spike windows in the episode, the firing one included.
    """

    fire_index: int
    last_spike_index: int
    resolve_index: int
    resolved: bool
    spikes: int

    @property
    def state(self) -> str:
        """``"resolved"`` or ``"firing"`` (an open episode is firing, then cooling down)."""
        return "resolved" if self.resolved else "firing"

    def status_at(self, window_index: int) -> str:
        """The key's state in a window: quiet, firing, cooldown or resolved."""
        if window_index < self.fire_index:
            return "quiet"
        if window_index == self.fire_index:
            return "firing"
        return "cooldown" if window_index <= self.resolve_index or not self.resolved else "resolved"


def episodes(spike_indices: Iterable[int], cooldown_windows: int, calm_windows: int,
             last_complete_index: int) -> list[Episode]:
    """Group the spike windows of one series into alert episodes.

    A spike fires a new alert unless an open episode absorbs it: a spike at index ``j`` is absorbed
    when ``j <= resolve_index`` of the open episode (still cooling down, or fewer than
    ``calm_windows`` calm windows since its last spike). Otherwise the open episode resolved at its
    ``resolve_index`` and ``j`` fires a new one.

    Args:
        spike_indices: window indices of spike windows of one series (any order, duplicates ignored).
        cooldown_windows: windows after firing in which no new alert can fire.
        calm_windows: consecutive calm windows that resolve an alert.
        last_complete_index: index of the last window that is complete (closed) at evaluation time;
            an episode resolves only if its ``resolve_index`` is at most this.

    Returns:
        Episodes in firing order.
    """
    found: list[Episode] = []
    open_fire = open_last = None
    count = 0
    for j in sorted(set(int(i) for i in spike_indices)):
        if open_fire is not None:
            resolve = max(open_fire + cooldown_windows, open_last + calm_windows)
            if j <= resolve:
                open_last, count = j, count + 1
                continue
            found.append(Episode(open_fire, open_last, resolve, True, count))
        open_fire, open_last, count = j, j, 1
    if open_fire is not None:
        resolve = max(open_fire + cooldown_windows, open_last + calm_windows)
        found.append(Episode(open_fire, open_last, resolve, resolve <= last_complete_index, count))
    return found


def alerting_episodes(found: list[tuple[str, int, Episode]]) -> list[bool]:
    """Which of the (key, window length in ns, episode) raise an alert: a key alerts once per episode whatever window
    size saw it. An episode whose firing window overlaps the span of an episode of the same key that fired no later
    (from its firing window to its resolution) is absorbed by it: a market crash is one alert, not one per size.
    Decided in firing order (the smaller size first on a tie) from earlier firings only, so an alert once raised is
    never absorbed by a later one."""
    order = sorted(range(len(found)), key=lambda i: ((found[i][2].fire_index + 1) * found[i][1], found[i][1]))
    spans: dict[str, list[tuple[int, int]]] = {}
    raised = [False] * len(found)
    for i in order:
        key, nanos, episode = found[i]
        start, end = episode.fire_index * nanos, (episode.fire_index + 1) * nanos
        open_spans = spans.setdefault(key, [])
        if not any(first < end and start < last for first, last in open_spans):
            raised[i] = True
            open_spans.append((start, (episode.resolve_index + 1) * nanos))
    return raised


def iso_utc(value: pd.Timestamp | str | int) -> str:
    """``YYYY-MM-DDTHH:MM:SS[.ffffff]Z`` in UTC for a timestamp (naive values are taken as UTC)."""
    ts = pd.Timestamp(value)
    ts = ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")
    text = ts.strftime("%Y-%m-%dT%H:%M:%S")
    micros = ts.microsecond
    return f"{text}.{micros:06d}Z" if micros else f"{text}Z"


def alert_id(key: str, window_size: str, window_start: pd.Timestamp | str) -> str:
    """Stable id of an alert: sha256 of key, window length in ns and window start, 32 hex chars.

    Equal window lengths spelled differently (``"60min"``, ``"1h"``) give the same id.
    """
    text = f"{key}|{window_nanos(window_size)}|{iso_utc(window_start)}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def fingerprint(record: dict[str, Any]) -> str:
    """Content hash of an alert record, blind to ``revision``, ``fingerprint`` and ``detector`` (16 hex chars)."""
    content = {k: v for k, v in record.items() if k not in _NOT_IN_FINGERPRINT}
    text = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def merge_revision(previous: dict[str, Any] | None, current: dict[str, Any]) -> dict[str, Any] | None:
    """What to deliver for ``current`` given the last delivered version of the same alert.

    Args:
        previous: the record last sent with this ``alert_id`` (None if never sent).
        current: the freshly recomputed record.

    Returns:
        None when nothing changed (same fingerprint): deliver nothing. Otherwise ``current`` with
        ``revision`` raised above the previous one, so consumers keep the highest revision.

    Raises:
        ValueError: the two records are about different alerts.
    """
    if previous is None:
        return current
    if previous["alert_id"] != current["alert_id"]:
        raise ValueError(f"cannot merge alert {current['alert_id']} into {previous['alert_id']}: ids differ")
    if previous.get("fingerprint") == current["fingerprint"]:
        return None
    return {**current, "revision": max(int(previous["revision"]) + 1, int(current["revision"]))}


def deliveries(previous_by_id: dict[str, dict[str, Any]], current: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The alerts to deliver now: new ones, and changed ones as their next revision (in input order)."""
    merged = (merge_revision(previous_by_id.get(alert["alert_id"]), alert) for alert in current)
    return [alert for alert in merged if alert is not None]
