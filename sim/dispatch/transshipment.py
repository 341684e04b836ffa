"""Transshipment: district trucks restocking a township reserve.

A township (street) reserve is one more stop of a district or city depot's
tour (:class:`HubStop`): its first batch is the township's first-day need, later
drops its shortfall (:meth:`sim.dispatch.planner.TourPlanner._hub_rows` decides
which reserves and how much; :func:`hub_demand` sums the need it answers for).
"""
from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["HubStop", "hub_demand"]


class HubStop:
    """A township reserve as the destination of a transshipment drop."""

    __slots__ = ("hub", "node", "zone_id", "index", "helpers")

    def __init__(self, hub, hub_index: int):
        self.hub = hub
        self.node = hub.node
        self.zone_id = hub.depot_id
        self.index = -1 - hub_index
        self.helpers = 0

    def receive(self, now: float, items: dict[str, float], depot_id: str, depot_tier: str) -> None:
        """A district truck unloads into the reserve's stock."""
        self.hub.receive_transfer(items, depot_id, depot_tier, by_truck=True)


@njit(cache=True)
def hub_demand(hub_area, heard, reached, escalated_at, now, open_need, first_day_need, hit_min):
    """Per township reserve (rows of ``hub_area[hub, zone]``), over its zones among
    ``heard`` — all of them before district supplies have ``reached`` it, after that
    those whose request has escalated by ``now``: their summed need per item (first-day
    need before, open need after), whether there is any such zone, and the earliest
    hit among them (``inf`` without one)."""
    n_hubs, n_items = hub_area.shape[0], open_need.shape[1]
    demand = np.zeros((n_hubs, n_items))
    has_zones = np.zeros(n_hubs, dtype=np.bool_)
    first_hit = np.full(n_hubs, np.inf)
    for j in range(n_hubs):
        need = open_need if reached[j] else first_day_need
        for z in heard:
            if hub_area[j, z] and (not reached[j] or escalated_at[z] <= now):
                has_zones[j] = True
                for i in range(n_items):
                    demand[j, i] += need[z, i]
                first_hit[j] = min(first_hit[j], hit_min[z])
    return demand, has_zones, first_hit
