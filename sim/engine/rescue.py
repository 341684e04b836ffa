"""Digging out the trapped: neighbours over the first day, then rescue crews.

The scenario's ``self_rescue_share`` of each zone's trapped is freed by
neighbours over time (cumulative share 1 − exp(−t/τ), τ =
``self_rescue_time``), each alive with the survival probability when freed
(:func:`sim.dispatch.rescue.self_rescue`). The rest wait for teams: a zone's
site opens to rescue crews once it is reported (the command's modal report
delay after the hit) and crews choose where to work
(:class:`sim.dispatch.rescue.RescueCoordinator`).
"""
from __future__ import annotations

import functools
import math

from sim.dispatch.rescue import self_rescue
from sim.engine.timers import at

__all__ = ["schedule_rescue"]


def schedule_rescue(world, sites, report_delay_min: float) -> None:
    """Book neighbours' rescues and open each zone's site to crews when reported."""
    hazard = world.scenario.hazard
    share = float(getattr(hazard, "self_rescue_share", 0.0))
    tau = float(getattr(hazard, "self_rescue_time", 360.0))
    for site in sites:
        if site.zone < 0:
            continue
        zone = world.zones[site.zone]
        if zone.trapped <= 0:
            continue
        horizon = max(world.scenario.duration - zone.hit_time_min, 0.0)
        for_teams = zone.trapped - int(math.floor(zone.trapped * share + 0.5))
        alive, dead = self_rescue(zone.trapped - for_teams, 1.0, tau, horizon_min=horizon)
        world.rescue.self_rescued_alive += alive
        world.rescue.self_rescued_dead += dead
        if for_teams > 0:
            at_min = site.available_min + report_delay_min
            at(world.env, at_min, functools.partial(world.rescue_coordinator.open_site, zone.index, for_teams))
