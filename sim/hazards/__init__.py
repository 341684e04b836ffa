"""Hazard models: each turns a scenario's hazard into a timeline of world changes.

* :mod:`sim.hazards.earthquake` — shaking, bridge damage, debris, displaced
  and trapped people;
* :mod:`sim.hazards.rainfall` — ponding, flooded roads, displaced residents
  of low-lying zones;
* :mod:`sim.hazards.outages` — the "three/four outages" windows (roads,
  power, communications, water) and no outside support.

Each model is a pure function of the scenario section, the road graph, the
zone table and a seeded generator, returning a
:class:`~sim.hazards.timeline.HazardOutcome`; :mod:`sim.engine.hazard_schedule`
applies it to a running world.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from sim.hazards.timeline import HazardOutcome, RoadChange, WorkSite

__all__ = ["hazard_outcome", "HazardOutcome", "RoadChange", "WorkSite"]


def hazard_outcome(hazard, graph, zones: pd.DataFrame, rng: np.random.Generator) -> HazardOutcome | None:
    """The outcome of the scenario's ``hazard`` section, or ``None`` for ``type: none``."""
    if hazard.type == "earthquake":
        from sim.hazards.earthquake import earthquake_outcome

        return earthquake_outcome(
            hazard, graph, zones["lon"].to_numpy(), zones["lat"].to_numpy(), zones["population"].to_numpy(),
            rng, zone_node=zones["node"].to_numpy(), zone_vulnerable_share=zones["vulnerable_share"].to_numpy())
    if hazard.type == "rainfall":
        from sim.hazards.rainfall import rainfall_outcome

        return rainfall_outcome(hazard, graph, zones["node"].to_numpy(), zones["population"].to_numpy(), rng,
                                zone_township=zones["township"].to_numpy())
    return None
