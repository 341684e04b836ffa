"""Which last-mile mode reaches a cut-off zone, from where (:mod:`sim.scenarios.last_mile`).

A zone is cut off while no depot's trucks can reach its road node
(:mod:`sim.world.reachability`). Porters (after an earthquake or a drill's
closures: debris and closed streets) and boats (after rainfall: flooded
streets) start from the node trucks still reach that is nearest to the zone,
if it lies within the mode's ``max_walk``; the distance they cover is the
straight line times ``detour_factor`` (an assumption). Helicopters fly from
their base depot, in a straight line, from ``available_from`` on. Modes are
tried in the order porters, boats, helicopters; a zone no mode reaches stays
cut off.
"""
from __future__ import annotations

import numpy as np

from sim.agents.last_mile import LastMileFleet
from sim.network.geo import haversine_m
from sim.scenarios.items import ITEMS
from sim.scenarios.last_mile import LAST_MILE_MODES

__all__ = ["LastMileStop", "LastMileAccess", "build_last_mile"]

#: The ground a mode crosses; a zone cut off by floodwater needs boats, one cut off by
#: debris or closed streets porters (helicopters fly over both).
MODE_GROUND = {"porters": "debris", "boats": "water", "helicopters": "air"}


class LastMileStop:
    """A cut-off zone as a truck's stop: the transfer point where a mode takes over."""

    __slots__ = ("zone", "index", "zone_id", "node", "helpers", "mode", "distance_km", "fleet")

    def __init__(self, zone, node: int, mode: str, distance_km: float, fleet: LastMileFleet):
        self.zone = zone
        self.index = zone.index                  # the zone's need and deliveries
        self.zone_id = zone.zone_id
        self.node = node
        self.helpers = 0
        self.mode = mode
        self.distance_km = distance_km
        self.fleet = fleet

    def receive(self, now: float, items: dict[str, float], depot_id: str, depot_tier: str) -> None:
        """The truck hands the drop to the mode's carriers."""
        self.fleet.carry(self.zone, items, self.distance_km, depot_id, depot_tier)


class LastMileAccess:
    """The modes of a run and how they reach cut-off zones (see the module docstring)."""

    def __init__(self, scenario, graph, reachability, fleets: dict[str, LastMileFleet], base_node: int | None,
                 base_index: int | None):
        self.graph = graph
        self.reachability = reachability
        self.fleets = fleets
        ground = scenario.last_mile.ground
        self.ground = ground if ground != "auto" else "water" if scenario.hazard.type == "rainfall" else "debris"
        self.detour = scenario.last_mile.detour_factor
        self.base_node, self.base_index = base_node, base_index
        self._nearest: dict[tuple[int, int], tuple[int, float]] = {}

    def stop_for(self, zone, depot_index: int, now: float) -> LastMileStop | None:
        """How ``depot_index``'s trucks get supplies to cut-off ``zone`` now, or ``None``."""
        for mode in LAST_MILE_MODES:
            fleet = self.fleets.get(mode)
            if fleet is None:
                continue
            if mode == "helicopters":
                if depot_index == self.base_index and now >= fleet.spec.available_from:
                    km = float(haversine_m(self.graph.lon[zone.node], self.graph.lat[zone.node],
                                           self.graph.lon[self.base_node], self.graph.lat[self.base_node])) / 1e3
                    return LastMileStop(zone, self.base_node, mode, km, fleet)
                continue
            if MODE_GROUND[mode] != self.ground:
                continue
            node, straight_m = self._nearest_reachable(zone)
            if node >= 0 and straight_m <= fleet.spec.max_walk:
                return LastMileStop(zone, node, mode, self.detour * straight_m / 1e3, fleet)
        return None

    def _nearest_reachable(self, zone) -> tuple[int, float]:
        key = (zone.index, self.reachability.reachable_version)   # kept while the reached nodes stay the same
        if key not in self._nearest:
            reachable = self.reachability.reachable
            if reachable is None or not reachable.any() or not self.graph.has_coordinates:
                self._nearest[key] = (-1, float("inf"))
            else:
                nodes = np.flatnonzero(reachable)
                metres = haversine_m(self.graph.lon[nodes], self.graph.lat[nodes],
                                     self.graph.lon[zone.node], self.graph.lat[zone.node])
                k = int(np.argmin(metres))
                self._nearest[key] = (int(nodes[k]), float(metres[k]))
        return self._nearest[key]

    def start(self, command) -> None:
        """Tell command when helicopters start flying (trucks at their base look again)."""
        fleet = self.fleets.get("helicopters")
        if fleet is not None:
            fleet.env.process(self._helicopters_ready(command, fleet.spec.available_from))

    @staticmethod
    def _helicopters_ready(command, at_min: float):
        yield command.env.timeout(at_min)
        command.need_changed()

    def figures(self) -> dict:
        """Per mode: carriers, zones reached, trips, kg carried."""
        return {mode: fleet.figures() for mode, fleet in self.fleets.items()}

    def in_hand(self) -> np.ndarray:
        """Units in carriers' hands now, per item."""
        return sum((f.in_hand for f in self.fleets.values()), np.zeros(len(ITEMS)))


def build_last_mile(env, scenario, graph, depots, reachability, unit_kg: np.ndarray, log) -> LastMileAccess | None:
    """The run's last-mile modes, or ``None`` when the scenario has none."""
    from sim.scenarios.checks import aid_depot_id

    spec = scenario.last_mile
    fleets = {mode: LastMileFleet(env, mode, getattr(spec, mode), ITEMS, unit_kg, log)
              for mode in LAST_MILE_MODES if getattr(spec, mode) is not None}
    if not fleets:
        return None
    base_node = base_index = None
    if spec.helicopters is not None:
        base_id = aid_depot_id(scenario, spec.helicopters.base, inbound=True)
        base_index = next(k for k, d in enumerate(depots) if d.depot_id == base_id)
        base_node = depots[base_index].node
    return LastMileAccess(scenario, graph, reachability, fleets, base_node, base_index)
