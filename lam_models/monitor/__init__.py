"""Financial sentiment monitor: event-time windows, one detection engine, alert episodes and a NAB adapter.

Pure logic only (pandas/numpy): the Spark job and the NAB runner call into it.
"""

from lam_models.monitor.alerts import alerts_from_windows, detect_alerts, evaluate_windows
from lam_models.monitor.config import MARKET_KEY, TICKER_PREFIX, MonitorConfig, key_kind
from lam_models.monitor.detector import AnomalyDetector, NullDetector, WindowedGaussianDetector
from lam_models.monitor.engine import DETECTORS, make_detector, episode_onsets
from lam_models.monitor.evidence import top_headlines
from lam_models.monitor.state import Episode, alert_id, episodes, fingerprint, merge_revision
from lam_models.monitor.surprise import MonitorDetector
from lam_models.monitor.windows import compute_windows, explode_keys, window_stats

__all__ = [
    "DETECTORS",
    "MARKET_KEY",
    "TICKER_PREFIX",
    "AnomalyDetector",
    "Episode",
    "MonitorConfig",
    "MonitorDetector",
    "NullDetector",
    "WindowedGaussianDetector",
    "alert_id",
    "alerts_from_windows",
    "compute_windows",
    "detect_alerts",
    "episodes",
    "evaluate_windows",
    "explode_keys",
    "fingerprint",
    "key_kind",
    "make_detector",
    "merge_revision",
    "episode_onsets",
    "top_headlines",
    "window_stats",
]
