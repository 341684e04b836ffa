"""Digging out the trapped: neighbours first, then search-and-rescue crews.

The scenario's ``self_rescue_share`` of the trapped is freed by neighbours
within the first hour, alive with the survival probability at that time.
Teams rescue the rest: a zone's rescue is split into shifts; each shift
rescues its part of the trapped, alive with the survival probability
(:func:`sim.hazards.fragility.survival_probability`) when it ends.
"""
from __future__ import annotations

import math

from sim.dispatch.work import SHIFT_MIN
from sim.hazards.fragility import survival_probability

__all__ = ["self_rescue", "queue_rescue", "SELF_RESCUE_MIN"]

#: When neighbours and township teams have dug out those they can (assumption:
#: within the first hour, the window in which most self/mutual rescue happens).
SELF_RESCUE_MIN = 60.0


def self_rescue(world, self_share: float) -> None:
    """Book the trapped freed by neighbours."""
    if self_share > 0:
        trapped = world.rescue.trapped
        alive = float(survival_probability(SELF_RESCUE_MIN))
        world.rescue.self_rescued = trapped * self_share * alive
        world.rescue.rescued_dead += trapped * self_share * (1 - alive)


def queue_rescue(world, site, zone, share: float = 1.0) -> None:
    """Queue the team share of a zone's rescue as shifts (see the module docstring)."""
    n_shifts = max(1, math.ceil(site.work_min * share / SHIFT_MIN))
    trapped = (zone.trapped if zone is not None else 0) * share
    per_shift = trapped / n_shifts
    hit = zone.hit_time_min if zone is not None else 0.0
    zone_id = zone.zone_id if zone is not None else ""

    def rescued():
        alive = per_shift * float(survival_probability(world.env.now - hit))
        world.rescue.rescued_alive += alive
        world.rescue.rescued_dead += per_shift - alive
        world.log.add(world.env.now, "rescue", zone=zone_id, item="alive", amount=alive)

    for _ in range(n_shifts):
        if not world.work.assign("sar", site.node, site.work_min * share / n_shifts, "sar", zone_id, site.priority,
                                 rescued):
            world.rescue.unassigned_sites += 1
            return
