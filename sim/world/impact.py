"""Who is hit: the disaster's effect on people, zone by zone.

Without a hazard model, the scenario's ``impact`` section states the effect
directly: the zones in an area (listed townships, a circle or everywhere),
the share of them hit, and in each hit zone the share of residents affected
and the share of the affected displaced (homes uninhabitable), hit at the
section's ``start``; the affected who stay at home are taken to be without
lifelines (they need relief: that is what the section states). Each hit zone's shares are drawn from a Beta
distribution with the stated mean and a relative ``spread`` (the
coefficient of variation), from the run's ``impact`` stream.

The result is an :class:`Impact` with one entry per zone, the same shape a
hazard model produces, so the engine does not care where it came from.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.network.areas import zones_in_area

__all__ = ["ZoneImpact", "impact_from_spec"]


@dataclass
class ZoneImpact:
    """People hit per zone, and when each zone is hit.

    ``affected`` ⊇ ``displaced`` ⊇ ``trapped``; of the affected at home,
    ``outdoors`` sleep outdoors until ``outdoors_until_min`` and
    ``no_lifelines`` are without water and power until ``lifelines_until_min``.
    """

    affected: np.ndarray       # int64 per zone
    displaced: np.ndarray      # int64 per zone, <= affected
    trapped: np.ndarray        # int64 per zone, <= displaced
    time_min: np.ndarray       # float per zone
    outdoors: np.ndarray | None = None
    outdoors_until_min: np.ndarray | None = None
    no_lifelines: np.ndarray | None = None
    lifelines_until_min: np.ndarray | None = None

    def __post_init__(self):
        n = len(self.affected)
        for name in ("outdoors", "no_lifelines"):
            if getattr(self, name) is None:
                setattr(self, name, np.zeros(n, dtype=np.int64))
        for name in ("outdoors_until_min", "lifelines_until_min"):
            if getattr(self, name) is None:
                setattr(self, name, np.full(n, np.inf))

    @classmethod
    def none(cls, n: int) -> "ZoneImpact":
        z = np.zeros(n, dtype=np.int64)
        return cls(z, z.copy(), z.copy(), np.zeros(n))

    def merge(self, other: "ZoneImpact") -> "ZoneImpact":
        """Per zone, the larger of two impacts (a zone hit twice is not hit twice
        as hard), hit at the earlier time of the impacts that hit it."""
        a, b = self.affected > 0, other.affected > 0
        time = np.where(a & b, np.minimum(self.time_min, other.time_min),
                        np.where(a, self.time_min, np.where(b, other.time_min, 0.0)))
        affected = np.maximum(self.affected, other.affected)
        displaced = np.maximum(self.displaced, other.displaced)
        outdoors = np.minimum(np.maximum(self.outdoors, other.outdoors), affected - displaced)
        no_lifelines = np.minimum(np.maximum(self.no_lifelines, other.no_lifelines), affected - displaced - outdoors)
        return ZoneImpact(affected, displaced, np.maximum(self.trapped, other.trapped), time, outdoors,
                          _later(a, self.outdoors_until_min, b, other.outdoors_until_min), no_lifelines,
                          _later(a, self.lifelines_until_min, b, other.lifelines_until_min))


def _later(a_hit: np.ndarray, a_until: np.ndarray, b_hit: np.ndarray, b_until: np.ndarray) -> np.ndarray:
    """Per zone, the later end of a condition among the impacts that hit it (an impact that
    did not hit a zone says nothing of how long its people stay so)."""
    return np.where(a_hit & b_hit, np.maximum(a_until, b_until),
                    np.where(a_hit, a_until, np.where(b_hit, b_until, np.inf)))


def _beta_around(rng: np.random.Generator, mean: float, spread: float, n: int) -> np.ndarray:
    """Draws in [0, 1] with the given mean and coefficient of variation."""
    if spread == 0 or mean >= 1:
        return np.full(n, mean)
    var = (spread * mean) ** 2
    var = min(var, mean * (1 - mean) * 0.999)
    conc = mean * (1 - mean) / var - 1
    return rng.beta(mean * conc, (1 - mean) * conc, size=n)


def impact_from_spec(spec, zones: pd.DataFrame, rng: np.random.Generator) -> ZoneImpact:
    """The per-zone impact stated by a scenario's ``impact`` section.

    Draw order is fixed (hit test, affected, displaced for every zone in the
    table) so a zone's draws do not depend on which other zones are hit.
    """
    n = len(zones)
    in_area = zones_in_area(spec.area, zones)
    hit = in_area & (rng.random(n) < spec.zone_share)
    affected_share = _beta_around(rng, spec.affected_share, spec.spread, n)
    displaced_share = _beta_around(rng, spec.displaced_share, spec.spread, n) if spec.displaced_share > 0 \
        else np.zeros(n)
    pop = zones["population"].to_numpy()
    affected = np.where(hit, np.round(pop * affected_share), 0).astype(np.int64)
    displaced = np.round(affected * displaced_share).astype(np.int64)
    start = float(spec.start)
    return ZoneImpact(affected=affected, displaced=displaced, trapped=np.zeros(n, dtype=np.int64),
                      time_min=np.full(n, start), no_lifelines=affected - displaced,
                      lifelines_until_min=np.full(n, start + float(spec.lifelines_restored_after)))
