"""Financial sentiment monitor: event-time windows, adaptive baselines, spike alerts and a NAB runner.

Pure logic only (pandas/numpy): the Spark job and the Kafka consumer call into it.
"""

from lam_models.monitor.alerts import alerts_from_windows, detect_alerts, evaluate_windows
from lam_models.monitor.baseline import EwmaMeanVar, RollingMedianMad, ewma_share_baseline
from lam_models.monitor.config import MARKET_KEY, TICKER_PREFIX, MonitorConfig, key_kind
from lam_models.monitor.detector import DETECTORS, AnomalyDetector, MonitorDetector, NullDetector, make_detector
from lam_models.monitor.evidence import top_headlines
from lam_models.monitor.nab import run_nab
from lam_models.monitor.spikes import severity, spike_figures
from lam_models.monitor.state import Episode, alert_id, episodes, fingerprint, merge_revision
from lam_models.monitor.windows import compute_windows, explode_keys, window_stats

__all__ = [
    "DETECTORS",
    "MARKET_KEY",
    "TICKER_PREFIX",
    "AnomalyDetector",
    "Episode",
    "EwmaMeanVar",
    "MonitorConfig",
    "MonitorDetector",
    "NullDetector",
    "RollingMedianMad",
    "alert_id",
    "alerts_from_windows",
    "compute_windows",
    "detect_alerts",
    "episodes",
    "evaluate_windows",
    "ewma_share_baseline",
    "explode_keys",
    "fingerprint",
    "key_kind",
    "make_detector",
    "merge_revision",
    "run_nab",
    "severity",
    "spike_figures",
    "top_headlines",
    "window_stats",
]
