"""Mutual aid during a run: a neighbour's request as a destination of the region's trucks.

A request (``mutual_aid.requests`` of the scenario, :mod:`sim.scenarios.mutual_aid`)
becomes an :class:`AidRequest`: from ``at`` on, its depot's trucks may carry the
units asked for to the hand-over node ``exit``; the request is **met** when
every unit is handed over within ``within`` of the request. Inbound aid needs
no agent: it is stock arriving at a depot (:func:`schedule_inbound`).
"""
from __future__ import annotations

import math

import numpy as np

__all__ = ["AidRequest", "schedule_inbound"]


class AidRequest:
    """A neighbouring region's request, served like a zone (see the module docstring)."""

    __slots__ = ("region", "node", "zone_id", "index", "helpers", "depot_index", "asked", "at_min", "due_min",
                 "delivered", "handed_over_min", "log", "_items", "xy_km")

    def __init__(self, k: int, spec, node: int, depot_index: int, items: tuple, log):
        self.region = spec.region
        self.node = node
        self.zone_id = f"aid:{spec.region}"
        self.index = -1_000_000 - k              # not a zone index
        self.helpers = 0
        self.depot_index = depot_index
        self.asked = np.array([getattr(spec.stock, i) for i in items], dtype=float)
        self.at_min = float(spec.at)
        self.due_min = float(spec.at + spec.within)
        self.delivered = np.zeros(len(items))
        self.handed_over_min = math.inf          # when the last unit asked for was handed over
        self.log = log
        self._items = items
        self.xy_km = np.zeros(2)                 # on the dispatcher's local plane, set by command

    def receive(self, now: float, items: dict[str, float], depot_id: str, depot_tier: str) -> None:
        """A truck hands units over at the exit."""
        for item, amount in items.items():
            self.delivered[self._items.index(item)] += amount
            self.log.add(now, "aid_out", agent=depot_id, zone=self.zone_id, item=item, amount=amount)
        if self.handed_over_min == math.inf and np.all(self.delivered >= self.asked - 1e-9):
            self.handed_over_min = now

    def open(self, now: float, en_route: np.ndarray) -> np.ndarray:
        """Units still to send (none before the request arrives)."""
        if now < self.at_min:
            return np.zeros_like(self.asked)
        return np.maximum(self.asked - self.delivered - en_route, 0.0)


def schedule_inbound(env, scenario, depots, log, duration_min: float) -> list[str]:
    """Start the inbound aid of the scenario; returns warnings (aid arriving after the run)."""
    from sim.scenarios.checks import aid_depot_id

    by_id = {d.depot_id: d for d in depots}
    warnings = []
    for aid in scenario.mutual_aid.inbound:
        depot = by_id[aid_depot_id(scenario, aid.depot, inbound=True)]
        if aid.lead_time > duration_min:
            warnings.append(f"inbound aid from {aid.region} reaches {depot.depot_id} at {aid.lead_time / 60:g} h, "
                            f"after the run ends ({duration_min / 60:g} h): it plays no part")
            continue
        env.process(_arrive(env, depot, aid, log))
    return warnings


def _arrive(env, depot, aid, log):
    yield env.timeout(aid.lead_time)
    log.add(env.now, "aid_in", agent=depot.depot_id, zone=f"aid:{aid.region}",
            amount=float(sum(aid.stock.as_dict(nonzero=True).values())))
    for item, amount in aid.stock.as_dict(nonzero=True).items():
        depot.add_stock(item, amount, f"mutual aid from {aid.region}")
