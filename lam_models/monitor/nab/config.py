"""Constants of the NAB adapter only: production alerts never read them, so changing one never changes a ``detector`` id."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class NabConfig:
    """How the monitor's detector is applied to a univariate NAB series.

    Attributes:
        detector: registry name of the detector to run (``monitor``, ``windowedGaussian``, ``null``).
        two_sided: score falls as well as rises (NAB anomalies go both ways; the monitor alerts on
            rises of the negative share only).
        episode_half_life: records over which an episode's held high fades to half; a score counts only
            where it tops it (alert once per episode: NAB charges each repeat outside a window); 0
            reports every score.
    """

    detector: str = "monitor"
    two_sided: bool = True
    episode_half_life: float = 200.0

    def __post_init__(self) -> None:
        if self.episode_half_life < 0:
            raise ValueError(f"episode_half_life must be >= 0, got {self.episode_half_life!r}")
