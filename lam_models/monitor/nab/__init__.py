"""The NAB adapter: run a monitor detector over Numenta Anomaly Benchmark series and score it as NAB does."""

from lam_models.monitor.nab.runner import run_nab

__all__ = ["run_nab"]
