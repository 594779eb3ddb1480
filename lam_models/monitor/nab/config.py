"""Constants of the NAB adapter only: production alerts never read them, so changing one never changes a ``detector`` id."""

from __future__ import annotations

from pydantic import Field

from lam_models.config_model import FrozenConfig


class NabConfig(FrozenConfig):
    """How the monitor's detector is applied to a univariate NAB series."""

    detector: str = Field("monitor", description="registry name of the detector to run (``monitor``, ``windowedGaussian``, ``null``).")
    two_sided: bool = Field(True, description="score falls as well as rises (NAB anomalies go both ways; the monitor alerts on rises of the negative share only).")
    episode_half_life: float = Field(200.0, ge=0, description="records over which an episode's held high fades to half; a score counts only where it tops it (alert once per episode: NAB charges each repeat outside a window); 0 reports every score.")

