"""Driving times that vary from drive to drive.

Road travel times in the model come from the roads' state (free-flow speed
times the hazards', outages' and repairs' speed factors); a real drive also
varies with traffic, loading at junctions and the driver. With
``policy.travel_time_cv`` above 0, every drive of a vehicle or crew takes its
route's time times a factor drawn from a lognormal distribution with mean 1
and that coefficient of variation (an assumption; 0, the default, keeps
driving times exactly as the roads give them). Observed urban trip times
are right-skewed with long upper tails (Susilawati, Taylor & Somenahalli
2013, "Distributions of travel time variability on urban roads", Journal of
Advanced Transportation 47(8):720–736, who fit Burr XII; Zheng et al. 2017,
"Travel time reliability for urban networks: modelling and empirics",
Journal of Advanced Transportation, doi:10.1155/2017/9147356); the
lognormal is the simpler right-skewed choice made here, an assumption, as
is the coefficient of variation a scenario sets.

Each vehicle draws from its own stream (:func:`sim.world.streams.stream`,
component ``travel``, keyed by a checksum of its id), so the k-th drive of a
truck gets the same factor in every variant of a comparison: adding a
truck, a depot or a team shifts no other vehicle's draws. The planner
plans with the roads' times; ``policy.tours.deadline_margin`` lets it keep
each stop's hand-over that long before its deadline.
"""
from __future__ import annotations

import math
import zlib

import numpy as np

from sim.world.streams import stream

__all__ = ["TravelTimeVariation"]


class TravelTimeVariation:
    """``variation(agent_id)``: the factor of that agent's next drive (1.0 without variation)."""

    def __init__(self, seed: int, cv: float):
        self.seed = int(seed)
        self.cv = float(cv)
        self.sigma = math.sqrt(math.log1p(self.cv ** 2))
        self.streams: dict[str, np.random.Generator] = {}

    def __call__(self, agent: str) -> float:
        if self.cv <= 0:
            return 1.0
        rng = self.streams.get(agent)
        if rng is None:
            rng = self.streams[agent] = stream(self.seed, "travel", zlib.crc32(agent.encode("utf-8")))
        return float(rng.lognormal(-self.sigma ** 2 / 2, self.sigma))
