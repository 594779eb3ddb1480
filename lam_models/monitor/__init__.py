"""Financial sentiment monitor: event-time windows, one detection engine, alert episodes and a NAB adapter.

Pure logic only (pandas/numpy): the Spark job and the NAB runner call into it.
"""

from lam_models.lazy_exports import lazy_exports

_EXPORTS = {
    "alerts_from_windows": "alerts",
    "detect_alerts": "alerts",
    "evaluate_windows": "alerts",
    "MARKET_KEY": "config",
    "MonitorConfig": "config",
    "TICKER_PREFIX": "config",
    "key_kind": "config",
    "AnomalyDetector": "detector",
    "NullDetector": "detector",
    "WindowedGaussianDetector": "detector",
    "DETECTORS": "engine",
    "episode_onsets": "engine",
    "make_detector": "engine",
    "top_headlines": "evidence",
    "Episode": "state",
    "alert_id": "state",
    "episodes": "state",
    "fingerprint": "state",
    "merge_revision": "state",
    "MonitorDetector": "surprise",
    "compute_windows": "windows",
    "explode_keys": "windows",
    "window_stats": "windows",
}
__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
