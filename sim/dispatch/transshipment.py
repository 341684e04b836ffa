"""Transshipment: district trucks restocking a township reserve.

A township (street) reserve is one more stop of a district or city depot's
tour (:class:`HubStop`): its first batch is the township's first-day need, later
drops its shortfall (:meth:`sim.dispatch.planner.TourPlanner._hub_rows` decides
which reserves and how much; :func:`hub_demand` sums the need it answers for,
:func:`hub_shortfall` what a district depot would bring).
"""
from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["HubStop", "hub_demand", "hub_shortfall"]


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
def hub_demand(zone_offsets, zone_hubs, n_hubs, heard, reached, escalated_at, now, open_need, first_day_need,
               hit_min):
    """Per township reserve (the reserves of zone ``z`` are
    ``zone_hubs[zone_offsets[z]:zone_offsets[z + 1]]``: :func:`~sim.dispatch.eligibility.service_area_lists`
    of the transposed ``hub_area[hub, zone]``), over its zones among ``heard`` — all of
    them before district supplies have ``reached`` it, after that those whose request has
    escalated by ``now``: their summed need per item (first-day need before, open need
    after), whether there is any such zone, and the earliest hit among them (``inf``
    without one). One pass over the heard zones, in ascending order."""
    n_items = open_need.shape[1]
    demand = np.zeros((n_hubs, n_items))
    has_zones = np.zeros(n_hubs, dtype=np.bool_)
    first_hit = np.full(n_hubs, np.inf)
    for z in heard:
        for j in zone_hubs[zone_offsets[z]:zone_offsets[z + 1]]:
            if not reached[j] or escalated_at[z] <= now:
                need = open_need if reached[j] else first_day_need
                has_zones[j] = True
                for i in range(n_items):
                    demand[j, i] += need[z, i]
                first_hit[j] = min(first_hit[j], hit_min[z])
    return demand, has_zones, first_hit


@njit(cache=True)
def hub_shortfall(zone_offsets, zone_hubs, hubs, heard_at, known_min, now, reached, escalated_at, open_need,
                  first_day_need, hit_min, avail, hub_incoming, asking):
    """What district depot ``asking`` would bring each township reserve ``hubs[j]`` (its
    zones as in :func:`hub_demand`) as :meth:`sim.dispatch.planner.TourPlanner._hub_rows`
    describes it: over the zones the depot has heard of by ``now`` (``heard_at[z] <= now``,
    known to command), the :func:`hub_demand`; less what a reached reserve holds and what
    is on its way to it; only items the depot holds; for a reached reserve none of an item
    the depot holds less of than the open need of all those zones (scarce stock goes
    direct). Returns ``(short[hub, item], wanted[hub], first_hit[hub])``, ``wanted``:
    some shortfall and some zone counted."""
    n_zones, n_items = open_need.shape
    n_hubs = hubs.shape[0]
    count = 0
    for z in range(n_zones):
        if heard_at[z] <= now and known_min[z] < np.inf:
            count += 1
    heard = np.empty(count, dtype=np.int64)
    k = 0
    for z in range(n_zones):
        if heard_at[z] <= now and known_min[z] < np.inf:
            heard[k] = z
            k += 1
    short = np.zeros((n_hubs, n_items))
    wanted = np.zeros(n_hubs, dtype=np.bool_)
    if count == 0:
        return short, wanted, np.full(n_hubs, np.inf)
    demand, has_zones, first_hit = hub_demand(zone_offsets, zone_hubs, n_hubs, heard, reached, escalated_at, now,
                                              open_need, first_day_need, hit_min)
    open_heard = np.zeros(n_items)
    for z in heard:
        for i in range(n_items):
            open_heard[i] += open_need[z, i]
    for j in range(n_hubs):
        total = 0.0
        for i in range(n_items):
            held = max(avail[hubs[j], i], 0.0) if reached[j] else 0.0
            s = max(demand[j, i] - held - hub_incoming[hubs[j], i], 0.0) * (1.0 if avail[asking, i] > 1e-9 else 0.0)
            if reached[j] and avail[asking, i] < open_heard[i] - 1e-9:
                s = 0.0
            short[j, i] = s
            total += s
        wanted[j] = total > 1e-9 and has_zones[j]
    return short, wanted, first_hit
